/**
 * The number parsers config.c relies on, with their C quirks kept: memtoull()
 * (util.c), string2ll() (util.c), strtoll()/strtol() as used for `save`,
 * `client-output-buffer-limit` and `replicaof`, and the memory formatting of
 * CONFIG REWRITE (rewriteConfigFormatMemory). 64-bit arithmetic is done with
 * BigInt so that overflow wraps or saturates exactly as in C.
 */

const U64 = 1n << 64n;
const ULLONG_MAX = U64 - 1n;
const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);
/** LONG_STR_SIZE in util.h: string2ll() rejects strings this long or longer. */
const LONG_STR_SIZE = 21;

const MEMORY_UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * memtoull(): "1gb", "64k", "100". Returns the unsigned 64-bit value (the
 * multiplication wraps as in C) or null on error. Note the C quirks: "" and
 * "kb" parse as 0, an overflowing digit string saturates to ULLONG_MAX.
 */
export function memtoull(text: string): bigint | null {
  if (text[0] === '-') return null;
  let i = 0;
  while (isDigit(text[i])) i++;
  const mul = MEMORY_UNITS[text.slice(i).toLowerCase()];
  if (mul === undefined) return null;
  if (i >= 128) return null;
  const digits = text.slice(0, i);
  const value = digits === '' ? 0n : BigInt(digits);
  const saturated = value > ULLONG_MAX ? ULLONG_MAX : value;
  return (saturated * mul) % U64;
}

/** string2ll(): strict signed 64-bit decimal (no spaces, no '+', no leading zeros). */
export function string2ll(text: string): bigint | null {
  const n = text.length;
  if (n === 0 || n >= LONG_STR_SIZE) return null;
  if (text === '0') return 0n;
  let i = 0;
  const negative = text[0] === '-';
  if (negative) {
    i++;
    if (i === n) return null;
  }
  if (!(text[i]! >= '1' && text[i]! <= '9')) return null;
  for (let j = i + 1; j < n; j++) if (!isDigit(text[j])) return null;
  const magnitude = BigInt(text.slice(i));
  if (magnitude > ULLONG_MAX) return null;
  const value = negative ? -magnitude : magnitude;
  if (value > LLONG_MAX || value < LLONG_MIN) return null;
  return value;
}

/**
 * strtoll(text, &end, 10) followed by a check that `*end == '\0'`: leading
 * whitespace and a sign are allowed, the empty string is 0, overflow
 * saturates. Returns null when characters are left over.
 */
export function strtollWhole(text: string, base = 10): bigint | null {
  let i = 0;
  while (i < text.length && ' \t\n\v\f\r'.includes(text[i]!)) i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') {
    negative = text[i] === '-';
    i++;
  }
  const start = i;
  const isBaseDigit = (c: string) => (base === 8 ? c >= '0' && c <= '7' : isDigit(c));
  while (i < text.length && isBaseDigit(text[i]!)) i++;
  // No digits at all: strtoll leaves end at the start of the string.
  if (i === start) return text === '' ? 0n : null;
  if (i !== text.length) return null;
  const magnitude = BigInt(base === 8 ? '0o' + text.slice(start, i) : text.slice(start, i));
  const value = negative ? -magnitude : magnitude;
  if (value > LLONG_MAX) return LLONG_MAX;
  if (value < LLONG_MIN) return LLONG_MIN;
  return value;
}

/** True when strtoll(base 8) would report ERANGE (the octal parser rejects those). */
export function octalOverflows(text: string): boolean {
  const digits = text.replace(/^[\s+-]+/, '');
  return /^[0-7]+$/.test(digits) && BigInt('0o' + digits) > LLONG_MAX;
}

/** Two's complement reinterpretation, as C casts between long long and unsigned long long. */
export function asSigned64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

export function asUnsigned64(value: bigint): bigint {
  return BigInt.asUintN(64, value);
}

/** rewriteConfigFormatMemory(): "1gb", "64mb", "16kb" when exact, else bytes. */
export function formatMemory(bytes: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`;
  return String(bytes);
}

/**
 * string2d() of util.c: strtod() over the whole string, rejecting empty input,
 * leading spaces and NaN.
 */
export function string2d(text: string): number | null {
  if (text.length === 0 || /^\s/.test(text)) return null;
  if (!/^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?)$/i.test(text)) return null;
  const value = Number(text.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
  return Number.isNaN(value) ? null : value;
}

/** sprintf("%f") then trimDoubleString(): "99.900000" -> "99.9", "50.000000" -> "50". */
export function formatPercentile(value: number): string {
  let text = value.toFixed(6);
  if (text.includes('.')) {
    text = text.replace(/0+$/, '');
    if (text.endsWith('.')) text = text.slice(0, -1);
  }
  return text;
}
