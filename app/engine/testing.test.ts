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
});
