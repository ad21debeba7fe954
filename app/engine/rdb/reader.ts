/**
 * Reading values the way rdbLoadObject() does in Redis 7.0, including the
 * encodings older versions wrote. Every length is checked against the bytes
 * left, every embedded structure is validated, and anything wrong throws
 * RdbFormatError (RdbTruncatedError for a short read): a caller never sees a
 * half-built value.
 */
import { RedisHash } from '../keyspace/hash.js';
import { RedisList } from '../keyspace/list.js';
import { RedisSet } from '../keyspace/set.js';
import type { RedisValue } from '../keyspace/types.js';
import { RedisZset } from '../keyspace/zset.js';
import { latin1, RdbFormatError } from './byte-codec.js';
import * as C from './constants.js';
import { decodeIntset } from './intset.js';
import { decodeListpack } from './listpack.js';
import { lzfDecompress } from './lzf.js';
import { decodeZiplist, decodeZipmap } from './ziplist.js';

export class RdbTruncatedError extends RdbFormatError {
  constructor() {
    super('Unexpected EOF reading RDB file');
  }
}

/** The encoding limits that decide a loaded value's encoding, from the config. */
export interface LoadLimits {
  hashMaxEntries: number;
  hashMaxValue: number;
  zsetMaxEntries: number;
  zsetMaxValue: number;
  setMaxIntsetEntries: number;
}

/**
 * Buffer#latin1Slice is what toString('latin1', start, end) calls after argument
 * checks we do not need (it is internal: toString where it is missing). A full
 * sync turns every key and value into a string through it.
 */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}
