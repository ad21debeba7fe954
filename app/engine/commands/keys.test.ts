import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing.js';

let current: TestServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function setup() {
  current = await startTestServer({ 'enable-debug-command': 'yes' });
  const propagated: string[][] = [];
  current.server.propagationListeners.push((_db, argv) => propagated.push(argv));
  return { client: await current.connect(), propagated };
}

describe('generic key commands', () => {
  it('DEL, EXISTS, TYPE, RENAME and their errors', async () => {
    const { client } = await setup();
    await client.call('SET', 'a', '1');
    await client.call('RPUSH', 'l', 'x');
    expect(await client.call('EXISTS', 'a', 'l', 'nope', 'a')).toBe(3);
    expect(await client.call('TYPE', 'l')).toBe('list');
    expect(await client.call('TYPE', 'nope')).toBe('none');
    await expect(client.call('RENAME', 'nope', 'b')).rejects.toThrow('ERR no such key');
    expect(await client.call('RENAMENX', 'a', 'l')).toBe(0);
    expect(await client.call('RENAME', 'a', 'b')).toBe('OK');
    expect(await client.call('DEL', 'a', 'b', 'l')).toBe(2);
    expect(await client.call('DBSIZE')).toBe(0);
  });

  it('MOVE, COPY and SWAPDB keep values and TTLs apart', async () => {
    const { client } = await setup();
    await client.call('RPUSH', 'l', 'a', 'b');
    expect(await client.call('COPY', 'l', 'l2')).toBe(1);
    await client.call('RPUSH', 'l2', 'c');
    expect(await client.call('LRANGE', 'l', 0, -1)).toEqual(['a', 'b']);
    await expect(client.call('COPY', 'l', 'l')).rejects.toThrow('ERR source and destination objects are the same');
    await client.call('SET', 'k', 'v', 'EX', 100);
    expect(await client.call('MOVE', 'k', 1)).toBe(1);
    expect(await client.call('SWAPDB', 0, 1)).toBe('OK');
    expect(await client.call('GET', 'k')).toBe('v');
    expect(await client.call('TTL', 'k')).toBeGreaterThan(90);
    await expect(client.call('SWAPDB', 'x', 1)).rejects.toThrow('ERR invalid first DB index');
  });

  it('propagates EXPIRE as PEXPIREAT and a past time as DEL', async () => {
    const { client, propagated } = await setup();
    await client.call('SET', 'k', 'v');
    const before = Date.now();
    expect(await client.call('EXPIRE', 'k', 100, 'NX')).toBe(1);
    const [name, key, when, flag] = propagated.at(-1)!;
    expect([name, key, flag]).toEqual(['PEXPIREAT', 'k', 'NX']);
    expect(Number(when)).toBeGreaterThanOrEqual(before + 100000);
    expect(await client.call('EXPIRE', 'k', 200, 'LT')).toBe(0);
    await expect(client.call('EXPIRE', 'k', 1, 'NX', 'XX')).rejects.toThrow(
      'ERR NX and XX, GT or LT options at the same time are not compatible',
    );
    await expect(client.call('EXPIRE', 'k', '9223372036854776')).rejects.toThrow(
      "ERR invalid expire time in 'expire' command",
    );
    expect(await client.call('EXPIREAT', 'k', 1)).toBe(1);
    expect(propagated.at(-1)).toEqual(['DEL', 'k']);
    expect(await client.call('TTL', 'k')).toBe(-2);
  });

  it('SCAN returns every key once the cursor comes back to 0', async () => {
    const { client } = await setup();
    for (let i = 0; i < 250; i++) await client.call('SET', `key:${i}`, 'x');
    await client.call('RPUSH', 'alist', 'x');
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = (await client.call('SCAN', cursor, 'COUNT', 7, 'MATCH', 'key:*')) as [string, string[]];
      keys.forEach((k) => seen.add(k));
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(250);
    expect(await client.call('SCAN', 0, 'TYPE', 'list', 'COUNT', 1000)).toEqual(['0', ['alist']]);
    await expect(client.call('SCAN', 'abc')).rejects.toThrow('ERR invalid cursor');
  });

  it('SORT by weights, GET patterns, LIMIT and STORE', async () => {
    const { client } = await setup();
    await client.call('RPUSH', 'ids', 3, 1, 2);
    await client.call('MSET', 'w_1', 30, 'w_2', 10, 'w_3', 20, 'name_1', 'one', 'name_2', 'two', 'name_3', 'three');
    expect(await client.call('SORT', 'ids')).toEqual(['1', '2', '3']);
    expect(await client.call('SORT', 'ids', 'BY', 'w_*', 'GET', '#', 'GET', 'name_*')).toEqual([
      '2',
      'two',
      '3',
      'three',
      '1',
      'one',
    ]);
    expect(await client.call('SORT', 'ids', 'BY', 'nosort', 'DESC', 'LIMIT', 0, 2)).toEqual(['2', '1']);
    expect(await client.call('SORT', 'ids', 'ALPHA', 'DESC', 'STORE', 'out')).toBe(3);
    expect(await client.call('LRANGE', 'out', 0, -1)).toEqual(['3', '2', '1']);
    await client.call('RPUSH', 'bad', 'x');
    await expect(client.call('SORT', 'bad')).rejects.toThrow("ERR One or more scores can't be converted into double");
    await expect(client.call('SORT_RO', 'ids', 'STORE', 'x')).rejects.toThrow('ERR syntax error');
  });

  it('OBJECT and DEBUG describe values as Redis does', async () => {
    const { client } = await setup();
    await client.call('SET', 'n', '42');
    await client.call('SET', 's', 'hello');
    expect(await client.call('OBJECT', 'ENCODING', 'n')).toBe('int');
    expect(await client.call('OBJECT', 'ENCODING', 's')).toBe('embstr');
    expect(await client.call('OBJECT', 'REFCOUNT', 'n')).toBe(2147483647);
    expect(await client.call('OBJECT', 'ENCODING', 'missing')).toBe(null);
    expect(await client.call('DEBUG', 'OBJECT', 's')).toMatch(/^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr /);
    expect(await client.call('MEMORY', 'USAGE', 's')).toBe(64); // redis-server 7.0.15 says 64 too
    expect(await client.call('DEBUG', 'DIGEST-VALUE', 'missing')).toEqual(['0'.repeat(40)]);
    expect(await client.call('DEBUG', 'SET-ACTIVE-EXPIRE', 0)).toBe('OK');
    expect(current!.server.activeExpireEnabled).toBe(false);
    await expect(client.call('DEBUG', 'NOSUCH')).rejects.toThrow(
      "ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.",
    );
  });
});
