import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing.js';

let current: TestServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('startTestServer', () => {
  it('serves commands on an ephemeral port and closes everything', async () => {
    current = await startTestServer();
    expect(current.port).toBeGreaterThan(0);
    const client = await current.connect();
    expect(await client.call('PING')).toBe('PONG');
    expect(await client.call('ECHO', 'v')).toBe('v');
    const pipelined = await Promise.all(Array.from({ length: 100 }, (_, i) => client.call('ECHO', i)));
    expect(pipelined).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    await current.close();
    await client.waitClosed();
    expect(client.closed).toBe(true);
    expect(current.server.clients.size).toBe(0);
  });

  it('applies config overrides', async () => {
    current = await startTestServer({ requirepass: 'secret' });
    const client = await current.connect();
    expect(await client.send('ECHO', 'k')).toEqual({ type: 'error', value: 'NOAUTH Authentication required.' });
    expect(await client.call('AUTH', 'secret')).toBe('OK');
  });

  it('speaks RESP3 after HELLO 3', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const hello = await client.send('HELLO', '3');
    expect(hello.type).toBe('map');
    expect(await client.send('PING')).toEqual({ type: 'simple', value: 'PONG' });
  });

  it('delivers RESP3 pushes to onPush and RESP2 messages to readReply', async () => {
    current = await startTestServer();
    const subscriber = await current.connect();
    const publisher = await current.connect();
    await subscriber.send('HELLO', '3');
    const pushes: unknown[] = [];
    // Without a handler the subscribe confirmation is an ordinary reply.
    expect(await subscriber.send('SUBSCRIBE', 'news')).toEqual({
      type: 'push',
      items: [
        { type: 'bulk', value: 'subscribe' },
        { type: 'bulk', value: 'news' },
        { type: 'integer', value: 1, text: '1' },
      ],
    });
    subscriber.onPush = (message) => pushes.push(message.items.map((item) => (item as { value: unknown }).value));
    expect(await publisher.call('PUBLISH', 'news', 'hello')).toBe(1);
    expect(await subscriber.call('PING')).toBe('PONG');
    expect(pushes).toEqual([['message', 'news', 'hello']]);

    const legacy = await current.connect();
    await legacy.send('SUBSCRIBE', 'news');
    expect(await publisher.call('PUBLISH', 'news', 'again')).toBe(2);
    expect(await legacy.readReply(2000)).toEqual({
      type: 'array',
      items: [
        { type: 'bulk', value: 'message' },
        { type: 'bulk', value: 'news' },
        { type: 'bulk', value: 'again' },
      ],
    });
  });

  it('drops a client whose query buffer passes client-query-buffer-limit', async () => {
    current = await startTestServer({ 'client-query-buffer-limit': '1mb' });
    const client = await current.connect();
    client.sendRaw(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${4 * 1024 * 1024}\r\n`);
    client.sendRaw(Buffer.alloc(1024 * 1024 + 1, 0x61));
    await client.waitClosed();
    const other = await current.connect();
    expect(await other.call('PING')).toBe('PONG');
  });
});
