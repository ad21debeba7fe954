/**
 * Value types older Redis versions wrote (no 7.0 server writes them, so they are
 * built by hand here): plain LIST, ZSET with text scores, ziplist-encoded lists,
 * hashes and sorted sets, quicklist v1, zipmap hashes and second-precision expiries.
 */
import { describe, expect, it } from 'vitest';
import { RedisHash } from '../keyspace/hash.js';
import type { RedisList } from '../keyspace/list.js';
import type { RedisZset } from '../keyspace/zset.js';
import * as C from './constants.js';
import { decodeRdbFile, type DecodeOptions } from './file-codec.js';
import { RdbWriter } from './writer.js';

const options: DecodeOptions = {
  limits: { hashMaxEntries: 128, hashMaxValue: 64, zsetMaxEntries: 128, zsetMaxValue: 64, setMaxIntsetEntries: 512 },
  databases: 16,
  dropExpired: true,
  now: Date.now(),
  checksum: true,
  log: () => {},
};

/** A ziplist of short strings (6-bit length encoding, 1-byte prevlen). */
function ziplist(values: string[]): Buffer {
  const entries = values.map((v, i) => {
    const prev = i === 0 ? 0 : 2 + values[i - 1]!.length;
    return Buffer.concat([Buffer.from([prev, v.length]), Buffer.from(v, 'latin1')]);
  });
  const body = Buffer.concat(entries);
  const header = Buffer.alloc(10);
  header.writeUInt32LE(10 + body.length + 1, 0);
  header.writeUInt32LE(10 + body.length - (entries.at(-1)?.length ?? 0), 4);
  header.writeUInt16LE(values.length, 8);
  return Buffer.concat([header, body, Buffer.from([0xff])]);
}

/** A zipmap of short fields and values (no free bytes). */
function zipmap(pairs: [string, string][]): Buffer {
  const parts = [Buffer.from([pairs.length])];
  for (const [f, v] of pairs) {
    parts.push(Buffer.from([f.length]), Buffer.from(f), Buffer.from([v.length, 0]), Buffer.from(v));
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

function file(version: number, write: (w: RdbWriter) => void): Buffer {
  const w = new RdbWriter({ compression: false, listFill: -2 });
  w.rawLatin1(`REDIS${String(version).padStart(4, '0')}`);
  write(w);
  w.byte(C.RDB_OPCODE_EOF);
  w.raw(Buffer.alloc(8)); // checksum disabled
  return Buffer.from(w.contents());
}

describe('legacy RDB value types', () => {
  it('loads the encodings of Redis 2.x-6.x', () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    const bytes = file(9, (w) => {
      w.byte(C.RDB_TYPE_LIST);
      w.string('plainlist');
      w.len(2);
      w.string('a');
      w.string('12');
      w.byte(C.RDB_TYPE_ZSET);
      w.string('textzset');
      w.len(2);
      w.string('m');
      w.rawLatin1('\x031.5');
      w.string('n');
      w.byte(254); // +inf
      w.byte(C.RDB_TYPE_LIST_ZIPLIST);
      w.string('ziplist');
      w.blob(ziplist(['x', 'y']));
      w.byte(C.RDB_TYPE_LIST_QUICKLIST);
      w.string('quicklist');
      w.len(2);
      w.blob(ziplist(['1', '2']));
      w.blob(ziplist(['3']));
      w.byte(C.RDB_TYPE_HASH_ZIPLIST);
      w.string('hashzl');
      w.blob(ziplist(['f', 'v', 'g', 'w']));
      w.byte(C.RDB_TYPE_ZSET_ZIPLIST);
      w.string('zsetzl');
      w.blob(ziplist(['a', '2', 'b', '1.25']));
      w.byte(C.RDB_OPCODE_EXPIRETIME);
      w.raw(Buffer.from(new Int32Array([future]).buffer));
      w.byte(C.RDB_TYPE_HASH_ZIPMAP);
      w.string('zipmap');
      w.blob(zipmap([['k', 'v']]));
    });
    const db = decodeRdbFile(bytes, options).dbs.get(0)!;
    expect([...(db.dict.get('plainlist') as RedisList).values()]).toEqual(['a', '12']);
    expect([...(db.dict.get('textzset') as RedisZset).entries()]).toEqual([
      ['m', 1.5],
      ['n', Infinity],
    ]);
    expect([...(db.dict.get('ziplist') as RedisList).values()]).toEqual(['x', 'y']);
    expect([...(db.dict.get('quicklist') as RedisList).values()]).toEqual(['1', '2', '3']);
    expect([...(db.dict.get('hashzl') as RedisHash).entries()]).toEqual([
      ['f', 'v'],
      ['g', 'w'],
    ]);
    expect([...(db.dict.get('zsetzl') as RedisZset).entries()]).toEqual([
      ['b', 1.25],
      ['a', 2],
    ]);
    expect(db.dict.get('zipmap')).toBeInstanceOf(RedisHash);
    expect(db.expires.get('zipmap')).toBe(future * 1000);
  });

  it('refuses streams and modules with a clear error', () => {
    const stream = file(10, (w) => {
      w.byte(C.RDB_TYPE_STREAM_LISTPACKS_2);
      w.string('s');
      w.len(0);
    });
    expect(() => decodeRdbFile(stream, options)).toThrow(/cannot load stream values/);
    const moduleValue = file(10, (w) => {
      w.byte(C.RDB_TYPE_MODULE_2);
      w.string('m');
    });
    expect(() => decodeRdbFile(moduleValue, options)).toThrow(/cannot load module values/);
    expect(() =>
      decodeRdbFile(
        file(11, () => {}),
        options,
      ),
    ).toThrow(/Can't handle RDB format version 0011/);
  });
});
