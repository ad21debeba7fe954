/**
 * Number and range parsing for sorted-set commands, with C's semantics: strtod()
 * for ZRANGEBYSCORE bounds (zslParseRange), string2d() for scores and weights
 * (getDoubleFromObject), and the lex range items of ZRANGEBYLEX.
 */
import type { LexBound, LexRange, ScoreRange } from '../keyspace/zset.js';
import { CommandError } from './args.js';

export const ERR_SCORE_RANGE = 'ERR min or max is not a float';
export const ERR_LEX_RANGE = 'ERR min or max not valid string range item';

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

interface Strtod {
  value: number;
  /** Index just past the parsed prefix; `start` of the text when nothing parsed. */
  end: number;
  /** ERANGE: the literal overflowed to infinity or underflowed to zero. */
  erange: boolean;
}

const PLAIN_DECIMAL_RE = /^-?\d{1,20}(?:\.\d{1,20})?$/;
const DECIMAL_RE = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/;
const HEX_RE = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?/;

/** C's strtod(): leading white space, sign, decimal, hex, inf, infinity, nan. */
export function strtod(text: string): Strtod {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  let neg = false;
  if (text[i] === '+' || text[i] === '-') {
    neg = text[i] === '-';
    i++;
  }
  const sign = neg ? -1 : 1;
  const word = text.slice(i, i + 8).toLowerCase();
  if (word === 'infinity') return { value: sign * Infinity, end: i + 8, erange: false };
  if (word.startsWith('inf')) return { value: sign * Infinity, end: i + 3, erange: false };
  if (word.startsWith('nan')) {
    let end = i + 3;
    if (text[end] === '(') {
      const close = /^\(([0-9A-Za-z_]*)\)/.exec(text.slice(end));
      if (close) end += close[0].length;
    }
    return { value: NaN, end, erange: false };
  }
  const rest = text.slice(i);
  const hex = HEX_RE.exec(rest);
  if (hex && (hex[1]! !== '' || (hex[2] ?? '') !== '')) {
    const intDigits = hex[1]!;
    const fracDigits = hex[2] ?? '';
    let mantissa = 0;
    for (const ch of intDigits + fracDigits) mantissa = mantissa * 16 + parseInt(ch, 16);
    const exp = (hex[3] ? Number(hex[3]) : 0) - 4 * fracDigits.length;
    const value = sign * mantissa * 2 ** exp;
    return { value, end: i + hex[0].length, erange: !Number.isFinite(value) };
  }
  const dec = DECIMAL_RE.exec(rest);
  if (!dec) return { value: 0, end: 0, erange: false };
  const magnitude = Number(dec[0]);
  const erange = magnitude === Infinity || (magnitude === 0 && /[1-9]/.test(dec[1]!));
  return { value: sign * magnitude, end: i + dec[0].length, erange };
}

/** string2d(): the whole text is one double, no leading space, no overflow, not NaN. */
export function parseDouble(text: string): number | null {
  // The common case, plain decimals, without strtod's allocations.
  if (PLAIN_DECIMAL_RE.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return value;
  }
  if (text.length === 0 || isSpace(text.charCodeAt(0))) return null;
  const r = strtod(text);
  if (r.end !== text.length || r.erange || Number.isNaN(r.value)) return null;
  return r.value;
}

export function doubleArg(text: string, error = 'ERR value is not a valid float'): number {
  const d = parseDouble(text);
  if (d === null) throw new CommandError(error);
  return d;
}

/** One bound of zslParseRange(): "(" makes it exclusive; strtod must consume everything. */
function scoreBound(text: string): { value: number; exclusive: boolean } {
  const exclusive = text[0] === '(';
  const body = exclusive ? text.slice(1) : text;
  const r = strtod(body);
  if (r.end !== body.length || Number.isNaN(r.value)) throw new CommandError(ERR_SCORE_RANGE);
  return { value: r.value, exclusive };
}

export function parseScoreRange(minText: string, maxText: string): ScoreRange {
  const min = scoreBound(minText);
  const max = scoreBound(maxText);
  return { min: min.value, max: max.value, minex: min.exclusive, maxex: max.exclusive };
}

/** zslParseLexRangeItem(). */
function lexBound(text: string): { bound: LexBound; exclusive: boolean } {
  switch (text[0]) {
    case '+':
      if (text.length !== 1) break;
      return { bound: { value: '', inf: 1 }, exclusive: true };
    case '-':
      if (text.length !== 1) break;
      return { bound: { value: '', inf: -1 }, exclusive: true };
    case '(':
      return { bound: { value: text.slice(1), inf: 0 }, exclusive: true };
    case '[':
      return { bound: { value: text.slice(1), inf: 0 }, exclusive: false };
  }
  throw new CommandError(ERR_LEX_RANGE);
}

export function parseLexRange(minText: string, maxText: string): LexRange {
  const min = lexBound(minText);
  const max = lexBound(maxText);
  return { min: min.bound, max: max.bound, minex: min.exclusive, maxex: max.exclusive };
}
