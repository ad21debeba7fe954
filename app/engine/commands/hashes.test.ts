import { describe, expect, it } from 'vitest';
import { RedisHash } from '../keyspace/hash.js';
import { useTestServer } from '../testing.js';

const setup = useTestServer();

describe('hash commands', () => {
  it('HSET, HGET, HMGET, HDEL and friends', async () => {
    const { client } = await setup();
    expect(await client.call('HSET', 'h', 'a', '1', 'b', '2', 'a', '3')).toBe(2);
    expect(await client.call('HMSET', 'h', 'c', '4')).toBe('OK');
    expect(await client.call('HSETNX', 'h', 'c', 'x')).toBe(0);
    expect(await client.call('HGET', 'h', 'a')).toBe('3');
    expect(await client.call('HMGET', 'h', 'a', 'zz', 'c')).toEqual(['3', null, '4']);
    expect(await client.call('HGETALL', 'h')).toEqual(['a', '3', 'b', '2', 'c', '4']);
    expect(await client.call('HKEYS', 'h')).toEqual(['a', 'b', 'c']);
    expect(await client.call('HVALS', 'h')).toEqual(['3', '2', '4']);
    expect(await client.call('HSTRLEN', 'h', 'a')).toBe(1);
    expect(await client.call('HEXISTS', 'h', 'zz')).toBe(0);
    expect(await client.call('HDEL', 'h', 'a', 'b', 'c', 'd')).toBe(3);
    expect(await client.call('EXISTS', 'h')).toBe(0);
    await expect(client.call('HSET', 'h', 'a')).rejects.toThrow("ERR wrong number of arguments for 'hset' command");
  });

  it('answers HGETALL as a RESP3 map', async () => {
    const { client } = await setup();
    await client.call('HELLO', 3);
    await client.call('HSET', 'h', 'f', 'v');
    expect(await client.send('HGETALL', 'h')).toMatchObject({ type: 'map' });
    expect(await client.call('HGETALL', 'h')).toEqual({ f: 'v' });
    expect(await client.call('HRANDFIELD', 'h', 1, 'WITHVALUES')).toEqual([['f', 'v']]);
  });

  it('converts the encoding from listpack to hashtable once', async () => {
    const { client, server } = await setup();
    const encoding = () => (server.dbs[0]!.dict.get('h') as RedisHash).encoding();
    await client.call('HSET', 'h', 'f', 'v');
    expect(encoding()).toBe('listpack');
    await client.call('HSET', 'h', 'big', 'x'.repeat(65));
    expect(encoding()).toBe('hashtable');
    await client.call('HDEL', 'h', 'big');
    expect(encoding()).toBe('hashtable');
  });

  it('HINCRBY and HINCRBYFLOAT, propagated as HSET', async () => {
    const { client, propagated } = await setup();
    expect(await client.call('HINCRBY', 'h', 'n', 5)).toBe(5);
    await expect(client.call('HINCRBY', 'h', 'n', '9223372036854775807')).rejects.toThrow(
      'ERR increment or decrement would overflow',
    );
    expect(await client.call('HINCRBYFLOAT', 'h', 'f', '0.1')).toBe('0.1');
    expect(await client.call('HINCRBYFLOAT', 'h', 'f', '0.2')).toBe('0.3');
    expect(propagated.at(-1)).toEqual(['HSET', 'h', 'f', '0.3']);
    await client.call('HSET', 'h', 's', 'abc');
    await expect(client.call('HINCRBY', 'h', 's', 1)).rejects.toThrow('ERR hash value is not an integer');
    await expect(client.call('HINCRBYFLOAT', 'h', 's', 1)).rejects.toThrow('ERR hash value is not a float');
    await expect(client.call('HINCRBYFLOAT', 'h', 'f', 'inf')).rejects.toThrow('ERR value is NaN or Infinity');
  });

  it('HRANDFIELD counts and HSCAN cursors', async () => {
    const { client } = await setup();
    for (let i = 0; i < 300; i++) await client.call('HSET', 'big', `f${i}`, `v${i}`);
    expect(((await client.call('HRANDFIELD', 'big', 10)) as string[]).length).toBe(10);
    expect(new Set((await client.call('HRANDFIELD', 'big', 250)) as string[]).size).toBe(250);
    expect(((await client.call('HRANDFIELD', 'big', -5, 'WITHVALUES')) as string[]).length).toBe(10);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, items] = (await client.call('HSCAN', 'big', cursor, 'COUNT', 17, 'MATCH', 'f1*')) as [
        string,
        string[],
      ];
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]!);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(111);
    await client.call('HSET', 'small', 'a', '1');
    expect(await client.call('HSCAN', 'small', 123)).toEqual(['0', ['a', '1']]);
    await expect(client.call('HSCAN', 'small', 'x')).rejects.toThrow('ERR invalid cursor');
  });
});
