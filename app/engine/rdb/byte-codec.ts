/**
 * Helpers shared by the listpack, ziplist, intset and zipmap codecs: byte strings
 * (latin1, one char per byte) to bytes and back, and Redis's string2ll test.
 */
import { formatG17 } from '../../resp/writer.js';
import { toInt } from '../commands/args.js';

/** Thrown for any malformed RDB content; the message says what was wrong. */
export class RdbFormatError extends Error {}

export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

/** string2ll(): the canonical int64 the text spells, as a BigInt, or null. */
export function canonicalInt(text: string): bigint | null {
  if (text.length === 0 || text.length > 20) return null;
  const code = text.charCodeAt(0);
  // Fast rejection before the regex in toInt(): not a digit nor '-'.
  if (code !== 45 && (code < 48 || code > 57)) return null;
  if (toInt(text) === null) return null;
  return BigInt(text);
}

/** d2string() (util.c): the text a listpack sorted set keeps for a score. */
export function scoreToString(score: number): string {
  if (Number.isNaN(score)) return 'nan';
  if (score === Infinity) return 'inf';
  if (score === -Infinity) return '-inf';
  if (score === 0) return Object.is(score, -0) ? '-0' : '0';
  // double2ll(): integral values well inside the long long range print as integers.
  if (Number.isInteger(score) && Math.abs(score) < 2 ** 62) return BigInt(score).toString();
  return formatG17(score);
}
