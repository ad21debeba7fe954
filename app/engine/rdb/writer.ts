/**
 * Serialising values the way rdbSaveObjectType() / rdbSaveObject() do in Redis
 * 7.0 into a growable buffer: used by the RDB file writer and by DUMP.
 */
import type { RedisHash } from '../keyspace/hash.js';
import type { RedisList } from '../keyspace/list.js';
import type { RedisSet } from '../keyspace/set.js';
import type { RedisValue } from '../keyspace/types.js';
import type { RedisZset } from '../keyspace/zset.js';
import { canonicalInt, scoreToString } from './byte-codec.js';
import * as C from './constants.js';
import { encodeIntset } from './intset.js';
import { encodeListpack, listpackEntrySize } from './listpack.js';
import { lzfCompressInto } from './lzf.js';

/** Where LZF output goes before it replaces the raw bytes; strings larger than this get a buffer of their own. */
const SCRATCH_KEEP_BYTES = 1 << 16;
let scratch = new Uint8Array(1024);

function scratchFor(size: number): Uint8Array {
  if (size <= scratch.length) return scratch;
  const fresh = new Uint8Array(size);
  if (size <= SCRATCH_KEEP_BYTES) scratch = fresh;
  return fresh;
}

export interface WriterOptions {
  /** rdbcompression: LZF for strings longer than 20 bytes. */
  compression: boolean;
  /** list-max-listpack-size: how quicklist nodes are filled. */
  listFill: number;
}

