import { describe, expect, it } from 'vitest';
import { crc64 } from './crc64.js';
import { decodeIntset, encodeIntset } from './intset.js';
import { decodeListpack, encodeListpack } from './listpack.js';
import { lzfCompress, lzfCompressInto, lzfDecompress } from './lzf.js';
import { RdbReader } from './reader.js';
import { RdbWriter } from './writer.js';
import { decodeZiplist } from './ziplist.js';

describe('crc64 (Jones, as crc64.c)', () => {
  it("matches the check value of crc64.c's self test", () => {
    expect(crc64(Buffer.from('123456789')).value()).toBe(0xe9c6d914c4b8d9can);
    const lorem =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et ' +
      'dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ' +
      'ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu ' +
      'fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt ' +
      'mollit anim id est laborum.';
    // sizeof(li) in the C test counts the terminating NUL.
    expect(crc64(Buffer.from(lorem + '\0')).value()).toBe(0xc7794709e69683b3n);
  });

  it('gives the same value whatever the chunking (eight bytes at a time, then the tail)', () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 131 + 7) & 0xff));
    const whole = crc64(bytes).value();
    for (const cut of [1, 7, 8, 13, 500, 999]) {
      expect(crc64(bytes, 0, cut).update(bytes, cut).value()).toBe(whole);
    }
  });
});

describe('lzf', () => {
  it('round-trips compressible data of many sizes', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let t = 0; t < 300; t++) {
      const len = 21 + Math.floor(random() * 5000);
      const input = Buffer.alloc(len);
      for (let i = 0; i < len; i++) input[i] = random() < 0.7 ? 97 + (i % 7) : Math.floor(random() * 256);
      const compressed = lzfCompress(input, len - 4);
      if (!compressed) continue;
      expect(Buffer.from(lzfDecompress(compressed, len)!)).toEqual(input);
    }
  });

  it('compresses a range of a larger buffer into a range of another', () => {
    const text = Buffer.from('xx' + 'abcabcabcabcabcabcabcabcabc-hello-hello-hello' + 'yy', 'latin1');
    const alone = lzfCompress(text.subarray(2, text.length - 2), text.length - 8)!;
    const out = new Uint8Array(100).fill(0xee);
    const n = lzfCompressInto(text, 2, text.length - 2, out, 3, text.length - 8);
    expect(Buffer.from(out.subarray(3, 3 + n))).toEqual(Buffer.from(alone));
    expect(out[2]).toBe(0xee);
  });

  it('round-trips strings through the RDB writer and reader, compressed or verbatim', () => {
    const values = [
      '',
      '12345',
      'short',
      'a'.repeat(21),
      'abc'.repeat(300),
      'q9Xz0LmP3vB7nK2wE5rT8yU1iO4pA6sD',
      'x'.repeat(70000),
    ];
    for (const compression of [true, false]) {
      const w = new RdbWriter({ compression, listFill: -2 }, 8);
      for (const v of values) w.string(v);
      const r = new RdbReader(w.contents());
      for (const v of values) expect(r.string()).toBe(v);
      expect(r.remaining).toBe(0);
    }
  });

  it('gives up on incompressible data and rejects corrupt streams', () => {
    const noise = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 151 + 17) & 0xff));
    expect(lzfCompress(noise, noise.length - 4)).toBeUndefined();
    const compressed = lzfCompress(Buffer.from('a'.repeat(100)), 96)!;
    expect(lzfDecompress(compressed, 99)).toBeUndefined();
    expect(lzfDecompress(Uint8Array.from([0xe0, 0x05, 0x40]), 20)).toBeUndefined();
  });
});

describe('listpack', () => {
  it('uses every integer and string encoding and reads them back', () => {
    const values = [
      '0',
      '127',
      '128',
      '-1',
      '4095',
      '-4096',
      '4096',
      '32767',
      '-32768',
      '8388607',
      '-8388608',
      '2147483647',
      '-2147483648',
      '2147483648',
      '9223372036854775807',
      '-9223372036854775808',
      '',
      'a',
      'x'.repeat(63),
      'y'.repeat(64),
      'z'.repeat(4095),
      'w'.repeat(4096),
      '007',
      '-0',
      '1.5',
    ];
    const bytes = encodeListpack(values);
    expect(decodeListpack(bytes)).toEqual(values);
    // Spot-check Redis's byte layout: total bytes, count, 7-bit uint entry + backlen.
    const small = encodeListpack(['5']);
    expect([...small]).toEqual([9, 0, 0, 0, 1, 0, 5, 1, 0xff]);
  });

  it('refuses a corrupt listpack', () => {
    const bytes = encodeListpack(['hello', '12']);
    const badBacklen = Buffer.from(bytes);
    badBacklen[6 + 6] = 9;
    expect(() => decodeListpack(badBacklen)).toThrow();
    expect(() => decodeListpack(bytes.subarray(0, bytes.length - 1))).toThrow();
    const badCount = Buffer.from(bytes);
    badCount[4] = 3;
    expect(() => decodeListpack(badCount)).toThrow();
  });
});

describe('intset', () => {
  it('picks the narrowest width and keeps members sorted', () => {
    expect(encodeIntset(['3', '1', '2']).readUInt32LE(0)).toBe(2);
    expect(encodeIntset(['70000']).readUInt32LE(0)).toBe(4);
    expect(encodeIntset(['-9223372036854775808', '1']).readUInt32LE(0)).toBe(8);
    expect(decodeIntset(encodeIntset(['5', '-3', '9223372036854775807']))).toEqual(['-3', '5', '9223372036854775807']);
  });

  it('refuses unsorted or mis-sized intsets', () => {
    const bytes = encodeIntset(['1', '2']);
    const unsorted = Buffer.from(bytes);
    unsorted.writeInt16LE(5, 8);
    expect(() => decodeIntset(unsorted)).toThrow();
    expect(() => decodeIntset(bytes.subarray(0, 10))).toThrow();
  });
});

describe('ziplist (read only)', () => {
  it('reads the entry encodings Redis 6 wrote', () => {
    // zlbytes, zltail, zllen; entries: "ab" (00000010), 12 (1111xxxx 0xfd), int16 1000 (0xc0).
    const entries = [
      [0x00, 0x02, 0x61, 0x62],
      [0x04, 0xfd],
      [0x02, 0xc0, 0xe8, 0x03],
    ];
    const body = entries.flat();
    const total = 10 + body.length + 1;
    const tail = 10 + entries[0]!.length + entries[1]!.length;
    const header = Buffer.alloc(10);
    header.writeUInt32LE(total, 0);
    header.writeUInt32LE(tail, 4);
    header.writeUInt16LE(3, 8);
    const zl = Buffer.concat([header, Buffer.from(body), Buffer.from([0xff])]);
    expect(decodeZiplist(zl)).toEqual(['ab', '12', '1000']);
    const broken = Buffer.from(zl);
    broken[10 + 4] = 9; // wrong prevlen
    expect(() => decodeZiplist(broken)).toThrow();
  });
});
