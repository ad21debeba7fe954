import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testing.js';
import { parseInt64 } from './strings.js';

const setup = useTestServer();

describe('parseInt64', () => {
  it('accepts only canonical int64 text, exactly', () => {
    expect(parseInt64('0')).toBe(0);
    expect(parseInt64('-12')).toBe(-12);
    expect(parseInt64('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseInt64('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const bad of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1.0', '9223372036854775808', 'abc']) {
      expect(parseInt64(bad)).toBeNull();
    }
  });
});

describe('string commands', () => {
  it('SET options, conflicts and error texts', async () => {
    const { client } = await setup();
    expect(await client.call('SET', 'k', 'v', 'NX')).toBe('OK');
    expect(await client.call('SET', 'k', 'v2', 'NX')).toBeNull();
    expect(await client.call('SET', 'missing', 'v', 'XX')).toBeNull();
    expect(await client.call('SET', 'k', 'v3', 'XX', 'GET')).toBe('v');
    expect(await client.call('SET', 'k', 'v4', 'NX', 'GET')).toBe('v3');
    await expect(client.call('SET', 'k', 'v', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
    await expect(client.call('SET', 'k', 'v', 'EX', 10, 'PX', 100)).rejects.toThrow('ERR syntax error');
    await expect(client.call('SET', 'k', 'v', 'KEEPTTL', 'EX', 10)).rejects.toThrow('ERR syntax error');
    await expect(client.call('SET', 'k', 'v', 'EX')).rejects.toThrow('ERR syntax error');
    await expect(client.call('SET', 'k', 'v', 'EX', 0)).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(client.call('SETEX', 'k', -1, 'v')).rejects.toThrow("ERR invalid expire time in 'setex' command");
    await expect(client.call('SET', 'k', 'v', 'EX', 'x')).rejects.toThrow(
      'ERR value is not an integer or out of range',
    );
    await expect(client.call('SET', 'k', 'v', 'EX', '9223372036854775807')).rejects.toThrow('invalid expire time');
    await client.call('SET', 'k', 'v', 'EX', 100);
    await client.call('SET', 'k', 'w', 'KEEPTTL');
    expect(await client.call('TTL', 'k')).toBeGreaterThan(90);
    await client.call('SET', 'k', 'w');
    expect(await client.call('TTL', 'k')).toBe(-1);
    expect(await client.call('SETNX', 'k', 'x')).toBe(0);
    expect(await client.call('SETNX', 'n', 'x')).toBe(1);
    await client.call('RPUSH', 'list', 'a');
    await expect(client.call('SET', 'list', 'v', 'GET')).rejects.toThrow('WRONGTYPE');
    expect(await client.call('LLEN', 'list')).toBe(1);
  });

  it('propagates SET with a TTL as SET PXAT, and SET GET without GET', async () => {
    const { client, propagated } = await setup();
    const before = Date.now();
    await client.call('SET', 'a', '1', 'EX', 100);
    await client.call('SETEX', 'b', 100, '2');
    await client.call('PSETEX', 'c', 100000, '3');
    await client.call('SET', 'd', '4', 'PXAT', '99999999999999');
    await client.call('SET', 'e', '5', 'get', 'XX');
    await client.call('SET', 'e', '6', 'GET');
    await client.call('GETSET', 'e', '7');
    await client.call('SET', 'f', '8', 'NX');
    expect(await client.call('SET', 'f', '9', 'NX')).toBeNull();
    const [a, b, c, d, ...rest] = propagated;
    for (const argv of [a, b, c]) {
      expect(argv!.slice(0, 4)).toEqual(['SET', argv![1], argv![2], 'PXAT']);
      expect(Number(argv![4])).toBeGreaterThanOrEqual(before + 100000);
    }
    expect(d).toEqual(['SET', 'd', '4', 'PXAT', '99999999999999']);
    expect(rest).toEqual([
      ['SET', 'e', '6'],
      ['SET', 'e', '7'],
      ['SET', 'f', '8', 'NX'],
    ]);
  });

  it('GETEX, GETDEL and their propagation', async () => {
    const { client, propagated } = await setup();
    await client.call('SET', 'k', 'v');
    expect(await client.call('GETEX', 'k')).toBe('v');
    expect(propagated).toEqual([['SET', 'k', 'v']]);
    expect(await client.call('GETEX', 'k', 'PX', 50000)).toBe('v');
    expect(propagated[1]![0]).toBe('PEXPIREAT');
    expect(await client.call('GETEX', 'k', 'PERSIST')).toBe('v');
    expect(propagated[2]).toEqual(['PERSIST', 'k']);
    expect(await client.call('GETEX', 'k', 'PERSIST')).toBe('v');
    expect(propagated).toHaveLength(3);
    await expect(client.call('GETEX', 'k', 'PERSIST', 'EX', 10)).rejects.toThrow('ERR syntax error');
    await expect(client.call('GETEX', 'k', 'EX', 0)).rejects.toThrow("ERR invalid expire time in 'getex' command");
    expect(await client.call('GETEX', 'k', 'EXAT', 1)).toBe('v');
    expect(propagated[3]).toEqual(['DEL', 'k']);
    expect(await client.call('EXISTS', 'k')).toBe(0);
    expect(await client.call('GETEX', 'k', 'EX', 10)).toBeNull();
    await client.call('SET', 'g', 'x');
    expect(await client.call('GETDEL', 'g')).toBe('x');
    expect(await client.call('GETDEL', 'g')).toBeNull();
    expect(propagated.slice(-1)).toEqual([['DEL', 'g']]);
  });

  it('INCR family: exact int64, overflow and type errors', async () => {
    const { client } = await setup();
    expect(await client.call('INCR', 'n')).toBe(1);
    expect(await client.call('INCRBY', 'n', 9)).toBe(10);
    expect(await client.call('DECRBY', 'n', 20)).toBe(-10);
    expect(await client.call('DECR', 'n')).toBe(-11);
    await client.call('SET', 'n', '9007199254740991');
    expect(await client.call('INCR', 'n')).toBe(9007199254740992n);
    expect(await client.call('INCRBY', 'n', '9007199254740993')).toBe(18014398509481985n);
    await client.call('SET', 'n', '9223372036854775806');
    expect(await client.call('INCR', 'n')).toBe(9223372036854775807n);
    await expect(client.call('INCR', 'n')).rejects.toThrow('ERR increment or decrement would overflow');
    await expect(client.call('DECRBY', 'n', '-9223372036854775808')).rejects.toThrow('ERR decrement would overflow');
    for (const bad of [' 1', '1 ', '01', '+1', '1.5', '']) {
      await client.call('SET', 'b', bad);
      await expect(client.call('INCR', 'b')).rejects.toThrow('ERR value is not an integer or out of range');
    }
    await expect(client.call('INCRBY', 'n', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    await client.call('RPUSH', 'l', 'a');
    await expect(client.call('INCR', 'l')).rejects.toThrow('WRONGTYPE');
  });

  it('INCR keeps the TTL', async () => {
    const { client } = await setup();
    await client.call('SET', 'n', '1', 'EX', 100);
    await client.call('INCR', 'n');
    expect(await client.call('TTL', 'n')).toBeGreaterThan(90);
  });

  it('INCRBYFLOAT prints like Redis and propagates as SET KEEPTTL', async () => {
    const { client, propagated } = await setup();
    await client.call('SET', 'f', '0.1');
    expect(await client.call('INCRBYFLOAT', 'f', '0.2')).toBe('0.3');
    expect(await client.call('INCRBYFLOAT', 'f', '-0.3')).toBe('0');
    expect(await client.call('INCRBYFLOAT', 'f', '5.0e3')).toBe('5000');
    expect(await client.call('INCRBYFLOAT', 'f', '1.5')).toBe('5001.5');
    await client.call('SET', 'g', '1e308');
    expect(await client.call('INCRBYFLOAT', 'g', '1e308')).toMatch(/^19999999999999999999337175931169/);
    await expect(client.call('INCRBYFLOAT', 'f', 'abc')).rejects.toThrow('ERR value is not a valid float');
    await expect(client.call('INCRBYFLOAT', 'f', '+inf')).rejects.toThrow(
      'ERR increment would produce NaN or Infinity',
    );
    await client.call('SET', 'h', '1.1e4932');
    await expect(client.call('INCRBYFLOAT', 'h', '1.1e4932')).rejects.toThrow('would produce NaN or Infinity');
    await expect(client.call('INCRBYFLOAT', 'h', '1e4933')).rejects.toThrow('ERR value is not a valid float');
    expect(propagated[1]).toEqual(['SET', 'f', '0.3', 'KEEPTTL']);
    expect(await client.call('INCRBYFLOAT', 'new', '3')).toBe('3');
    expect(await client.call('OBJECT', 'ENCODING', 'new')).toBe('embstr');
  });

  it('APPEND, SETRANGE, GETRANGE, STRLEN and the size limit', async () => {
    const { client } = await setup({ 'proto-max-bulk-len': '1mb' });
    expect(await client.call('APPEND', 'a', 'hello')).toBe(5);
    expect(await client.call('APPEND', 'a', ' world')).toBe(11);
    expect(await client.call('STRLEN', 'a')).toBe(11);
    expect(await client.call('GETRANGE', 'a', -5, -1)).toBe('world');
    expect(await client.call('GETRANGE', 'a', -1, -5)).toBe('');
    expect(await client.call('SUBSTR', 'a', 0, 100)).toBe('hello world');
    expect(await client.call('SETRANGE', 'a', 13, 'X')).toBe(14);
    expect(await client.call('GET', 'a')).toBe('hello world\0\0X');
    expect(await client.call('SETRANGE', 'nokey', 3, '')).toBe(0);
    expect(await client.call('EXISTS', 'nokey')).toBe(0);
    await expect(client.call('SETRANGE', 'a', -1, 'x')).rejects.toThrow('ERR offset is out of range');
    const tooLong = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
    await expect(client.call('SETRANGE', 'a', 1024 * 1024, 'x')).rejects.toThrow(tooLong);
    await client.call('SETRANGE', 'big', 1024 * 1024 - 2, 'x');
    await expect(client.call('APPEND', 'big', 'yz')).rejects.toThrow(tooLong);
  });

  it('OBJECT ENCODING follows Redis for every way a string is written', async () => {
    const { client } = await setup();
    const encodingAfter = async (...commands: (string | number)[][]) => {
      await client.call('DEL', 'k');
      for (const cmd of commands) await client.call(...cmd);
      return client.call('OBJECT', 'ENCODING', 'k');
    };
    expect(await encodingAfter(['SET', 'k', '12'])).toBe('int');
    expect(await encodingAfter(['SET', 'k', '-9223372036854775808'])).toBe('int');
    expect(await encodingAfter(['SET', 'k', '9223372036854775808'])).toBe('embstr');
    expect(await encodingAfter(['SET', 'k', '012'])).toBe('embstr');
    expect(await encodingAfter(['SET', 'k', 'x'.repeat(44)])).toBe('embstr');
    expect(await encodingAfter(['SET', 'k', 'x'.repeat(45)])).toBe('raw');
    expect(await encodingAfter(['APPEND', 'k', '12'])).toBe('int');
    expect(await encodingAfter(['SET', 'k', '1'], ['APPEND', 'k', '2'])).toBe('raw');
    expect(await encodingAfter(['SET', 'k', '1'], ['APPEND', 'k', '2'], ['INCR', 'k'])).toBe('int');
    expect(await encodingAfter(['SET', 'k', '1'], ['APPEND', 'k', '2'], ['SET', 'k', 'ab'])).toBe('embstr');
    expect(await encodingAfter(['SETRANGE', 'k', 0, '12'])).toBe('raw');
    expect(await encodingAfter(['SET', 'k', '12'], ['SETRANGE', 'k', 0, ''])).toBe('int');
    expect(await encodingAfter(['SET', 'k', '12'], ['SETBIT', 'k', 0, 0])).toBe('raw');
    expect(await encodingAfter(['SET', 'k', '12'], ['GETBIT', 'k', 0])).toBe('int');
    expect(await encodingAfter(['INCR', 'k'])).toBe('int');
    expect(await encodingAfter(['MSET', 'k', '5'])).toBe('int');
    expect(await encodingAfter(['SET', 'k', '5'], ['INCRBYFLOAT', 'k', '1'])).toBe('embstr');
  });

  it('MGET, MSET and MSETNX', async () => {
    const { client } = await setup();
    expect(await client.call('MSET', 'a', '1', 'b', '2')).toBe('OK');
    await expect(client.call('MSET', 'a', '1', 'b')).rejects.toThrow(
      "ERR wrong number of arguments for 'mset' command",
    );
    await client.call('RPUSH', 'l', 'x');
    expect(await client.call('MGET', 'a', 'nokey', 'l', 'b')).toEqual(['1', null, null, '2']);
    expect(await client.call('MSETNX', 'a', '3', 'c', '4')).toBe(0);
    expect(await client.call('EXISTS', 'c')).toBe(0);
    expect(await client.call('MSETNX', 'c', '3', 'c', '4')).toBe(1);
    expect(await client.call('GET', 'c')).toBe('4');
  });

  it('LCS with LEN, IDX, MINMATCHLEN and WITHMATCHLEN', async () => {
    const { client } = await setup();
    await client.call('MSET', 'a', 'ohmytext', 'b', 'mynewtext');
    expect(await client.call('LCS', 'a', 'b')).toBe('mytext');
    expect(await client.call('LCS', 'a', 'b', 'LEN')).toBe(6);
    // A map: a flat array in RESP2.
    expect(await client.call('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', 4, 'WITHMATCHLEN')).toEqual([
      'matches',
      [[[4, 7], [5, 8], 4]],
      'len',
      6,
    ]);
    expect(await client.call('LCS', 'a', 'b', 'IDX')).toEqual([
      'matches',
      [
        [
          [4, 7],
          [5, 8],
        ],
        [
          [2, 3],
          [0, 1],
        ],
      ],
      'len',
      6,
    ]);
    await expect(client.call('LCS', 'a', 'b', 'LEN', 'IDX')).rejects.toThrow(
      'ERR If you want both the length and indexes, please just use IDX.',
    );
    await client.call('RPUSH', 'l', 'x');
    await expect(client.call('LCS', 'a', 'l')).rejects.toThrow('ERR The specified keys must contain string values');
  });

  it('keyspace notifications and dirty counts', async () => {
    const { client, server, testServer } = await setup({ 'notify-keyspace-events': 'KEA' });
    const subscriber = await testServer.connect();
    await subscriber.call('PSUBSCRIBE', '__keyevent@0__:*');
    const dirty = server.dirty;
    await client.call('SET', 'k', '1', 'EX', 100);
    await client.call('INCRBY', 'k', 2);
    await client.call('APPEND', 'k', 'x');
    await client.call('MSET', 'a', '1', 'b', '2');
    expect(server.dirty - dirty).toBe(5);
    const events: string[] = [];
    for (let i = 0; i < 6; i++) {
      const message = (await subscriber.readReply(2000)) as { items: { value: string }[] };
      events.push(message.items[2]!.value);
    }
    expect(events).toEqual([
      '__keyevent@0__:set',
      '__keyevent@0__:expire',
      '__keyevent@0__:incrby',
      '__keyevent@0__:append',
      '__keyevent@0__:set',
      '__keyevent@0__:set',
    ]);
  });
});
