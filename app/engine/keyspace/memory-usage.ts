/**
 * MEMORY USAGE: what Redis 7.0 (objectComputeSize in object.c, on jemalloc) would
 * report for a key and its value. The engine's own memory layout is V8's and not
 * observable per key, so this models Redis's: robj, sds headers, dict entries and
 * buckets, listpack and intset bytes, rounded to jemalloc size classes. Exact for
 * strings and small encodings; aggregates with hash tables are sampled like Redis.
 */
import { toInt } from '../commands/args.js';
import type { RedisObject, RedisValue } from './types.js';
import { hashEntries, listValues, setMembers, zsetEntries } from './value-walk.js';

const ROBJ = 16;
const DICT_ENTRY = 24;
const DICT_STRUCT = 56;
const QUICKLIST_STRUCT = 40;
const QUICKLIST_NODE = 32;
const ZSET_STRUCT = 16;
const SKIPLIST_NODE = 32;

/** jemalloc's usable size for an allocation of n bytes (its size classes). */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  // Four classes per doubling above 128: 160, 192, 224, 256, 320, ...
  let group = 128;
  while (n > group * 2) group *= 2;
  const step = group / 4;
  return Math.ceil(n / step) * step;
}

/** sdsZmallocSize(): header by length class, plus the terminating NUL. */
function sdsSize(length: number, forKey = false): number {
  // Keys of fewer than 32 bytes use sdshdr5 (1 byte); values start at sdshdr8.
  const header = forKey && length < 32 ? 1 : length < 256 ? 3 : length < 65536 ? 5 : 9;
  return jemallocSize(header + length + 1);
}

/** Bytes one listpack entry takes (encoding, data, back-length). */
function listpackEntrySize(element: string): number {
  const n = element.length <= 20 ? toInt(element) : null;
  let body: number;
  if (n !== null) {
    if (n >= 0 && n <= 127) body = 1;
    else if (n >= -4096 && n <= 4095) body = 2;
    else if (n >= -32768 && n <= 32767) body = 3;
    else if (n >= -8388608 && n <= 8388607) body = 4;
    else if (n >= -2147483648 && n <= 2147483647) body = 5;
    else body = 9;
  } else {
    const len = element.length;
    body = len + (len < 64 ? 1 : len < 4096 ? 2 : 5);
  }
  return body + (body < 128 ? 1 : body < 16384 ? 2 : 3);
}

/** The bytes of an intset: an 8-byte header, then every member at the widest width needed. */
export function intsetBytes(members: readonly string[]): number {
  let width = 2;
  for (const m of members) {
    const n = Number(m);
    if (n < -2147483648 || n > 2147483647) width = 8;
    else if ((n < -32768 || n > 32767) && width < 4) width = 4;
  }
  return 8 + width * members.length;
}

/** The bytes of a listpack holding `elements` (header, entries, end marker). */
export function listpackBytes(elements: Iterable<string>): number {
  let bytes = 7; // 6-byte header + end marker
  for (const e of elements) bytes += listpackEntrySize(e);
  return bytes;
}

function listpackSize(elements: Iterable<string>): number {
  return jemallocSize(listpackBytes(elements));
}

/** Average over up to `samples` elements, scaled to `count` (Redis samples large aggregates). */
function sampled<T>(items: Iterable<T>, count: number, samples: number, sizeOf: (item: T) => number): number {
  let taken = 0;
  let total = 0;
  for (const item of items) {
    if (taken >= samples) break;
    total += sizeOf(item);
    taken++;
  }
  return taken === 0 ? 0 : (total / taken) * count;
}

function dictOverhead(count: number): number {
  let buckets = 4;
  while (buckets < count) buckets *= 2;
  return DICT_STRUCT + jemallocSize(buckets * 8);
}

function sizeOfCollection(value: RedisObject, encoding: string, samples: number): number {
  switch (value.type) {
    case 'list': {
      const elements = [...listValues(value)];
      // One quicklist node per 8kb listpack (list-max-listpack-size -2).
      let nodes = 0;
      let bytes = 0;
      let current = 7;
      for (const e of elements) {
        const size = listpackEntrySize(e);
        if (current + size > 8192 && current > 7) {
          nodes++;
          bytes += jemallocSize(current);
          current = 7;
        }
        current += size;
      }
      nodes++;
      bytes += jemallocSize(current);
      return ROBJ + jemallocSize(QUICKLIST_STRUCT) + nodes * QUICKLIST_NODE + bytes;
    }
    case 'hash': {
      const entries = [...hashEntries(value)];
      if (encoding === 'listpack') return ROBJ + listpackSize(entries.flat());
      return (
        ROBJ +
        dictOverhead(entries.length) +
        sampled(entries, entries.length, samples, ([f, v]) => DICT_ENTRY + sdsSize(f.length) + sdsSize(v.length))
      );
    }
    case 'set': {
      const members = [...setMembers(value)];
      if (encoding === 'intset') return ROBJ + jemallocSize(intsetBytes(members));
      if (encoding === 'listpack') return ROBJ + listpackSize(members);
      return (
        ROBJ +
        dictOverhead(members.length) +
        sampled(members, members.length, samples, (m) => DICT_ENTRY + sdsSize(m.length))
      );
    }
    case 'zset': {
      const entries = [...zsetEntries(value)];
      if (encoding === 'listpack') {
        const flat: string[] = [];
        for (const [member, score] of entries) flat.push(member, String(score));
        return ROBJ + listpackSize(flat);
      }
      return (
        ROBJ +
        ZSET_STRUCT +
        dictOverhead(entries.length) +
        sampled(entries, entries.length, samples, ([m]) => DICT_ENTRY + sdsSize(m.length) + SKIPLIST_NODE + 16)
      );
    }
  }
}

export function estimateMemoryUsage(key: string, value: RedisValue, encoding: string, samples: number): number {
  let size: number;
  if (typeof value === 'string') {
    if (encoding === 'int') size = ROBJ;
    else if (encoding === 'embstr') size = jemallocSize(ROBJ + 3 + value.length + 1);
    else size = ROBJ + sdsSize(value.length);
  } else {
    size = sizeOfCollection(value, encoding, samples);
  }
  return Math.round(size) + sdsSize(key.length, true) + DICT_ENTRY;
}
