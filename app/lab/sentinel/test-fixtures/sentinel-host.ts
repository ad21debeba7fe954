/**
 * A stand-in for the app's host, for the Sentinel no-orphans test: a lab service on
 * a workspace with a built-in master and two Sentinels watching it; prints the
 * Sentinels' pids as one JSON line, then waits to be killed.
 * Usage: node sentinel-host.cjs <workspace> <builtinEntry> <basePort>
 */
import { parseParams, type Method, type Params, type Results } from '../../../api/contract';
import { LabService } from '../../service';

async function call<M extends Method>(lab: LabService, method: M, params: Params<M>): Promise<Results[M]> {
  const parsed = parseParams(method, params);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return lab.handle(method, parsed.value);
}

async function main(): Promise<void> {
  const [workspace, builtinEntry, basePort] = process.argv.slice(2);
  if (!workspace || !builtinEntry || !basePort)
    throw new Error('usage: sentinel-host <workspace> <builtinEntry> <basePort>');
  const lab = await LabService.create({
    host: 'web',
    workspace,
    basePort: Number(basePort),
    engineHost: { nodeExecutable: process.execPath, builtinEntry },
    cliHost: { nodeExecutable: process.execPath, cliEntry: '/nonexistent/cli.js' },
  });
  const master = await call(lab, 'node.create', { role: 'master', engine: 'builtin' });
  await call(lab, 'sentinel.create', { masterId: master.id, count: 2, quorum: 1, port: Number(basePort) + 5 });
  const snapshot = await call(lab, 'lab.snapshot', {});
  const pids = Object.values(snapshot.sentinels).map((sentinel) => sentinel.pid);
  process.stdout.write(JSON.stringify({ sentinels: pids, master: snapshot.nodes[master.id]?.pid }) + '\n');
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
