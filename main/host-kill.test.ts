/**
 * No orphans: the host process is killed with -9 (no chance to clean up), and
 * afterwards no node it started is left. Built-in nodes notice on their own (their
 * stdin pipe from the host closes); redis-server nodes are recorded in the
 * workspace and reaped by the next host that opens it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { LabSnapshot } from '../app/api/runtime';
import { makeWorkspace, testEngineHost, testEngines } from '../app/lab/testing';

const projectRoot = resolve(__dirname, '..');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function bundleWebHost(): string {
  const outDir = join(projectRoot, '.cache', 'test-web-host');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `web-${process.pid}.cjs`);
  buildSync({
    entryPoints: [join(projectRoot, 'main', 'web.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    external: ['node-pty'],
    logLevel: 'warning',
  });
  cleanups.push(() => rmSync(outfile, { force: true }));
  return outfile;
}

/** Starts a host; resolves with its URL once it printed it. */
function startHost(entry: string, workspace: string): Promise<{ child: ChildProcess; url: string }> {
  const rendererDir = join(workspace, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  const child = spawn(
    process.execPath,
    [
      entry,
      '--port',
      '0',
      '--workspace',
      workspace,
      '--base-port',
      '23150',
      '--engine-entry',
      testEngineHost().builtinEntry,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  return new Promise((resolveHost, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /http:\/\/\S+/.exec(output)?.[0];
      if (url) resolveHost({ child, url });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`host exited (${code}): ${output}`)));
  });
}

async function request<T>(url: string, method: string, params: unknown): Promise<T> {
  const wsUrl = url.replace('http://', 'ws://').replace('/?token=', '/api?token=');
  const socket = new WebSocket(wsUrl);
  try {
    await new Promise((done, fail) => socket.once('open', done).once('error', fail));
    const reply = new Promise<{ ok: boolean; result: T; error?: { message: string } }>((done) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; id: number };
        if (message.type === 'response' && message.id === 1) done(message as never);
      });
    });
    socket.send(JSON.stringify({ type: 'request', id: 1, method, params }));
    const answer = await reply;
    if (!answer.ok) throw new Error(answer.error?.message);
    return answer.result;
  } finally {
    socket.terminate();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (condition()) return true;
    await new Promise((wake) => setTimeout(wake, 100));
  }
  return condition();
}

describe('killing the host with -9', () => {
  it('leaves no node process behind', async () => {
    await testEngines();
    const entry = bundleWebHost();
    const workspace = makeWorkspace('host-kill');
    cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));

    const first = await startHost(entry, workspace);
    await request(first.url, 'topology.seed', { engine: 'builtin' });
    await request(first.url, 'node.create', { role: 'master', engine: 'redis-server' });
    const snapshot = await request<LabSnapshot>(first.url, 'lab.snapshot', {});
    const builtinPids = snapshot.topology.nodes
      .filter((node) => node.engine === 'builtin')
      .map((node) => snapshot.nodes[node.id]!.pid!);
    const redisPids = snapshot.topology.nodes
      .filter((node) => node.engine === 'redis-server')
      .map((node) => snapshot.nodes[node.id]!.pid!);
    expect(builtinPids).toHaveLength(3);
    expect(redisPids).toHaveLength(1);
    // Whatever happens below, nothing outlives the test.
    cleanups.push(() => [...builtinPids, ...redisPids].forEach((pid) => alive(pid) && process.kill(pid, 'SIGKILL')));

    first.child.kill('SIGKILL');
    expect(await waitUntil(() => builtinPids.every((pid) => !alive(pid)), 10_000)).toBe(true);

    // redis-server cannot watch its parent: the next host on this workspace reaps it.
    const second = await startHost(entry, workspace);
    expect(await waitUntil(() => redisPids.every((pid) => !alive(pid)), 10_000)).toBe(true);
    second.child.kill('SIGTERM');
    await new Promise((done) => second.child.once('exit', done));
  }, 60_000);
});
