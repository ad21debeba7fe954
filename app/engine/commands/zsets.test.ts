import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testing.js';

const setup = useTestServer();

describe('sorted set commands', () => {
  it('ZADD options, their conflicts and NaN', async () => {
    const { client } = await setup();
    expect(await client.call('ZADD', 'z', '1', 'a', '2', 'b')).toBe(2);
    expect(await client.call('ZADD', 'z', 'CH', 'GT', '0', 'a', '3', 'b', '1', 'c')).toBe(2);
    expect(await client.call('ZSCORE', 'z', 'b')).toBe('3');
    expect(await client.call('ZADD', 'z', 'XX', 'INCR', '0.5', 'a')).toBe('1.5');
    expect(await client.call('ZADD', 'z', 'NX', 'INCR', '1', 'a')).toBeNull();
    await expect(client.call('ZADD', 'z', 'GT', 'NX', '1', 'a')).rejects.toThrow(
      'ERR GT, LT, and/or NX options at the same time are not compatible',
    );
    await expect(client.call('ZADD', 'z', 'XX', 'NX', '1', 'a')).rejects.toThrow(
      'ERR XX and NX options at the same time are not compatible',
    );
    await expect(client.call('ZADD', 'z', 'nan', 'a')).rejects.toThrow('ERR value is not a valid float');
    await client.call('ZADD', 'z', 'inf', 'i');
    await expect(client.call('ZINCRBY', 'z', '-inf', 'i')).rejects.toThrow('ERR resulting score is not a number (NaN)');
    expect(await client.call('ZADD', 'z', '0x10', 'h')).toBe(1);
    expect(await client.call('ZSCORE', 'z', 'h')).toBe('16');
  });

  it('ZRANGE by rank, score and lex, reversed and limited, and ZRANGESTORE', async () => {
    const { client } = await setup();
    await client.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    expect(await client.call('ZRANGE', 'z', '1', '-2', 'WITHSCORES')).toEqual(['b', '2', 'c', '3']);
    expect(await client.call('ZRANGE', 'z', '(4', '1', 'BYSCORE', 'REV', 'LIMIT', '1', '5')).toEqual(['b', 'a']);
    expect(await client.call('ZRANGEBYLEX', 'z', '(a', '[c')).toEqual(['b', 'c']);
    expect(await client.call('ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', '0', '2')).toEqual(['d', 'c']);
    await expect(client.call('ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1')).rejects.toThrow(
      'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
    await expect(client.call('ZRANGEBYSCORE', 'z', 'x', '1')).rejects.toThrow('ERR min or max is not a float');
    await expect(client.call('ZRANGEBYLEX', 'z', 'a', 'b')).rejects.toThrow(
      'ERR min or max not valid string range item',
    );
    expect(await client.call('ZRANGESTORE', 'dst', 'z', '2', '+inf', 'BYSCORE')).toBe(3);
    expect(await client.call('ZRANGE', 'dst', '0', '-1')).toEqual(['b', 'c', 'd']);
    expect(await client.call('ZCOUNT', 'z', '(1', '3')).toBe(2);
    expect(await client.call('ZLEXCOUNT', 'z', '-', '+')).toBe(4);
    expect(await client.call('ZRANK', 'z', 'c')).toBe(2);
    expect(await client.call('ZREVRANK', 'z', 'c')).toBe(1);
  });

  it('answers WITHSCORES as pairs of doubles in RESP3', async () => {
    const { client } = await setup();
    await client.call('HELLO', '3');
    await client.call('ZADD', 'z', '1.5', 'a', '2', 'b');
    expect(await client.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toEqual([
      ['a', 1.5],
      ['b', 2],
    ]);
    expect(await client.call('ZPOPMIN', 'z', '1')).toEqual([['a', 1.5]]);
    expect(await client.call('ZSCORE', 'z', 'b')).toBe(2);
  });

  it('ZUNION/ZINTER/ZDIFF with weights, aggregates and sets as inputs', async () => {
    const { client } = await setup();
    await client.call('ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c');
    await client.call('ZADD', 'z2', '10', 'b', '20', 'c', '30', 'd');
    await client.call('SADD', 's', 'c', 'd');
    expect(await client.call('ZUNION', '2', 'z1', 'z2', 'WITHSCORES')).toEqual([
      'a',
      '1',
      'b',
      '12',
      'c',
      '23',
      'd',
      '30',
    ]);
    expect(
      await client.call('ZINTER', '3', 'z1', 'z2', 's', 'WEIGHTS', '1', '1', '5', 'AGGREGATE', 'MAX', 'WITHSCORES'),
    ).toEqual(['c', '20']);
    expect(await client.call('ZDIFF', '2', 'z1', 'z2')).toEqual(['a']);
    expect(await client.call('ZINTERCARD', '2', 'z1', 's')).toBe(1);
    expect(await client.call('ZUNIONSTORE', 'out', '2', 'z1', 's')).toBe(4);
    expect(await client.call('OBJECT', 'ENCODING', 'out')).toBe('listpack');
    expect(await client.call('ZINTERSTORE', 'out', '2', 'z1', 'nokey')).toBe(0);
    expect(await client.call('EXISTS', 'out')).toBe(0);
    await expect(client.call('ZUNION', '0', 'z1')).rejects.toThrow(
      "ERR at least 1 input key is needed for 'zunion' command",
    );
  });

  it('ZMPOP and blocking pops are propagated as ZPOPMIN/ZPOPMAX', async () => {
    const { client, propagated, testServer } = await setup();
    await client.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(await client.call('ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '2')).toEqual([
      'z',
      [
        ['c', '3'],
        ['b', '2'],
      ],
    ]);
    expect(propagated.at(-1)).toEqual(['ZPOPMAX', 'z', '2']);
    expect(await client.call('BZPOPMIN', 'z', '0')).toEqual(['z', 'a', '1']);
    expect(propagated.at(-1)).toEqual(['ZPOPMIN', 'z']);
    expect(await client.call('EXISTS', 'z')).toBe(0);

    const blocked = await testServer.connect();
    const waiting = blocked.call('BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5');
    await new Promise((r) => setTimeout(r, 50));
    await client.call('ZADD', 'z', '5', 'x', '6', 'y');
    expect(await waiting).toEqual([
      'z',
      [
        ['x', '5'],
        ['y', '6'],
      ],
    ]);
    expect(propagated.slice(-2)).toEqual([
      ['ZADD', 'z', '5', 'x', '6', 'y'],
      ['ZPOPMIN', 'z', '2'],
    ]);
    expect(await client.call('BZPOPMAX', 'z', '0.05')).toBeNull();
  });

  it('ZREMRANGEBY*, ZRANDMEMBER and ZSCAN', async () => {
    const { client } = await setup();
    await client.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    expect(await client.call('ZREMRANGEBYRANK', 'z', '0', '0')).toBe(1);
    expect(await client.call('ZREMRANGEBYSCORE', 'z', '(4', '+inf')).toBe(1);
    expect(await client.call('ZREMRANGEBYLEX', 'z', '[b', '[b')).toBe(1);
    expect(await client.call('ZRANGE', 'z', '0', '-1')).toEqual(['c', 'd']);
    expect(((await client.call('ZRANDMEMBER', 'z', '-5', 'WITHSCORES')) as string[]).length).toBe(10);
    await expect(client.call('ZRANDMEMBER', 'z', '-9223372036854775808')).rejects.toThrow('value is out of range');
    expect(await client.call('ZSCAN', 'z', '0')).toEqual(['0', ['c', '3', 'd', '4']]);
    await client.call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await client.call('ZADD', 'big', ...Array.from({ length: 50 }, (_, i) => [String(i), `m${i}`]).flat());
    expect(await client.call('OBJECT', 'ENCODING', 'big')).toBe('skiplist');
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, items] = (await client.call('ZSCAN', 'big', cursor)) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(50);
    expect(seen.get('m7')).toBe('7');
  });
});
