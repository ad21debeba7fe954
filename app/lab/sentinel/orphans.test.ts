/**
 * No orphan Sentinels: redis-sentinel cannot notice that the lab died, so each one
 * is recorded in `<workspace>/sentinels/lab-processes.json` (the supervisor's own
 * records) and the next lab on that workspace ends it. Here the lab's host is
 * killed with -9, its Sentinels outlive it, and a new lab on the workspace reaps them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { engineEntry } from '../../engine/test-support/engine-process.js';
import { isProcessAlive } from '../process-identity.js';
import { LabService } from '../service.js';
import { eventually, makeWorkspace, testEngineHost, testEngines } from '../testing.js';

/** The host's master on 23180, its Sentinels on 23185-23186. */
const BASE_PORT = 23180;
const projectRoot = resolve(dirname(new URL(import.meta.url).pathname), '..', '..', '..');

function bundleHost(): string {
  const outDir = join(projectRoot, '.cache', 'test-sentinel-host');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `sentinel-host-${process.pid}.cjs`);
  buildSync({
    entryPoints: [join(projectRoot, 'app', 'lab', 'sentinel', 'test-fixtures', 'sentinel-host.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    external: ['node-pty'],
    logLevel: 'warning',
  });
  return outfile;
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

describe('no orphan Sentinels', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('reaps the Sentinels of a lab killed with -9 when the next lab opens its workspace', async () => {
    await testEngines();
    const workspace = makeWorkspace('sentinel-orphans');
    cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
    const script = bundleHost();
    cleanups.push(() => rmSync(script, { force: true }));
    const host: ChildProcess = spawn(process.execPath, [script, workspace, engineEntry(), String(BASE_PORT)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pids: { sentinels: number[]; master?: number } = { sentinels: [] };
    cleanups.push(() => {
      killQuietly(host.pid);
      for (const pid of pids.sentinels) killQuietly(pid);
      killQuietly(pids.master);
    });
    let stderr = '';
    host.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    pids = await new Promise((done, fail) => {
      let out = '';
      host.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) done(JSON.parse(line) as typeof pids);
      });
      host.once('exit', (code) => fail(new Error(`the host exited (${code}): ${stderr}`)));
      setTimeout(() => fail(new Error(`the host did not report within 30 s: ${stderr}`)), 30_000);
    });
    expect(pids.sentinels).toHaveLength(2);

    host.kill('SIGKILL');
    await new Promise((done) => host.once('exit', done));
    // The built-in master notices on its own; the Sentinels cannot.
    await eventually(() => (pids.master !== undefined && !isProcessAlive(pids.master) ? true : undefined), 10_000);
    expect(pids.sentinels.every((pid) => isProcessAlive(pid))).toBe(true);

    const next = await LabService.create({
      host: 'web',
      workspace,
      basePort: BASE_PORT,
      engineHost: testEngineHost(),
      cliHost: { nodeExecutable: process.execPath, cliEntry: '/nonexistent/cli.js' },
    });
    cleanups.push(() => next.dispose());
    await eventually(() => (pids.sentinels.every((pid) => !isProcessAlive(pid)) ? true : undefined), 15_000);
  }, 60_000);
});
