/**
 * OBJECT ENCODING (and OBJECT REFCOUNT) of string values, as Redis 7.0 reports them.
 *
 * Strings live in the keyspace as plain byte strings, so their robj encoding is
 * derived. Most writes (SET, MSET, GETSET, APPEND creating a key, RDB load, ...)
 * pass the value through tryObjectEncoding() (object.c): a canonical int64 of at
 * most 20 chars becomes "int", anything up to 44 bytes "embstr", longer "raw".
 * That result is computed from the bytes alone. The exceptions are recorded per
 * key in `db.stringEncodings`, which the Database forgets whenever the key's value
 * is replaced or deleted:
 * - APPEND to, SETRANGE, SETBIT, BITFIELD write on an existing key and BITOP's
 *   destination leave a "raw" string (dbUnshareStringValue / createObject),
 *   however short;
 * - INCRBYFLOAT stores createStringObject(): "embstr" even when the text is "3".
 * INCR and friends store integers, which the computed rule already calls "int".
 */
import { toInt } from '../commands/args.js';
import type { Database } from './db.js';

export type StringEncoding = 'int' | 'embstr' | 'raw';

/** OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
export const EMBSTR_SIZE_LIMIT = 44;
/** OBJ_SHARED_INTEGERS: 0..9999 are shared objects. */
const SHARED_INTEGERS = 10000;
/** OBJ_SHARED_REFCOUNT (INT_MAX): what OBJECT REFCOUNT says of a shared object. */
const SHARED_REFCOUNT = 2147483647;

/** What tryObjectEncoding() makes of a fresh string argument. */
export function encodingOfValue(value: string): StringEncoding {
  const len = value.length;
  if (len <= 20 && len > 0 && toInt(value) !== null) return 'int';
  return len <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
}

/** OBJECT ENCODING of the string `value` stored at `key` in `db`. */
export function stringEncoding(db: Database, key: string, value: string): StringEncoding {
  return db.stringEncodings.get(key) ?? encodingOfValue(value);
}

/**
 * OBJECT REFCOUNT of a string: integers 0..9999 are Redis's shared objects unless
 * maxmemory is set with an LRU/LFU policy (MAXMEMORY_FLAG_NO_SHARED_INTEGERS).
 */
export function stringRefcount(
  db: Database,
  key: string,
  value: string,
  config: { num(name: string): number; str(name: string): string },
): number {
  if (stringEncoding(db, key, value) !== 'int') return 1;
  const n = Number(value);
  if (n < 0 || n >= SHARED_INTEGERS) return 1;
  const policy = config.str('maxmemory-policy');
  const noSharing = config.num('maxmemory') !== 0 && (policy.includes('lru') || policy.includes('lfu'));
  return noSharing ? 1 : SHARED_REFCOUNT;
}

/** The value at `key` was modified in place (dbUnshareStringValue): it is "raw" now. */
export function markRaw(db: Database, key: string, value: string): void {
  if (value.length <= EMBSTR_SIZE_LIMIT) db.stringEncodings.set(key, 'raw');
}

/** The value at `key` was stored by createStringObject(), skipping the int conversion. */
export function markNotIntEncoded(db: Database, key: string, value: string): void {
  if (value.length <= EMBSTR_SIZE_LIMIT && encodingOfValue(value) === 'int') db.stringEncodings.set(key, 'embstr');
}
