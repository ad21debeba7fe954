/**
 * No orphans: nodes never outlive the lab that started them, even when it is
 * killed with -9 (builtin nodes notice on their own; redis-server nodes are
 * reaped by the next supervisor on the workspace).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { engineEntry } from '../engine/test-support/engine-process.js';
import { isPortFree } from './ports.js';
import { isProcessAlive, processCommandLine, processStartTime } from './process-identity.js';
import { ProcessRecords } from './process-records.js';
import { eventually, makeWorkspace, openTestLab, testEngines, type TestLab } from './testing.js';
import type { NodeStatus } from './types.js';
import { prepareNodeFolder } from './workspace.js';

/** Ports 22530-22569. */
const BASE_PORT = 22530;
const projectRoot = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');

function bundleLabHost(): string {
  const outDir = join(projectRoot, '.cache', 'test-lab-host');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `lab-host-${process.pid}.cjs`);
  buildSync({
    entryPoints: [join(projectRoot, 'app', 'lab', 'test-fixtures', 'lab-host.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/** Every live process whose command line names one of the ports (`127.0.0.1:<port>`) or the workspace. */
function processesOf(ports: number[], workspace: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const commandLine = processCommandLine(Number(entry));
    if (commandLine === undefined || !isProcessAlive(Number(entry))) continue;
    if (commandLine.includes(workspace) || ports.some((port) => commandLine.includes(`127.0.0.1:${port}`))) {
      found.push(`${entry}: ${commandLine}`);
    }
  }
  return found;
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('no orphans', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Runs the lab host on a fresh workspace; resolves with the statuses it printed once its nodes are up. */
  async function startLabHost(basePort: number, freeze: boolean) {
    await testEngines();
    const workspace = makeWorkspace('orphans');
    cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
    const script = bundleLabHost();
    cleanups.push(() => rmSync(script, { force: true }));
    const args = [script, workspace, engineEntry(), String(basePort), ...(freeze ? ['freeze'] : [])];
    const host: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let nodes: NodeStatus[] = [];
    // Whatever happens, nothing the host started survives the test.
    cleanups.push(() => {
      killQuietly(host.pid);
      for (const node of nodes) killQuietly(node.pid);
    });
    let stderr = '';
    host.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const hostExited = new Promise<void>((r) => host.once('exit', () => r()));
    nodes = await new Promise<NodeStatus[]>((resolveNodes, reject) => {
      let stdout = '';
      host.stdout!.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolveNodes(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as NodeStatus[]);
      });
      void hostExited.then(() => reject(new Error(`the lab host exited early:\n${stderr}`)));
    });
    const killHost = async () => {
      process.kill(host.pid!, 'SIGKILL');
      await hostExited;
    };
    return { workspace, nodes, killHost };
  }

  it('after the host is killed with -9: builtin nodes exit by themselves, redis-server is reaped at the next start', async () => {
    const { workspace, nodes, killHost } = await startLabHost(BASE_PORT, false);
    expect(nodes.map((n) => [n.id, n.engine, n.state])).toEqual([
      ['builtin-1', 'builtin', 'up'],
      ['builtin-2', 'builtin', 'up'],
      ['redis-1', 'redis-server', 'up'],
    ]);
    const pids = nodes.map((n) => n.pid!);
    const ports = nodes.map((n) => n.port);
    expect(pids.every(isProcessAlive)).toBe(true);

    await killHost();

    // The builtin nodes see their stdin reach EOF and shut down.
    await eventually(() => (!isProcessAlive(pids[0]!) && !isProcessAlive(pids[1]!) ? true : undefined), 10_000);
    for (const node of nodes.slice(0, 2)) {
      expect(readFileSync(node.logPath!, 'utf8')).toMatch(
        /The lab that started this server has exited: shutting down\./,
      );
    }
    // redis-server cannot notice: it is still there until a supervisor reaps it.
    expect(isProcessAlive(pids[2]!)).toBe(true);

    const lab = await openTestLab(BASE_PORT, { workspace });
    cleanups.push(() => lab.close());
    expect(lab.supervisor.reaped.map((r) => [r.record.id, r.record.pid])).toEqual([['redis-1', pids[2]]]);
    expect(pids.some(isProcessAlive)).toBe(false);
    expect(processesOf(ports, workspace)).toEqual([]);
    for (const port of ports) expect(await isPortFree(port)).toBe(true);
  });

  it('a builtin node frozen when the host is killed is reaped at the next start too', async () => {
    const { workspace, nodes, killHost } = await startLabHost(BASE_PORT + 5, true);
    expect(nodes.map((n) => [n.id, n.state])).toEqual([
      ['builtin-1', 'up'],
      ['builtin-2', 'frozen'],
      ['redis-1', 'up'],
    ]);
    const pids = nodes.map((n) => n.pid!);
    await killHost();
    await eventually(() => (!isProcessAlive(pids[0]!) ? true : undefined), 10_000);
    // Stopped by SIGSTOP, it cannot read the EOF on its stdin.
    expect(isProcessAlive(pids[1]!)).toBe(true);

    const lab = await openTestLab(BASE_PORT + 5, { workspace });
    cleanups.push(() => lab.close());
    expect(lab.supervisor.reaped.map((r) => r.record.id).sort()).toEqual(['builtin-2', 'redis-1']);
    expect(pids.some(isProcessAlive)).toBe(false);
    expect(
      processesOf(
        nodes.map((n) => n.port),
        workspace,
      ),
    ).toEqual([]);
  });

  describe('reaping recorded processes', () => {
    let lab: TestLab | undefined;
    afterEach(async () => {
      await lab?.close();
      lab = undefined;
    });

    it('ends a recorded redis-server whose lab is gone, and spares a recycled pid', async () => {
      const engines = await testEngines();
      const redis = engines.find((e) => e.kind === 'redis-server')!;
      const workspace = makeWorkspace('reap');
      cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
      const port = BASE_PORT + 30;
      const paths = await prepareNodeFolder(workspace, { id: 'left-behind', port });
      const orphan = spawn(redis.executable!, [paths.conf], { stdio: 'ignore', detached: true });
      orphan.unref();
      cleanups.push(() => killQuietly(orphan.pid));
      // An unrelated process: its pid is recorded as if it were a node of a dead lab, with another start time.
      const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
      cleanups.push(() => killQuietly(bystander.pid));
      const deadLab = spawn('true');
      await new Promise((r) => deadLab.once('exit', r));

      await eventually(async () => ((await isPortFree(port)) ? undefined : true));
      const records = new ProcessRecords(workspace);
      const common = {
        engine: 'redis-server' as const,
        executable: redis.executable!,
        startedAt: Date.now(),
        ownerPid: deadLab.pid!,
      };
      records.add({
        ...common,
        id: 'left-behind',
        pid: orphan.pid!,
        port,
        confPath: paths.conf,
        procStartTime: processStartTime(orphan.pid!),
      });
      records.add({
        ...common,
        id: 'recycled',
        pid: bystander.pid!,
        port: port + 1,
        confPath: '/nowhere',
        procStartTime: '1',
      });

      lab = await openTestLab(BASE_PORT + 32, { workspace });
      expect(lab.supervisor.reaped.map((r) => [r.record.id, r.signal])).toEqual([['left-behind', 'SIGTERM']]);
      expect(isProcessAlive(orphan.pid!)).toBe(false);
      expect(isProcessAlive(bystander.pid!)).toBe(true);
      expect(new ProcessRecords(workspace).list()).toEqual([]);
    });

    it('leaves alone the nodes of a lab that is still running', async () => {
      lab = await openTestLab(BASE_PORT + 35);
      const node = await lab.supervisor.start({ id: 'mine', engine: 'redis-server' });
      const records = new ProcessRecords(lab.workspace);
      // Recorded as started by another live process (our parent), as a second app instance would be.
      records.delete(node.pid!);
      records.add({
        id: 'mine',
        pid: node.pid!,
        port: node.port,
        engine: 'redis-server',
        executable: '/usr/bin/redis-server',
        confPath: node.confPath!,
        startedAt: Date.now(),
        ownerPid: process.ppid,
        ownerStartTime: processStartTime(process.ppid),
      });
      expect(await new ProcessRecords(lab.workspace).reapOrphans()).toEqual([]);
      expect(isProcessAlive(node.pid!)).toBe(true);
    });
  });
});