export class RdbWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(
    readonly options: WriterOptions,
    initialSize = 1 << 16,
  ) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** The bytes written so far (a view: copy it before writing more if it must be kept). */
  contents(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Hands the bytes written so far over and starts again empty (streaming to a file). */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  rawLatin1(text: string): void {
    this.reserve(text.length);
    this.pos += this.buf.write(text, this.pos, 'latin1');
  }

  /** rdbSaveLen(). */
  len(n: number): void {
    this.reserve(9);
    if (n < 1 << 6) {
      this.buf[this.pos++] = n;
    } else if (n < 1 << 14) {
      this.buf[this.pos++] = (n >> 8) | 0x40;
      this.buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      this.buf[this.pos++] = 0x80;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = 0x81;
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveMillisecondTime(): int64 little endian. */
  millis(ms: number): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt(ms), this.pos);
    this.pos += 8;
  }

  /** rdbSaveBinaryDoubleValue(). */
  binaryDouble(d: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** rdbSaveRawString() for a byte string: int encoding, LZF, or verbatim. */
  string(s: string): void {
    const len = s.length;
    if (len <= 11 && len > 0 && this.intEncoded(s)) return;
    // Room for the verbatim form and for the compressed one, which is never more than 2 bytes longer.
    this.reserve(len + 16);
    const start = this.pos;
    this.len(len);
    this.pos += this.buf.write(s, this.pos, 'latin1');
    if (this.options.compression && len > 20) this.compressWritten(start, len);
  }

  /** rdbSaveRawString() for a binary blob (listpack, intset). */
  blob(bytes: Uint8Array): void {
    const len = bytes.length;
    this.reserve(len + 16);
    const start = this.pos;
    this.len(len);
    this.buf.set(bytes, this.pos);
    this.pos += len;
    if (this.options.compression && len > 20) this.compressWritten(start, len);
  }

  /** rdbTryIntegerEncoding(): false when the text is not an integer that fits 32 bits. */
  private intEncoded(s: string): boolean {
    const n = canonicalInt(s);
    if (n === null || n < -2147483648n || n > 2147483647n) return false;
    const v = Number(n);
    this.reserve(5);
    if (v >= -128 && v <= 127) {
      this.buf[this.pos++] = 0xc0 | C.RDB_ENC_INT8;
      this.buf.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      this.buf[this.pos++] = 0xc0 | C.RDB_ENC_INT16;
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xc0 | C.RDB_ENC_INT32;
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
    return true;
  }

  /**
   * rdbSaveLzfStringObject() over a string just written verbatim (its length
   * header at `start`, its `len` bytes at the end): replaced by the LZF form when
   * compression saves at least 4 bytes. Compressing from the output buffer itself
   * spares a copy of every string into a Buffer of its own.
   */
  private compressWritten(start: number, len: number): void {
    const dataStart = this.pos - len;
    const out = scratchFor(len - 4);
    const compressedLen = lzfCompressInto(this.buf, dataStart, this.pos, out, 0, len - 4);
    if (compressedLen === 0) return;
    this.pos = start;
    this.byte(0xc0 | C.RDB_ENC_LZF);
    this.len(compressedLen);
    this.len(len);
    this.buf.set(out.subarray(0, compressedLen), this.pos);
    this.pos += compressedLen;
  }
}

/** rdbSaveObjectType(). */
export function objectTypeCode(value: RedisValue): number {
  if (typeof value === 'string') return C.RDB_TYPE_STRING;
  switch (value.type) {
    case 'list':
      return C.RDB_TYPE_LIST_QUICKLIST_2;
    case 'set':
      return (value as RedisSet).isIntset ? C.RDB_TYPE_SET_INTSET : C.RDB_TYPE_SET;
    case 'zset':
      return (value as RedisZset).isListpack ? C.RDB_TYPE_ZSET_LISTPACK : C.RDB_TYPE_ZSET_2;
    case 'hash':
      return (value as RedisHash).isListpack ? C.RDB_TYPE_HASH_LISTPACK : C.RDB_TYPE_HASH;
  }
}

/** rdbSaveObject(): the value, after its type byte. */
export function writeObject(w: RdbWriter, value: RedisValue): void {
  if (typeof value === 'string') {
    w.string(value);
    return;
  }
  switch (value.type) {
    case 'list':
      writeQuicklist(w, value as RedisList);
      return;
    case 'set': {
      const set = value as RedisSet;
      if (set.isIntset) {
        w.blob(encodeIntset(set.members()));
      } else {
        w.len(set.size);
        for (const member of set.members()) w.string(member);
      }
      return;
    }
    case 'zset': {
      const zset = value as RedisZset;
      if (zset.isListpack) {
        const flat: string[] = [];
        for (const [member, score] of zset.entries()) flat.push(member, scoreToString(score));
        w.blob(encodeListpack(flat));
      } else {
        // Highest score first, as Redis does (cheap inserts when loading).
        w.len(zset.size);
        for (const [member, score] of zset.entriesReversed()) {
          w.string(member);
          w.binaryDouble(score);
        }
      }
      return;
    }
    case 'hash': {
      const hash = value as RedisHash;
      if (hash.isListpack) {
        const flat: string[] = [];
        for (const [field, fieldValue] of hash.entries()) flat.push(field, fieldValue);
        w.blob(encodeListpack(flat));
      } else {
        w.len(hash.size);
        for (const [field, fieldValue] of hash.entries()) {
          w.string(field);
          w.string(fieldValue);
        }
      }
      return;
    }
  }
}

/** SIZE_ESTIMATE_OVERHEAD, SIZE_SAFETY_LIMIT and optimization_level[] of quicklist.c. */
const SIZE_ESTIMATE_OVERHEAD = 8;
const SIZE_SAFETY_LIMIT = 8192;
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const EMPTY_LISTPACK_BYTES = 7;

/** _quicklistNodeAllowInsert() for tail pushes: how a list built by RPUSH is split. */
function nodeAllowsInsert(nodeBytes: number, nodeCount: number, fill: number, elementLen: number): boolean {
  const newSize = nodeBytes + elementLen + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const limit = OPTIMIZATION_LEVEL[-fill - 1];
    if (limit !== undefined) return newSize <= limit;
  }
  if (newSize > SIZE_SAFETY_LIMIT) return false;
  return nodeCount < fill;
}

/** QUICKLIST_2: node count, then per node its container and its listpack. */
function writeQuicklist(w: RdbWriter, list: RedisList): void {
  const nodes: string[][] = [];
  let current: string[] | undefined;
  let currentBytes = 0;
  for (const value of list.values()) {
    if (!current || !nodeAllowsInsert(currentBytes, current.length, w.options.listFill, value.length)) {
      current = [];
      currentBytes = EMPTY_LISTPACK_BYTES;
      nodes.push(current);
    }
    current.push(value);
    currentBytes += listpackEntrySize(value);
  }
  w.len(nodes.length);
  for (const node of nodes) {
    w.len(C.QUICKLIST_NODE_PACKED);
    w.blob(encodeListpack(node));
  }
}
