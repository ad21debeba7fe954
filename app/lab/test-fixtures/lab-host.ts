/**
 * A stand-in for the app's host process, for the no-orphans test: opens a
 * supervisor on a workspace, starts two builtin nodes and one redis-server node,
 * prints their statuses as one JSON line, then waits to be killed. With `freeze`,
 * the second builtin node is frozen (SIGSTOP) first: it cannot notice anything.
 * Usage: node lab-host.cjs <workspace> <builtinEntry> <basePort> [freeze]
 */
import { detectEngines, type EngineHost } from '../engines.js';
import { NodeSupervisor } from '../supervisor.js';

async function main(): Promise<void> {
  const [workspace, builtinEntry, basePort, freeze] = process.argv.slice(2);
  if (!workspace || !builtinEntry || !basePort)
    throw new Error('usage: lab-host <workspace> <builtinEntry> <basePort>');
  const host: EngineHost = { nodeExecutable: process.execPath, builtinEntry };
  const supervisor = await NodeSupervisor.open({
    workspace,
    host,
    engines: await detectEngines(host),
    basePort: Number(basePort),
  });
  await supervisor.start({ id: 'builtin-1', engine: 'builtin' });
  await supervisor.start({ id: 'builtin-2', engine: 'builtin' });
  await supervisor.start({ id: 'redis-1', engine: 'redis-server' });
  if (freeze === 'freeze') await supervisor.freeze('builtin-2');
  process.stdout.write(JSON.stringify(supervisor.list()) + '\n');
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
