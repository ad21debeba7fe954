/**
 * DEBUG DIGEST and DEBUG DIGEST-VALUE, bit for bit as Redis 7.0 computes them
 * (debug.c: xorDigest, mixDigest, xorObjectDigest, computeDatasetDigest), so a
 * dataset digest taken here equals the one real Redis gives for the same data.
 *
 * Unordered collections (sets, hashes, sorted sets, the keys of a db) are xored
 * element digests, so order does not matter; lists are mixed (a chained SHA1) so
 * order does. Integers are digested as their decimal text, scores as "%.17g".
 */
import { createHash } from 'node:crypto';
import { formatG17 } from '../../resp/writer.js';
import type { Database } from './db.js';
import type { RedisValue } from './types.js';
import { hashEntries, listValues, setMembers, zsetEntries } from './value-walk.js';

const DIGEST_LEN = 20;

/** Redis's OBJ_* type codes, mixed into each value's digest. */
const TYPE_CODE = { string: 0, list: 1, set: 2, zset: 3, hash: 4 } as const;

/** Byte strings are latin1: one char per byte. */
function sha1(bytes: string | Uint8Array): Buffer {
  const hash = createHash('sha1');
  if (typeof bytes === 'string') hash.update(bytes, 'latin1');
  else hash.update(bytes);
  return hash.digest();
}

/** xorDigest(): digest ^= SHA1(data). */
function xorDigest(digest: Uint8Array, data: string | Uint8Array): void {
  const hash = sha1(data);
  for (let j = 0; j < DIGEST_LEN; j++) digest[j] ^= hash[j]!;
}

/** mixDigest(): digest = SHA1(digest ^ SHA1(data)), order-sensitive. */
function mixDigest(digest: Uint8Array, data: string | Uint8Array): void {
  xorDigest(digest, data);
  digest.set(sha1(digest));
}

function uint32BigEndian(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

/** "%.17g" of a score, with C's spelling of infinities. */
function scoreText(score: number): string {
  if (score === Infinity) return 'inf';
  if (score === -Infinity) return '-inf';
  return formatG17(score);
}

/** An element digest of a field/value or member/score pair, xored into `digest`. */
function xorPairDigest(digest: Uint8Array, first: string, second: string): void {
  const element = new Uint8Array(DIGEST_LEN);
  mixDigest(element, first);
  mixDigest(element, second);
  xorDigest(digest, element);
}

/** xorObjectDigest(): mixes one value (and whether it has a TTL) into `digest`. */
export function xorObjectDigest(digest: Uint8Array, value: RedisValue, hasExpire: boolean): void {
  const type = typeof value === 'string' ? 'string' : value.type;
  mixDigest(digest, uint32BigEndian(TYPE_CODE[type]));
  if (typeof value === 'string') {
    mixDigest(digest, value);
  } else if (value.type === 'list') {
    for (const element of listValues(value)) mixDigest(digest, element);
  } else if (value.type === 'set') {
    for (const member of setMembers(value)) xorDigest(digest, member);
  } else if (value.type === 'zset') {
    for (const [member, score] of zsetEntries(value)) xorPairDigest(digest, member, scoreText(score));
  } else {
    for (const [field, fieldValue] of hashEntries(value)) xorPairDigest(digest, field, fieldValue);
  }
  if (hasExpire) xorDigest(digest, '!!expire!!');
}

/** DEBUG DIGEST-VALUE for one key: 20 zero bytes when the key does not exist. */
export function valueDigest(db: Database, key: string): Uint8Array {
  const digest = new Uint8Array(DIGEST_LEN);
  const value = db.dict.get(key);
  if (value !== undefined) xorObjectDigest(digest, value, db.expires.has(key));
  return digest;
}

/** computeDatasetDigest(): every db, every key; all zeros for an empty dataset. */
export function datasetDigest(dbs: readonly Database[]): Uint8Array {
  const final = new Uint8Array(DIGEST_LEN);
  for (const db of dbs) {
    if (db.size === 0) continue;
    mixDigest(final, uint32BigEndian(db.id));
    for (const [key, value] of db.dict) {
      const digest = new Uint8Array(DIGEST_LEN);
      mixDigest(digest, key);
      xorObjectDigest(digest, value, db.expires.has(key));
      xorDigest(final, digest);
    }
  }
  return final;
}

export function toHex(digest: Uint8Array): string {
  return Buffer.from(digest).toString('hex');
}
