/**
 * Argument parsing shared by every command family, with Redis's error texts
 * (shared.* replies and getLongLongFromObjectOrReply() & co. in object.c).
 */
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_OUT_OF_RANGE = 'ERR index out of range';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_DB_INDEX = 'ERR DB index is out of range';
export { WRONGTYPE as ERR_WRONGTYPE } from '../keyspace/types.js';

/** Thrown by the parsers below; the server turns it into the error reply. */
export class CommandError extends Error {}

const INT_RE = /^-?[0-9]+$/;

/**
 * string2ll(): decimal int64, no spaces, no '+', no leading zeros (except "0").
 * Returns null when it is not one. Values beyond 2^53 keep their bigint form in
 * parseBigInt64; this one is for counts and indexes.
 */
export function toInt(text: string): number | null {
  const len = text.length;
  if (len === 0 || len > 20) return null;
  if (!INT_RE.test(text)) return null;
  if ((text[0] === '0' && len > 1) || (text[0] === '-' && (text[1] === '0' || len === 1))) return null;
  // Only 19+ digit inputs can overflow int64; check those exactly.
  if (len >= 19) {
    const b = BigInt(text);
    if (b > INT64_MAX || b < INT64_MIN) return null;
  }
  return Number(text);
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Exact int64 parsing (INCR and friends must not lose precision beyond 2^53). */
export function toInt64(text: string): bigint | null {
  if (toInt(text) === null) return null;
  return BigInt(text);
}

/** getLongLongFromObjectOrReply(): the integer or a CommandError with Redis's text. */
export function intArg(text: string, error = ERR_NOT_INTEGER): number {
  const n = toInt(text);
  if (n === null) throw new CommandError(error);
  return n;
}

/** getPositiveLongFromObjectOrReply()-style checks live with their commands; this is strtod(). */
export function toFloat(text: string): number | null {
  // Redis's string2ld / strtod: accepts "inf", "-inf", "+inf", exponents, no spaces, not "nan".
  if (text.length === 0 || /^\s|\s$/.test(text)) return null;
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return null;
  const n = Number(text);
  return Number.isNaN(n) ? null : n;
}

export function floatArg(text: string, error = ERR_NOT_FLOAT): number {
  const n = toFloat(text);
  if (n === null) throw new CommandError(error);
  return n;
}

/** Case-insensitive comparison of an argument with an option name. */
export function is(arg: string | undefined, option: string): boolean {
  return arg !== undefined && arg.length === option.length && arg.toLowerCase() === option;
}