const hasLatin1Slice = typeof (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice === 'function';

export class RdbReader {
  pos = 0;
  private readonly view: DataView;
  /** The same bytes as a Buffer, for latin1 decoding. */
  private readonly buffer: Buffer;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private latin1(start: number, end: number): string {
    return hasLatin1Slice
      ? (this.buffer as unknown as Latin1Slicer).latin1Slice(start, end)
      : this.buffer.toString('latin1', start, end);
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new RdbTruncatedError();
  }

  byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** rdbLoadLenByRef(): the length, or the encoding number of an encoded string when `encoded`. */
  lenOrEncoding(): { len: number; encoded: boolean } {
    const first = this.byte();
    const type = first >> 6;
    if (type === 3) return { len: first & 0x3f, encoded: true };
    if (type === 0) return { len: first & 0x3f, encoded: false };
    if (type === 1) return { len: ((first & 0x3f) << 8) | this.byte(), encoded: false };
    if (first === 0x80) {
      this.need(4);
      const len = this.view.getUint32(this.pos, false);
      this.pos += 4;
      return { len, encoded: false };
    }
    if (first === 0x81) {
      this.need(8);
      const big = this.view.getBigUint64(this.pos, false);
      this.pos += 8;
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError('length out of range');
      return { len: Number(big), encoded: false };
    }
    throw new RdbFormatError(`Unknown length encoding ${first} in rdbLoadLen()`);
  }

  len(): number {
    const { len, encoded } = this.lenOrEncoding();
    if (encoded) throw new RdbFormatError('unexpected encoded length');
    return len;
  }

  /** A length that counts items each taking at least `minBytes` bytes: rejects absurd lengths early. */
  count(minBytes = 1): number {
    const n = this.len();
    if (n * minBytes > this.remaining) throw new RdbTruncatedError();
    return n;
  }

  /** rdbGenericLoadStringObject() as bytes. */
  stringBytes(): Uint8Array {
    const { len, encoded } = this.lenOrEncoding();
    if (!encoded) return this.take(len);
    switch (len) {
      case C.RDB_ENC_INT8:
      case C.RDB_ENC_INT16:
      case C.RDB_ENC_INT32:
        return Buffer.from(this.intEncoded(len), 'latin1');
      case C.RDB_ENC_LZF: {
        const compressedLen = this.len();
        const originalLen = this.len();
        const compressed = this.take(compressedLen);
        if (originalLen === 0) throw new RdbFormatError('Invalid LZF compressed string');
        const out = lzfDecompress(compressed, originalLen);
        if (!out) throw new RdbFormatError('Invalid LZF compressed string');
        return out;
      }
      default:
        throw new RdbFormatError(`Unknown RDB string encoding type ${len}`);
    }
  }

  /** A byte string (latin1). */
  string(): string {
    // The two short length forms inline: every key of a full sync comes through here.
    const first = this.pos < this.bytes.length ? this.bytes[this.pos]! : -1;
    if (first >= 0 && first < 0x80) {
      const header = first < 0x40 ? 1 : 2;
      if (this.pos + header <= this.bytes.length) {
        const len = first < 0x40 ? first : ((first & 0x3f) << 8) | this.bytes[this.pos + 1]!;
        const start = this.pos + header;
        if (start + len > this.bytes.length) throw new RdbTruncatedError();
        this.pos = start + len;
        return this.latin1(start, start + len);
      }
    }
    const { len, encoded } = this.lenOrEncoding();
    if (!encoded) {
      this.need(len);
      const s = this.latin1(this.pos, this.pos + len);
      this.pos += len;
      return s;
    }
    if (len <= C.RDB_ENC_INT32) return this.intEncoded(len);
    this.pos--;
    return latin1(this.stringBytes());
  }

  private intEncoded(enc: number): string {
    if (enc === C.RDB_ENC_INT8) {
      this.need(1);
      return String(this.view.getInt8(this.pos++));
    }
    if (enc === C.RDB_ENC_INT16) {
      this.need(2);
      const v = this.view.getInt16(this.pos, true);
      this.pos += 2;
      return String(v);
    }
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return String(v);
  }

  millis(): number {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return Number(v);
  }

  seconds(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  binaryDouble(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** rdbLoadDoubleValue(): the old textual score encoding. */
  textDouble(): number {
    const len = this.byte();
    if (len === 253) return NaN;
    if (len === 254) return Infinity;
    if (len === 255) return -Infinity;
    const text = latin1(this.take(len));
    const v = Number(text);
    if (Number.isNaN(v) && text.toLowerCase() !== 'nan') throw new RdbFormatError('invalid double value');
    return v;
  }
}

/** Value types this loader refuses, with what they are. */
const UNSUPPORTED_TYPES: Record<number, string> = {
  [C.RDB_TYPE_MODULE]: 'module',
  [C.RDB_TYPE_MODULE_2]: 'module',
  [C.RDB_TYPE_STREAM_LISTPACKS]: 'stream',
  [C.RDB_TYPE_STREAM_LISTPACKS_2]: 'stream',
};

/** True for a byte that starts a key/value pair (rdbIsObjectType). */
export function isObjectType(type: number): boolean {
  return (type >= 0 && type <= 7) || (type >= 9 && type <= 19);
}

/**
 * rdbLoadObject(): the value of one key, or undefined for an empty aggregate
 * (RDB_LOAD_ERR_EMPTY_KEY: Redis skips those keys).
 */
export function readObject(r: RdbReader, type: number, limits: LoadLimits): RedisValue | undefined {
  switch (type) {
    case C.RDB_TYPE_STRING:
      return r.string();
    case C.RDB_TYPE_LIST: {
      const n = r.count();
      const list = new RedisList(n);
      for (let i = 0; i < n; i++) list.pushTail(r.string());
      return n === 0 ? undefined : list;
    }
    case C.RDB_TYPE_LIST_ZIPLIST:
      return nonEmptyList(decodeZiplist(r.stringBytes()));
    case C.RDB_TYPE_LIST_QUICKLIST:
    case C.RDB_TYPE_LIST_QUICKLIST_2: {
      const nodes = r.count();
      const list = new RedisList();
      for (let i = 0; i < nodes; i++) {
        let container = C.QUICKLIST_NODE_PACKED;
        if (type === C.RDB_TYPE_LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== C.QUICKLIST_NODE_PACKED && container !== C.QUICKLIST_NODE_PLAIN) {
            throw new RdbFormatError(`Quicklist integrity check failed: unknown container ${container}`);
          }
        }
        if (container === C.QUICKLIST_NODE_PLAIN) {
          list.pushTail(r.string());
          continue;
        }
        const blob = r.stringBytes();
        const values = type === C.RDB_TYPE_LIST_QUICKLIST ? decodeZiplist(blob) : decodeListpack(blob);
        // Redis skips empty nodes silently.
        for (const v of values) list.pushTail(v);
      }
      return list.length === 0 ? undefined : list;
    }
    case C.RDB_TYPE_SET: {
      const n = r.count();
      const members: string[] = [];
      for (let i = 0; i < n; i++) members.push(r.string());
      const set = RedisSet.fromMembers(members, limits.setMaxIntsetEntries);
      if (set.size !== n) throw new RdbFormatError('Duplicate set members detected');
      return n === 0 ? undefined : set;
    }
    case C.RDB_TYPE_SET_INTSET: {
      const members = decodeIntset(r.stringBytes());
      return RedisSet.fromMembers(members, limits.setMaxIntsetEntries);
    }
    case C.RDB_TYPE_ZSET:
    case C.RDB_TYPE_ZSET_2: {
      const n = r.count();
      const entries: [string, number][] = [];
      for (let i = 0; i < n; i++) {
        const member = r.string();
        const score = type === C.RDB_TYPE_ZSET_2 ? r.binaryDouble() : r.textDouble();
        if (Number.isNaN(score)) throw new RdbFormatError('Zset with NAN score detected');
        entries.push([member, score]);
      }
      return buildZset(entries, n, { maxEntries: limits.zsetMaxEntries, maxValue: limits.zsetMaxValue });
    }
    case C.RDB_TYPE_ZSET_ZIPLIST:
    case C.RDB_TYPE_ZSET_LISTPACK: {
      const blob = r.stringBytes();
      const flat = type === C.RDB_TYPE_ZSET_LISTPACK ? decodeListpack(blob) : decodeZiplist(blob);
      if (flat.length % 2 !== 0) throw new RdbFormatError('Zset listpack integrity check failed.');
      const entries: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const score = parseScore(flat[i + 1]!);
        entries.push([flat[i]!, score]);
      }
      // A listpack that arrives small stays a listpack whatever the member lengths.
      return buildZset(entries, entries.length, { maxEntries: limits.zsetMaxEntries, maxValue: Infinity });
    }
    case C.RDB_TYPE_HASH: {
      const n = r.count();
      const pairs: [string, string][] = [];
      for (let i = 0; i < n; i++) pairs.push([r.string(), r.string()]);
      return buildHash(pairs, limits);
    }
    case C.RDB_TYPE_HASH_ZIPMAP:
      return buildHash(decodeZipmap(r.stringBytes()), limits);
    case C.RDB_TYPE_HASH_ZIPLIST:
    case C.RDB_TYPE_HASH_LISTPACK: {
      const blob = r.stringBytes();
      const flat = type === C.RDB_TYPE_HASH_LISTPACK ? decodeListpack(blob) : decodeZiplist(blob);
      if (flat.length % 2 !== 0) throw new RdbFormatError('Hash listpack integrity check failed.');
      const pairs: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
      // Redis converts a loaded listpack on its length only, whatever the value sizes.
      return buildHash(pairs, { ...limits, hashMaxValue: Infinity });
    }
    default: {
      const what = UNSUPPORTED_TYPES[type];
      if (what) throw new RdbFormatError(`this server cannot load ${what} values (RDB object type ${type})`);
      throw new RdbFormatError(`Unknown RDB encoding type ${type}`);
    }
  }
}

function nonEmptyList(values: string[]): RedisList | undefined {
  return values.length === 0 ? undefined : RedisList.from(values);
}

/** zzlGetScore(): the score text a listpack holds. */
function parseScore(text: string): number {
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  const v = Number(text);
  if (text === '' || Number.isNaN(v)) throw new RdbFormatError('Zset listpack holds an invalid score');
  return v;
}

function buildZset(
  entries: [string, number][],
  n: number,
  limits: { maxEntries: number; maxValue: number },
): RedisZset | undefined {
  if (n === 0) return undefined;
  const zset = RedisZset.fromEntries(entries, limits);
  if (zset.size !== n) throw new RdbFormatError('Duplicate zset fields detected');
  return zset;
}

function buildHash(pairs: [string, string][], limits: LoadLimits): RedisHash | undefined {
  if (pairs.length === 0) return undefined;
  const hash = new RedisHash();
  const hashLimits = { maxEntries: limits.hashMaxEntries, maxValue: limits.hashMaxValue };
  for (const [field, value] of pairs) {
    if (!hash.set(field, value, hashLimits)) throw new RdbFormatError('Duplicate hash fields detected');
  }
  return hash;
}
