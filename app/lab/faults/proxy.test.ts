/**
 * The link proxy with plain sockets (no Redis): bytes in order under jitter, the
 * bandwidth cap, cuts that hold bytes without closing anything, and a clean close.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_FAULT, type LinkFault } from '../../api/runtime';
import { LinkProxy } from './proxy';

interface Upstream {
  server: Server;
  port: number;
  sockets: Socket[];
  received: Buffer[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server standing for the master: it records what it receives and keeps its sockets. */
async function upstreamServer(): Promise<Upstream> {
  const up: Upstream = { server: createServer(), port: 0, sockets: [], received: [] };
  up.server.on('connection', (socket) => {
    up.sockets.push(socket);
    socket.on('data', (chunk) => up.received.push(chunk));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => up.server.listen(0, '127.0.0.1', resolve));
  const address = up.server.address();
  up.port = typeof address === 'object' && address ? address.port : 0;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of up.sockets) socket.destroy();
        up.server.close(() => resolve());
      }),
  );
  return up;
}

async function openProxy(port: number): Promise<LinkProxy> {
  const proxy = await LinkProxy.open({ host: '127.0.0.1', port });
  cleanups.push(() => proxy.close());
  return proxy;
}

async function client(port: number): Promise<{ socket: Socket; received: Buffer[] }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  const received: Buffer[] = [];
  socket.on('data', (chunk) => received.push(chunk));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  cleanups.push(() => void socket.destroy());
  return { socket, received };
}

function fault(change: Partial<LinkFault>): LinkFault {
  return { ...NO_FAULT, ...change };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${condition.toString()}`);
    await new Promise((wake) => setTimeout(wake, 10));
  }
}

const size = (chunks: Buffer[]) => chunks.reduce((sum, chunk) => sum + chunk.length, 0);
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

describe('LinkProxy', () => {
  it('forwards both ways and counts bytes and connections', async () => {
    const up = await upstreamServer();
    const proxy = await openProxy(up.port);
    const { socket, received } = await client(proxy.port);
    await until(() => up.sockets.length === 1);
    socket.write('PING\r\n');
    await until(() => size(up.received) === 6);
    up.sockets[0]!.write('+PONG\r\n');
    await until(() => size(received) === 7);
    expect(proxy.stats()).toEqual({ bytesToMaster: 6, bytesToReplica: 7, connections: 1 });
    socket.destroy();
    await until(() => proxy.stats().connections === 0);
  });

  it('keeps the order of chunks under latency with jitter', async () => {
    const up = await upstreamServer();
    const proxy = await openProxy(up.port);
    proxy.setFault(fault({ latencyMs: 20, jitterMs: 40 }));
    const { socket } = await client(proxy.port);
    const began = Date.now();
    const expected: string[] = [];
    for (let i = 0; i < 200; i++) {
      const line = `line ${i};`;
      expected.push(line);
      socket.write(line);
      if (i % 20 === 0) await sleep(5);
    }
    const total = expected.join('').length;
    await until(() => size(up.received) === total);
    expect(Buffer.concat(up.received).toString()).toBe(expected.join(''));
    expect(Date.now() - began).toBeGreaterThanOrEqual(20);
  });

  it('caps the bandwidth within 10%', async () => {
    const up = await upstreamServer();
    const proxy = await openProxy(up.port);
    const kbps = 800; // 100 000 bytes/s
    proxy.setFault(fault({ bandwidthKbps: kbps }));
    const { socket } = await client(proxy.port);
    await until(() => up.sockets.length === 1);
    const payload = Buffer.alloc(150_000, 'x');
    const began = Date.now();
    socket.write(payload);
    await until(() => size(up.received) === payload.length, 10_000);
    const seconds = (Date.now() - began) / 1000;
    const rate = payload.length / seconds;
    expect(rate).toBeGreaterThan(100_000 * 0.9);
    expect(rate).toBeLessThan(100_000 * 1.1);
  });

  it('holds bytes while cut, one way or both, and delivers them after the heal without closing', async () => {
    const up = await upstreamServer();
    const proxy = await openProxy(up.port);
    const { socket, received } = await client(proxy.port);
    await until(() => up.sockets.length === 1);
    const master = up.sockets[0]!;
    let closed = false;
    socket.on('close', () => (closed = true));

    proxy.setFault(fault({ cut: 'to-replica' }));
    master.write('stream');
    socket.write('ack');
    await until(() => size(up.received) === 3);
    await sleep(150);
    expect(size(received)).toBe(0);

    proxy.setFault(fault({ cut: 'to-master' }));
    await until(() => size(received) === 6);
    socket.write('ack2');
    await sleep(150);
    expect(size(up.received)).toBe(3);

    proxy.setFault(fault({ cut: 'both' }));
    master.write('more');
    await sleep(150);
    expect(size(received)).toBe(6);
    expect(size(up.received)).toBe(3);

    proxy.setFault(NO_FAULT);
    await until(() => size(received) === 10 && size(up.received) === 7);
    expect(Buffer.concat(received).toString()).toBe('streammore');
    expect(Buffer.concat(up.received).toString()).toBe('ackack2');
    expect(closed).toBe(false);
    expect(proxy.stats().connections).toBe(1);
  });

  it('accepts connections while cut but reaches the master only after the heal', async () => {
    const up = await upstreamServer();
    const proxy = await openProxy(up.port);
    proxy.setFault(fault({ cut: 'both' }));
    const { socket, received } = await client(proxy.port);
    socket.write('PING\r\n');
    await sleep(150);
    expect(up.sockets.length).toBe(0);
    proxy.setFault(NO_FAULT);
    await until(() => size(up.received) === 6);
    up.sockets[0]!.write('+PONG\r\n');
    await until(() => size(received) === 7);
  });

  it('leaves no listener and no connection after close()', async () => {
    const up = await upstreamServer();
    const proxy = await LinkProxy.open({ host: '127.0.0.1', port: up.port });
    const { socket } = await client(proxy.port);
    await until(() => up.sockets.length === 1);
    let closed = false;
    socket.on('close', () => (closed = true));
    const port = proxy.port;
    await proxy.close();
    await until(() => closed);
    const refused = await new Promise<boolean>((resolve) => {
      const probe = createConnection({ host: '127.0.0.1', port });
      probe.once('connect', () => (probe.destroy(), resolve(false)));
      probe.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    expect(proxy.stats().connections).toBe(0);
  });
});
