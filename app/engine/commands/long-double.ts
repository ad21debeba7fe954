/**
 * x87 80-bit `long double` arithmetic, as Redis uses for HINCRBYFLOAT and
 * INCRBYFLOAT (string2ld, `+`, ld2string LD_STR_HUMAN). JS doubles would print
 * 0.1 + 0.2 as 0.30000000000000004 where Redis prints 0.3, so values are kept as
 * a 64-bit significand times a power of two (BigInt), rounded half-to-even like
 * the FPU, and printed exactly with "%.17Lf" semantics.
 */

/** A finite long double: (-1)^neg * mantissa * 2^exp, mantissa 0 or in [2^63, 2^64). */
export interface LongDouble {
  neg: boolean;
  mantissa: bigint;
  exp: number;
}

const TWO63 = 1n << 63n;
const TWO64 = 1n << 64n;
/** Largest binary exponent of a finite long double (value < 2^16384). */
const MAX_EXP2 = 16384;
/** strtold() fails with ERANGE below about 3.6e-4951 and above 1.19e4932. */
const MIN_DECIMAL_EXP = -4970;
const MAX_DECIMAL_EXP = 4940;
/** MAX_LONG_DOUBLE_CHARS in Redis. */
const MAX_CHARS = 5 * 1024;

/** strtold() also reads C99 hex floats: 0x1.8p3. */
const HEX_RE = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i;
const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds numer/denom * 2^exp2 (numer, denom > 0) to a long double, ties to even. */
function round(neg: boolean, numer: bigint, denom: bigint, exp2: number): LongDouble | null {
  if (numer === 0n) return { neg, mantissa: 0n, exp: 0 };
  // numer/denom lies in [2^(bn-bd-1), 2^(bn-bd+1)): one of two exponents gives a 64-bit quotient.
  let e = bitLength(numer) - bitLength(denom) - 64;
  let division = divideScaled(numer, denom, e);
  if (division.q >= TWO64) division = divideScaled(numer, denom, ++e);
  else if (division.q < TWO63) division = divideScaled(numer, denom, --e);
  let { q } = division;
  const { r, d } = division;
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q += 1n;
  if (q === TWO64) {
    q = TWO63;
    e += 1;
  }
  const exp = e + exp2;
  if (exp + 64 > MAX_EXP2) return null;
  return { neg, mantissa: q, exp };
}

/** Quotient and remainder of numer / (denom * 2^e). */
function divideScaled(numer: bigint, denom: bigint, e: number): { q: bigint; r: bigint; d: bigint } {
  const n = e >= 0 ? numer : numer << BigInt(-e);
  const d = e >= 0 ? denom << BigInt(e) : denom;
  return { q: n / d, r: n % d, d };
}

/**
 * string2ld(): strict parsing (no spaces, nothing trailing, no NaN, no overflow or
 * underflow to zero). Returns null when Redis would reject the text; Infinity is
 * returned as a number so callers can give their own error.
 */
export function parseLongDouble(text: string): LongDouble | number | null {
  if (text.length === 0 || text.length >= MAX_CHARS) return null;
  const lower = text.toLowerCase();
  const unsigned = lower[0] === '+' || lower[0] === '-' ? lower.slice(1) : lower;
  if (unsigned === 'inf' || unsigned === 'infinity') return lower[0] === '-' ? -Infinity : Infinity;
  const hex = HEX_RE.exec(text);
  if (hex) return parseHex(hex);
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const intPart = m[2]!;
  const fracPart = m[3] ?? '';
  if (intPart.length === 0 && fracPart.length === 0) return null;
  const neg = m[1] === '-';
  const digits = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  if (digits === 0n) return { neg, mantissa: 0n, exp: 0 };
  const exp10 = Number(m[4] ?? '0') - fracPart.length;
  // Magnitude check before computing 10^exp10, which could be astronomically large.
  const magnitude = exp10 + digits.toString().length;
  if (magnitude > MAX_DECIMAL_EXP || magnitude < MIN_DECIMAL_EXP) return null;
  const result =
    exp10 >= 0 ? round(neg, digits * 10n ** BigInt(exp10), 1n, 0) : round(neg, digits, 10n ** BigInt(-exp10), 0);
  return result;
}

function parseHex(m: RegExpExecArray): LongDouble | null {
  const intPart = m[2]!;
  const fracPart = m[3] ?? '';
  if (intPart.length === 0 && fracPart.length === 0) return null;
  const neg = m[1] === '-';
  const digits = BigInt('0x' + (intPart + fracPart || '0'));
  const exp2 = Number(m[4] ?? '0') - 4 * fracPart.length;
  if (digits === 0n) return { neg, mantissa: 0n, exp: 0 };
  if (exp2 + bitLength(digits) > MAX_EXP2 + 1 || exp2 + bitLength(digits) < -16445) return null;
  return round(neg, digits, 1n, exp2);
}

export function isZero(x: LongDouble): boolean {
  return x.mantissa === 0n;
}

/** a + b with one rounding, as the FPU does; null on overflow to infinity. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (isZero(a)) return b;
  if (isZero(b)) return a;
  const exp = Math.min(a.exp, b.exp);
  const sa = (a.mantissa << BigInt(a.exp - exp)) * (a.neg ? -1n : 1n);
  const sb = (b.mantissa << BigInt(b.exp - exp)) * (b.neg ? -1n : 1n);
  const sum = sa + sb;
  if (sum === 0n) return { neg: false, mantissa: 0n, exp: 0 };
  const neg = sum < 0n;
  return round(neg, neg ? -sum : sum, 1n, exp);
}

/** ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare '.') removed, "-0" -> "0". */
export function formatLongDoubleHuman(x: LongDouble): string {
  const scale = 10n ** 17n;
  let scaled: bigint;
  if (x.exp >= 0) {
    scaled = (x.mantissa << BigInt(x.exp)) * scale;
  } else {
    const numer = x.mantissa * scale;
    const denom = 1n << BigInt(-x.exp);
    scaled = numer / denom;
    const twice = (numer % denom) * 2n;
    if (twice > denom || (twice === denom && (scaled & 1n) === 1n)) scaled += 1n;
  }
  let digits = scaled.toString().padStart(18, '0');
  digits = digits.slice(0, -17) + '.' + digits.slice(-17);
  digits = digits.replace(/0+$/, '').replace(/\.$/, '');
  if (x.neg && digits !== '0') return '-' + digits;
  return digits;
}

/** A long double from a JS integer (exact for safe integers). */
export function longDoubleFromInt(n: bigint): LongDouble {
  if (n === 0n) return { neg: false, mantissa: 0n, exp: 0 };
  const neg = n < 0n;
  return round(neg, neg ? -n : n, 1n, 0)!;
}
