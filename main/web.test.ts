/**
 * The web host's guard and transport: no token, no page and no socket; with it,
 * the contract runs over the WebSocket and events arrive.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../app/api/contract';
import { makeWorkspace, testEngineHost } from '../app/lab/testing';
import { startWebHost, type WebHost } from './web';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openHost(): Promise<{ host: WebHost; token: string }> {
  const workspace = makeWorkspace('web');
  const rendererDir = join(workspace, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Replica Lab</title>');
  writeFileSync(join(rendererDir, 'app.js'), 'console.log(1)');
  const host = await startWebHost({
    port: 0,
    workspace,
    basePort: 23100,
    rendererDir,
    builtinEntry: testEngineHost().builtinEntry,
    cliEntry: join(rendererDir, 'no-cli.js'),
  });
  cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
  cleanups.push(() => host.close());
  return { host, token: new URL(host.url).searchParams.get('token')! };
}

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    cleanups.push(() => socket.terminate());
  });
}

describe('the web host', () => {
  it('refuses the page, its files and the socket without the token', async () => {
    const { host } = await openHost();
    const base = `http://127.0.0.1:${host.port}`;
    expect((await fetch(`${base}/`)).status).toBe(403);
    expect((await fetch(`${base}/app.js`)).status).toBe(403);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(403);
    await expect(openSocket(`ws://127.0.0.1:${host.port}/api`)).rejects.toThrow(/403/);
    await expect(openSocket(`ws://127.0.0.1:${host.port}/api?token=x`)).rejects.toThrow(/403/);
  });

  it('serves the page with the token, sets the cookie the assets then carry, and never leaves its root', async () => {
    const { host, token } = await openHost();
    const page = await fetch(host.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const asset = await fetch(`http://127.0.0.1:${host.port}/app.js`, { headers: { cookie } });
    expect(asset.status).toBe(200);
    const escape = await fetch(`http://127.0.0.1:${host.port}/..%2f..%2fetc%2fpasswd?token=${token}`);
    expect(escape.status).toBe(404);
  });

  it('runs the contract over the socket: a snapshot, a validation error, an unknown method', async () => {
    const { host, token } = await openHost();
    const socket = await openSocket(`ws://127.0.0.1:${host.port}/api?token=${token}`);
    const replies = new Map<number, ServerMessage>();
    const waiting = new Map<number, () => void>();
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      if (message.type === 'response') {
        replies.set(message.id, message);
        waiting.get(message.id)?.();
      }
    });
    const request = (id: number, method: string, params: unknown) =>
      new Promise<ServerMessage>((resolve) => {
        waiting.set(id, () => resolve(replies.get(id)!));
        socket.send(JSON.stringify({ type: 'request', id, method, params }));
      });

    const snapshot = await request(1, 'lab.snapshot', {});
    expect(snapshot).toMatchObject({ ok: true, result: { host: 'web', topology: { nodes: [] } } });
    const invalid = await request(2, 'node.create', { role: 'boss' });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid', field: 'role' } });
    const unknown = await request(3, 'process.exit', {});
    expect(unknown).toMatchObject({
      ok: false,
      error: { code: 'invalid', message: 'Unknown request "process.exit".' },
    });
    // A page from another origin cannot use a token it stole.
    await expect(
      openSocket(`ws://127.0.0.1:${host.port}/api?token=${token}`, { origin: 'http://evil.example' }),
    ).rejects.toThrow(/403/);
  });
});
