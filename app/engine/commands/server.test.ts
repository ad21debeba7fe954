import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing.js';

let current: TestServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('server commands', () => {
  it('TIME and LASTSAVE', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const [seconds, micros] = (await client.call('TIME')) as [string, string];
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(2);
    expect(Number(micros)).toBeGreaterThanOrEqual(0);
    expect(Number(micros)).toBeLessThan(1e6);
    expect(await client.call('LASTSAVE')).toBe(Math.floor(current.server.startTime / 1000));
  });

  it('SLOWLOG GET / LEN / RESET with Redis entry shape', async () => {
    current = await startTestServer({ 'slowlog-log-slower-than': '0', 'slowlog-max-len': '3' });
    const client = await current.connect();
    await client.call('CLIENT', 'SETNAME', 'logger');
    await client.call('SLOWLOG', 'RESET');
    await client.call('SET', 'k', 'A'.repeat(130));
    await client.call('ECHO', 'hi');
    expect(await client.call('SLOWLOG', 'LEN')).toBe(3);
    const entries = (await client.call('SLOWLOG', 'GET')) as unknown[][];
    expect(entries).toHaveLength(3);
    const [id, time, usec, argv, peer, name] = entries[2]!;
    expect(typeof id).toBe('number');
    expect(typeof time).toBe('number');
    expect(typeof usec).toBe('number');
    expect(argv).toEqual(['SET', 'k', `${'A'.repeat(128)}... (2 more bytes)`]);
    expect(peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(name).toBe('logger');
    expect(await client.call('SLOWLOG', 'GET', '1')).toHaveLength(1);
    expect(await client.call('SLOWLOG', 'GET', '-1')).toHaveLength(3);
    expect(await client.send('SLOWLOG', 'GET', '-2')).toEqual({
      type: 'error',
      value: 'ERR count should be greater than or equal to -1',
    });
    expect(await client.call('SLOWLOG', 'RESET')).toBe('OK');
    expect(await client.call('SLOWLOG', 'LEN')).toBe(1);
  });

  it('MONITOR streams the commands of other clients', async () => {
    current = await startTestServer();
    const monitor = await current.connect();
    const client = await current.connect();
    expect(await monitor.call('MONITOR')).toBe('OK');
    const list = (await client.call('CLIENT', 'LIST')) as string;
    expect(list).toMatch(/flags=O /);
    await client.call('SET', 'foo', 'bar');
    const line = await monitor.readReply(1000);
    expect(line.type).toBe('simple');
    expect((line as { value: string }).value).toMatch(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "foo" "bar"$/);
  });

  it('SHUTDOWN validates its arguments, then stops the server', async () => {
    current = await startTestServer();
    const client = await current.connect();
    expect(await client.send('SHUTDOWN', 'SAVE', 'NOSAVE')).toEqual({ type: 'error', value: 'ERR syntax error' });
    expect(await client.send('SHUTDOWN', 'ABORT', 'NOW')).toEqual({ type: 'error', value: 'ERR syntax error' });
    expect(await client.send('SHUTDOWN', 'ABORT')).toEqual({ type: 'error', value: 'ERR No shutdown in progress.' });
    expect(await client.send('SHUTDOWN', 'bogus')).toEqual({ type: 'error', value: 'ERR syntax error' });
    client.sendRaw('SHUTDOWN NOSAVE\r\n');
    await client.waitClosed();
    expect(client.closed).toBe(true);
  });
});
