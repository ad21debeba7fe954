import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testing.js';

const setup = useTestServer();

describe('set commands', () => {
  it('SADD/SREM/SMEMBERS with encodings, dirty and empty-key deletion', async () => {
    const { client, server } = await setup();
    const dirty = server.dirty;
    expect(await client.call('SADD', 's', '3', '1', '2', '1')).toBe(3);
    expect(server.dirty - dirty).toBe(3);
    expect(await client.call('OBJECT', 'ENCODING', 's')).toBe('intset');
    expect(await client.call('SMEMBERS', 's')).toEqual(['1', '2', '3']);
    expect(await client.call('SADD', 's', 'x')).toBe(1);
    expect(await client.call('OBJECT', 'ENCODING', 's')).toBe('hashtable');
    expect(await client.call('SMISMEMBER', 's', 'x', 'y')).toEqual([1, 0]);
    expect(await client.call('SREM', 's', '1', '2', '3', 'x', 'nope')).toBe(4);
    expect(await client.call('EXISTS', 's')).toBe(0);
    await client.call('SET', 'str', 'v');
    await expect(client.call('SADD', 'str', 'a')).rejects.toThrow(/^WRONGTYPE/);
  });

  it('propagates SPOP as SREM, and a whole-set SPOP as DEL', async () => {
    const { client, propagated } = await setup();
    await client.call('SADD', 's', 'a', 'b', 'c', 'd');
    const one = (await client.call('SPOP', 's')) as string;
    expect(propagated.at(-1)).toEqual(['SREM', 's', one]);
    const two = (await client.call('SPOP', 's', '2')) as string[];
    expect(two).toHaveLength(2);
    // Several commands from one call reach replicas wrapped in MULTI/EXEC (propagatePendingCommands).
    expect(propagated.slice(-4)).toEqual([['MULTI'], ...two.map((m) => ['SREM', 's', m]), ['EXEC']]);
    const rest = (await client.call('SPOP', 's', '10')) as string[];
    expect(rest).toHaveLength(1);
    expect(propagated.at(-1)).toEqual(['DEL', 's']);
    expect(await client.call('EXISTS', 's')).toBe(0);
    await expect(client.call('SPOP', 's', '-1')).rejects.toThrow('ERR value is out of range, must be positive');
  });

  it('SRANDMEMBER counts and errors', async () => {
    const { client } = await setup();
    await client.call('SADD', 's', 'a', 'b', 'c');
    expect(((await client.call('SRANDMEMBER', 's', '-10')) as string[]).length).toBe(10);
    expect(((await client.call('SRANDMEMBER', 's', '2')) as string[]).length).toBe(2);
    expect(new Set((await client.call('SRANDMEMBER', 's', '5')) as string[])).toEqual(new Set(['a', 'b', 'c']));
    await expect(client.call('SRANDMEMBER', 's', '-9223372036854775808')).rejects.toThrow(
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  });

  it('SINTER/SUNION/SDIFF and their STORE and CARD variants', async () => {
    const { client } = await setup();
    await client.call('SADD', 'a', '1', '2', '3', '4');
    await client.call('SADD', 'b', '3', '4', '5');
    expect(await client.call('SINTER', 'a', 'b')).toEqual(['3', '4']);
    expect(await client.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '1')).toBe(1);
    expect(await client.call('SUNION', 'a', 'b')).toEqual(['1', '2', '3', '4', '5']);
    expect(await client.call('SDIFF', 'a', 'b', 'nokey')).toEqual(['1', '2']);
    expect(await client.call('SDIFFSTORE', 'd', 'a', 'b')).toBe(2);
    expect(await client.call('OBJECT', 'ENCODING', 'd')).toBe('intset');
    expect(await client.call('SINTERSTORE', 'd', 'a', 'nokey')).toBe(0);
    expect(await client.call('EXISTS', 'd')).toBe(0);
    await expect(client.call('SINTERCARD', '0', 'a')).rejects.toThrow('ERR numkeys should be greater than 0');
    await expect(client.call('SINTERCARD', '1', 'a', 'LIMIT', '-1')).rejects.toThrow("ERR LIMIT can't be negative");
  });

  it('SMOVE between encodings and SSCAN over a hashtable', async () => {
    const { client } = await setup();
    await client.call('SADD', 'src', 'a', '1');
    expect(await client.call('SMOVE', 'src', 'dst', '1')).toBe(1);
    expect(await client.call('OBJECT', 'ENCODING', 'dst')).toBe('intset');
    expect(await client.call('SMOVE', 'src', 'dst', 'nope')).toBe(0);
    const members = Array.from({ length: 100 }, (_, i) => `m${i}`);
    await client.call('SADD', 'big', ...members);
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, items] = (await client.call('SSCAN', 'big', cursor, 'COUNT', '7')) as [string, string[]];
      for (const m of items) seen.add(m);
      cursor = next;
    } while (cursor !== '0');
    expect(seen).toEqual(new Set(members));
  });
});
