import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testing.js';

const setup = useTestServer();

describe('bit commands', () => {
  it('SETBIT and GETBIT, with Redis error texts', async () => {
    const { client } = await setup();
    expect(await client.call('SETBIT', 'b', 1, 1)).toBe(0);
    expect(await client.call('GET', 'b')).toBe('\x40');
    expect(await client.call('SETBIT', 'b', 1, 1)).toBe(1);
    expect(await client.call('SETBIT', 'b', 17, 1)).toBe(0);
    expect(await client.call('GET', 'b')).toBe('\x40\x00\x40');
    expect(await client.call('GETBIT', 'b', 17)).toBe(1);
    expect(await client.call('GETBIT', 'b', 100000)).toBe(0);
    expect(await client.call('GETBIT', 'nokey', 3)).toBe(0);
    await expect(client.call('SETBIT', 'b', 0, 2)).rejects.toThrow('ERR bit is not an integer or out of range');
    await expect(client.call('SETBIT', 'b', -1, 1)).rejects.toThrow('ERR bit offset is not an integer or out of range');
    await expect(client.call('SETBIT', 'b', 4 * 1024 * 1024 * 1024, 1)).rejects.toThrow('bit offset');
  });

  it('SETBIT and BITFIELD change dirty only when the value changes', async () => {
    const { client, server, propagated } = await setup();
    await client.call('SETBIT', 'b', 0, 1);
    let dirty = server.dirty;
    await client.call('SETBIT', 'b', 0, 1);
    await client.call('BITFIELD', 'b', 'SET', 'u1', 0, 1);
    expect(server.dirty).toBe(dirty);
    await client.call('BITFIELD', 'b', 'SET', 'u8', 0, 7, 'INCRBY', 'u8', 0, 1);
    expect(server.dirty).toBe(dirty + 2);
    dirty = server.dirty;
    await client.call('SETBIT', 'b', 100, 0); // grows the string
    expect(server.dirty).toBe(dirty + 1);
    expect(propagated.map((argv) => argv[0])).toEqual(['SETBIT', 'BITFIELD', 'SETBIT']);
  });

  it('BITCOUNT with BYTE and BIT ranges', async () => {
    const { client } = await setup();
    await client.call('SET', 's', 'foobar');
    expect(await client.call('BITCOUNT', 's')).toBe(26);
    expect(await client.call('BITCOUNT', 's', 1, 1)).toBe(6);
    expect(await client.call('BITCOUNT', 's', 5, 30, 'BIT')).toBe(17);
    expect(await client.call('BITCOUNT', 's', -1, -5)).toBe(0);
    expect(await client.call('BITCOUNT', 'nokey', 'x', 'y')).toBe(0);
    await expect(client.call('BITCOUNT', 's', 0)).rejects.toThrow('ERR syntax error');
    await expect(client.call('BITCOUNT', 's', 0, 1, 'WORD')).rejects.toThrow('ERR syntax error');
  });

  it('BITCOUNT counts long strings exactly, at any alignment', async () => {
    const { client } = await setup();
    let value = '';
    for (let i = 0; i < 5000; i++) value += String.fromCharCode((i * 7919 + (i >> 3)) & 0xff);
    await client.call('SET', 'long', Buffer.from(value, 'latin1'));
    const naive = (from: number, to: number) => {
      let count = 0;
      for (let i = from; i <= to; i++) for (let b = value.charCodeAt(i); b; b >>= 1) count += b & 1;
      return count;
    };
    expect(await client.call('BITCOUNT', 'long')).toBe(naive(0, 4999));
    for (const [from, to] of [
      [1, 4998],
      [3, 300],
      [7, 4001],
      [-4000, -2],
    ] as const) {
      const start = from < 0 ? 5000 + from : from;
      const end = to < 0 ? 5000 + to : to;
      expect(await client.call('BITCOUNT', 'long', from, to)).toBe(naive(start, end));
    }
  });

  it('BITPOS over bytes and bit ranges', async () => {
    const { client } = await setup();
    await client.call('SET', 'w', '\x00\xff\xf0');
    expect(await client.call('BITPOS', 'w', 1)).toBe(8);
    expect(await client.call('BITPOS', 'w', 0, 1)).toBe(20);
    expect(await client.call('BITPOS', 'w', 0, 1, 1)).toBe(-1);
    expect(await client.call('BITPOS', 'w', 1, 7, 15, 'BIT')).toBe(8);
    expect(await client.call('BITPOS', 'w', 0, 9, 12, 'BIT')).toBe(-1);
    expect(await client.call('BITPOS', 'w', 0, 8, 23, 'BIT')).toBe(20);
    expect(await client.call('BITPOS', 'nokey', 0)).toBe(0);
    expect(await client.call('BITPOS', 'nokey', 1)).toBe(-1);
    await client.call('SET', 'ones', '\xff\xff');
    expect(await client.call('BITPOS', 'ones', 0)).toBe(16);
    expect(await client.call('BITPOS', 'ones', 0, 0, -1)).toBe(-1);
    await expect(client.call('BITPOS', 'w', 2)).rejects.toThrow('ERR The bit argument must be 1 or 0.');
  });

  it('BITOP AND, OR, XOR and NOT', async () => {
    const { client } = await setup();
    await client.call('MSET', 'a', '\xf0\x0f', 'b', '\xff');
    expect(await client.call('BITOP', 'AND', 'd', 'a', 'b')).toBe(2);
    expect(await client.call('GET', 'd')).toBe('\xf0\x00');
    expect(await client.call('BITOP', 'OR', 'd', 'a', 'b', 'nokey')).toBe(2);
    expect(await client.call('GET', 'd')).toBe('\xff\x0f');
    expect(await client.call('BITOP', 'XOR', 'd', 'a', 'b')).toBe(2);
    expect(await client.call('GET', 'd')).toBe('\x0f\x0f');
    expect(await client.call('BITOP', 'NOT', 'd', 'a')).toBe(2);
    expect(await client.call('GET', 'd')).toBe('\x0f\xf0');
    expect(await client.call('OBJECT', 'ENCODING', 'd')).toBe('raw');
    expect(await client.call('BITOP', 'AND', 'd', 'nokey')).toBe(0);
    expect(await client.call('EXISTS', 'd')).toBe(0);
    await expect(client.call('BITOP', 'NOT', 'd', 'a', 'b')).rejects.toThrow(
      'ERR BITOP NOT must be called with a single source key.',
    );
    await expect(client.call('BITOP', 'NAND', 'd', 'a')).rejects.toThrow('ERR syntax error');
  });

  it('BITFIELD types, #N offsets and overflow modes', async () => {
    const { client } = await setup();
    expect(await client.call('BITFIELD', 'f', 'SET', 'i8', 0, 100, 'GET', 'i8', 0)).toEqual([0, 100]);
    expect(await client.call('BITFIELD', 'f', 'INCRBY', 'i8', 0, 100)).toEqual([-56]);
    expect(await client.call('BITFIELD', 'f', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', 0, -100)).toEqual([-128]);
    expect(await client.call('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', 0, -1)).toEqual([null]);
    expect(await client.call('BITFIELD', 'f', 'SET', 'u4', '#1', 15, 'GET', 'u4', '#1', 'GET', 'u8', 0)).toEqual([
      0, 15, 143,
    ]);
    expect(await client.call('BITFIELD', 'f', 'OVERFLOW', 'SAT', 'SET', 'u63', 0, -1)).toEqual([5152117973711847424n]);
    expect(await client.call('BITFIELD', 'f', 'GET', 'u63', 0)).toEqual([9223372036854775807n]);
    expect(await client.call('BITFIELD', 'f', 'SET', 'i64', 0, -1, 'INCRBY', 'i64', 0, 1)).toEqual([-2, 0]);
    await expect(client.call('BITFIELD', 'f', 'GET', 'u64', 0)).rejects.toThrow(
      'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
    );
    await expect(client.call('BITFIELD', 'f', 'OVERFLOW', 'NOPE')).rejects.toThrow(
      'ERR Invalid OVERFLOW type specified',
    );
    await expect(client.call('BITFIELD', 'f', 'GET', 'u8')).rejects.toThrow('ERR syntax error');
    expect(await client.call('BITFIELD', 'nokey')).toEqual([]);
    expect(await client.call('BITFIELD_RO', 'f', 'GET', 'u8', 0)).toEqual([0]);
    await expect(client.call('BITFIELD_RO', 'f', 'SET', 'u8', 0, 1)).rejects.toThrow(
      'ERR BITFIELD_RO only supports the GET subcommand',
    );
  });

  it('BITFIELD wraps signed and unsigned fields like C', async () => {
    const { client } = await setup();
    expect(await client.call('BITFIELD', 'f', 'SET', 'u2', 0, 10, 'GET', 'u2', 0)).toEqual([0, 2]);
    expect(await client.call('BITFIELD', 'f', 'INCRBY', 'u2', 0, -3)).toEqual([3]);
    expect(await client.call('BITFIELD', 'f', 'SET', 'i4', 4, 100, 'GET', 'i4', 4)).toEqual([0, 4]);
    expect(await client.call('BITFIELD', 'f', 'OVERFLOW', 'SAT', 'SET', 'i4', 4, -100, 'GET', 'i4', 4)).toEqual([
      4, -8,
    ]);
  });
});
