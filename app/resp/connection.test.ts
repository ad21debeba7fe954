import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionClosedError, RespConnection } from './connection.js';
import { RespReplyError } from './reply-parser.js';

/** A scripted fake server: each received chunk is answered by `respond`. */
async function fakeServer(respond: (data: Buffer, socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.on('data', (data) => respond(data, socket)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(respond: (data: Buffer, socket: Socket) => void): Promise<RespConnection> {
  const { server, port } = await fakeServer(respond);
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const connection = await RespConnection.connect(port);
  cleanups.push(() => connection.close());
  return connection;
}

describe('RespConnection', () => {
  it('matches pipelined replies to sends in order, across split writes', async () => {
    let seen = '';
    const connection = await setup((data, socket) => {
      seen += data.toString('latin1');
      const count = (seen.match(/\*1\r\n/g) ?? []).length;
      if (count === 3) {
        const reply = ':1\r\n$5\r\nhello\r\n-ERR boom\r\n';
        // Dribble the replies a byte at a time.
        for (const ch of reply) socket.write(ch);
      }
    });
    const replies = await Promise.all([connection.send('A'), connection.send('B'), connection.send('C')]);
    expect(replies).toEqual([
      { type: 'integer', value: 1, text: '1' },
      { type: 'bulk', value: 'hello' },
      { type: 'error', value: 'ERR boom' },
    ]);
  });

  it('call() returns plain values and rejects on error replies', async () => {
    let n = 0;
    const connection = await setup((_data, socket) => socket.write(n++ === 0 ? '%1\r\n+a\r\n:1\r\n' : '-ERR nope\r\n'));
    expect(await connection.call('HELLO')).toEqual({ a: 1 });
    await expect(connection.call('X')).rejects.toBeInstanceOf(RespReplyError);
  });

  it('delivers unclaimed replies to readReply and pushes to onPush', async () => {
    const connection = await setup((_data, socket) => socket.write('>2\r\n+message\r\n+x\r\n+PONG\r\n+extra\r\n'));
    const pushes: unknown[] = [];
    connection.onPush = (message) => pushes.push(message.items.length);
    expect(await connection.send('PING')).toEqual({ type: 'simple', value: 'PONG' });
    expect(await connection.readReply(1000)).toEqual({ type: 'simple', value: 'extra' });
    expect(pushes).toEqual([2]);
    await expect(connection.readReply(20)).rejects.toThrow(/No reply/);
  });

  it('sendRaw replies are read with readReply', async () => {
    const connection = await setup((data, socket) => socket.write(`$${data.length}\r\n${data.toString('latin1')}\r\n`));
    connection.sendRaw('PING\r\n');
    expect(await connection.readReply(1000)).toEqual({ type: 'bulk', value: 'PING\r\n' });
  });

  it('rejects pending calls when the server closes the connection', async () => {
    const connection = await setup((_data, socket) => socket.destroy());
    await expect(connection.send('PING')).rejects.toBeInstanceOf(ConnectionClosedError);
    await connection.waitClosed();
    expect(connection.closed).toBe(true);
    await expect(connection.send('PING')).rejects.toBeInstanceOf(ConnectionClosedError);
  });
});
