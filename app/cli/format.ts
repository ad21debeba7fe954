/**
 * Reply formatting, as redis-cli 7.0 prints replies: cliFormatReplyTTY (the
 * "standard" output users see at a terminal), cliFormatReplyRaw (--raw, and the
 * default when stdout is not a terminal) and cliFormatReplyCSV (--csv).
 *
 * Every string here is a byte string (latin1, one char per byte), as the reply
 * parser produces them, so the output is written back byte for byte.
 */
import type { RespValue } from '../resp/reply-parser.js';
import { quoteRepr } from '../resp/repr.js';

export type OutputMode = 'standard' | 'raw' | 'csv';

/** hiredis cannot represent this reply (redis-cli prints "Unknown reply type: N" and exits 1). */
export class UnknownReplyTypeError extends Error {
  constructor(readonly hiredisType: number) {
    super(`Unknown reply type: ${hiredisType}`);
  }
}

/** hiredis's REDIS_REPLY_BIGNUM, the one RESP3 type redis-cli 7.0 has no formatter for. */
const HIREDIS_BIGNUM = 13;

/** Text up to the first NUL, as printf("%s") prints a C string. */
function cString(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

function isAggregate(r: RespValue): r is RespValue & { type: 'array' | 'set' | 'push' } {
  return r.type === 'array' || r.type === 'set' || r.type === 'push';
}

/** hiredis keeps a map as a flat element list (key, value, key, value...). */
function elementsOf(r: RespValue): RespValue[] {
  if (isAggregate(r)) return r.items;
  if (r.type === 'map') return r.entries.flat();
  return [];
}

/** cliIsMultilineValueTTY: whether the TTY format of a value spans several lines. */
function isMultilineTTY(r: RespValue): boolean {
  if (isAggregate(r)) {
    if (r.items.length === 0) return false;
    if (r.items.length > 1) return true;
    return isMultilineTTY(r.items[0]!);
  }
  if (r.type === 'map') {
    if (r.entries.length === 0) return false;
    if (r.entries.length > 1) return true;
    return isMultilineTTY(r.entries[0]![1]);
  }
  return false;
}

export function formatTTY(r: RespValue, prefix = ''): string {
  switch (r.type) {
    case 'error':
      return `(error) ${cString(r.value)}\n`;
    case 'simple':
      return `${cString(r.value)}\n`;
    case 'integer':
      return `(integer) ${r.text}\n`;
    case 'double':
      return `(double) ${r.text}\n`;
    case 'bulk':
      return `${quoteRepr(r.value)}\n`;
    case 'verbatim':
      return `${r.value}\n`;
    case 'null':
      return '(nil)\n';
    case 'boolean':
      return r.value ? '(true)\n' : '(false)\n';
    case 'bignum':
      throw new UnknownReplyTypeError(HIREDIS_BIGNUM);
    case 'array':
    case 'set':
    case 'push':
    case 'map':
      return formatAggregateTTY(r, prefix);
  }
}

function formatAggregateTTY(r: RespValue, prefix: string): string {
  const elements = elementsOf(r);
  if (elements.length === 0) {
    if (r.type === 'array') return '(empty array)\n';
    if (r.type === 'map') return '(empty hash)\n';
    if (r.type === 'set') return '(empty set)\n';
    return '(empty push)\n';
  }
  const isMap = r.type === 'map';
  const count = isMap ? elements.length / 2 : elements.length;
  const indexWidth = String(count).length;
  // Nested aggregates are indented by the width of this level's "N) " marker.
  const childPrefix = prefix + ' '.repeat(indexWidth + 2);
  const separator = r.type === 'set' ? '~' : isMap ? '#' : ')';
  let out = '';
  for (let i = 0; i < elements.length; i++) {
    const humanIndex = (isMap ? i / 2 : i) + 1;
    // The first element's index follows the parent's marker on the same line.
    out += `${i === 0 ? '' : prefix}${String(humanIndex).padStart(indexWidth)}${separator} `;
    out += formatTTY(elements[i]!, childPrefix);
    if (isMap) {
      i++;
      out = out.slice(0, -1) + ' => ';
      const value = elements[i]!;
      if (isMultilineTTY(value)) out += '\n' + childPrefix;
      out += formatTTY(value, childPrefix);
    }
  }
  return out;
}

export function formatRaw(r: RespValue, multiBulkDelimiter = '\n'): string {
  switch (r.type) {
    case 'null':
      return '';
    case 'error':
      return `${r.value}\n`;
    case 'simple':
    case 'bulk':
    case 'verbatim':
      return r.value;
    case 'boolean':
      return r.value ? '(true)' : '(false)';
    case 'integer':
    case 'double':
      return r.text;
    case 'bignum':
      throw new UnknownReplyTypeError(HIREDIS_BIGNUM);
    case 'array':
    case 'set':
    case 'push':
      return r.items.map((item) => formatRaw(item, multiBulkDelimiter)).join(multiBulkDelimiter);
    case 'map':
      return r.entries
        .map(([key, value]) => `${formatRaw(key, multiBulkDelimiter)} ${formatRaw(value, multiBulkDelimiter)}`)
        .join(multiBulkDelimiter);
  }
}

export function formatCSV(r: RespValue): string {
  switch (r.type) {
    case 'error':
      return `ERROR,${quoteRepr(cString(r.value))}`;
    case 'simple':
    case 'bulk':
    case 'verbatim':
      return quoteRepr(r.value);
    case 'integer':
    case 'double':
      return r.text;
    case 'null':
      return 'NULL';
    case 'boolean':
      return r.value ? 'true' : 'false';
    case 'bignum':
      throw new UnknownReplyTypeError(HIREDIS_BIGNUM);
    case 'array':
    case 'set':
    case 'push':
    case 'map':
      // CSV has no map type: a flat list.
      return elementsOf(r).map(formatCSV).join(',');
  }
}

/** A RESP3 client-tracking invalidation message, which redis-cli prints specially at a terminal. */
export function isInvalidate(r: RespValue): boolean {
  return (
    r.type === 'push' &&
    r.items.length === 2 &&
    (r.items[0]!.type === 'bulk' || r.items[0]!.type === 'simple') &&
    r.items[0]!.value.startsWith('invalidate') &&
    r.items[1]!.type === 'array'
  );
}

/** cliFormatInvalidateTTY. */
export function formatInvalidateTTY(r: RespValue & { type: 'push' }): string {
  const keys = (r.items[1] as RespValue & { type: 'array' }).items;
  const quoted = keys.map((key) => `'${key.type === 'bulk' || key.type === 'simple' ? key.value : ''}'`);
  return `-> invalidate: ${quoted.join(', ')}\n`;
}

/**
 * cliFormatReply: `verbatim` is redis-cli's output_raw_strings (INFO, CLIENT LIST
 * and the like print raw, without the command delimiter, even at a terminal).
 */
export function formatReply(r: RespValue, mode: OutputMode, verbatim: boolean, delimiters: Delimiters): string {
  if (verbatim) return formatRaw(r, delimiters.multiBulk);
  if (mode === 'standard') return formatTTY(r);
  if (mode === 'raw') return formatRaw(r, delimiters.multiBulk) + delimiters.command;
  return formatCSV(r) + '\n';
}

export interface Delimiters {
  /** -d: between the elements of a multi-bulk reply in raw mode. */
  multiBulk: string;
  /** -D: after each reply in raw mode. */
  command: string;
}
