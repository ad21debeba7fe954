/**
 * SORT and SORT_RO (sort.c): sort a list, set or sorted set numerically or
 * lexicographically, by the elements or by external keys (BY weight_*,
 * BY hash_*->field), with LIMIT, GET patterns (#, key_*, hash_*->field), ASC/DESC,
 * ALPHA and STORE. BY a pattern without '*' (BY nosort) skips sorting.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import type { Database } from '../keyspace/db.js';
import { RedisHash } from '../keyspace/hash.js';
import { RedisList } from '../keyspace/list.js';
import { WRONGTYPE } from '../keyspace/types.js';
import { listValues, setMembers, zsetEntries } from '../keyspace/value-walk.js';
import { CommandError, ERR_SYNTAX, intArg, is } from './args.js';
import { isScriptClient } from '../scripting/scripting.js';

interface SortItem {
  element: string;
  score: number;
  /** ALPHA BY pattern: the looked-up string, null when the key was missing. */
  compareWith: string | null;
}

/**
 * lookupKeyByPattern(): "#" is the element itself; otherwise the first '*' is
 * replaced by the element and the key read, as a string, or with "->field" as a
 * hash field. A pattern without '*' finds nothing.
 */
function lookupByPattern(db: Database, pattern: string, element: string): string | null {
  if (pattern === '#') return element;
  const star = pattern.indexOf('*');
  if (star === -1) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow !== -1 && arrow + 2 < pattern.length;
  const keyEnd = hasField ? arrow : pattern.length;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, keyEnd);
  const value = db.lookupRead(key);
  if (value === undefined) return null;
  if (hasField) {
    if (!(value instanceof RedisHash)) return null;
    return value.get(pattern.slice(arrow + 2)) ?? null;
  }
  return typeof value === 'string' ? value : null;
}

const STRTOD_RE = /^[\t\n\v\f\r ]*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|0[xX][0-9a-fA-F]+)$/i;

/** strtod() over the whole string, as SORT converts weights: null when it is not a number. */
function toScore(text: string): number | null {
  // strtod("") consumes nothing and leaves eptr at the terminator: a score of 0.
  if (text === '') return 0;
  if (!STRTOD_RE.test(text)) return null;
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const body = trimmed.replace(/^[+-]/, '').toLowerCase();
  let n: number;
  if (body.startsWith('inf')) n = Infinity;
  else if (body.startsWith('0x')) n = parseInt(body.slice(2), 16);
  else n = Number(body);
  return negative ? -n : n;
}

/** Binary comparison of byte strings (memcmp order, as compareStringObjects). */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let sortBy: string | undefined;
  let storeKey: string | undefined;
  let dontSort = false;
  const getPatterns: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const arg = argv[j];
    if (is(arg, 'asc')) desc = false;
    else if (is(arg, 'desc')) desc = true;
    else if (is(arg, 'alpha')) alpha = true;
    else if (is(arg, 'limit') && left >= 2) {
      limitStart = intArg(argv[j + 1]!);
      limitCount = intArg(argv[j + 2]!);
      j += 2;
    } else if (!readonly && is(arg, 'store') && left >= 1) {
      storeKey = argv[++j]!;
    } else if (is(arg, 'by') && left >= 1) {
      sortBy = argv[++j]!;
      // A constant BY pattern (BY nosort) means: keep the native order.
      if (!sortBy.includes('*')) dontSort = true;
    } else if (is(arg, 'get') && left >= 1) {
      getPatterns.push(argv[++j]!);
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }

  const db = c.db;
  const source = db.lookupRead(argv[1]!);
  if (source !== undefined && (typeof source === 'string' || source.type === 'hash')) {
    throw new CommandError(WRONGTYPE);
  }
  const type = source === undefined ? 'list' : source.type;
  // An unordered set with BY <constant> must still give a deterministic result when stored or scripted.
  if (dontSort && type === 'set' && (storeKey !== undefined || isScriptClient(c))) {
    dontSort = false;
    alpha = true;
    sortBy = undefined;
  }

  let elements: string[];
  if (source === undefined) elements = [];
  else if (type === 'list') elements = [...listValues(source)];
  else if (type === 'set') elements = [...setMembers(source)];
  // Sorted sets come in score order: BY nosort keeps it.
  else elements = Array.from(zsetEntries(source), ([member]) => member);

  const length = elements.length;
  let start = Math.min(Math.max(limitStart, 0), length);
  const count = Math.min(Math.max(limitCount, -1), length);
  let end = count < 0 ? length - 1 : start + count - 1;
  if (start >= length) {
    start = length - 1;
    end = length - 2;
  }
  if (end >= length) end = length - 1;

  let items: SortItem[];
  if (dontSort) {
    // Native order; DESC walks it backwards (lists and sorted sets alike).
    const ordered = desc && type !== 'set' ? elements.reverse() : elements;
    items = ordered.map((element) => ({ element, score: 0, compareWith: null }));
  } else {
    items = elements.map((element) => ({ element, score: 0, compareWith: null }));
    let conversionError = false;
    for (const item of items) {
      let by: string | null = item.element;
      if (sortBy !== undefined) {
        by = lookupByPattern(db, sortBy, item.element);
        if (by === null) continue;
      }
      if (alpha) {
        if (sortBy !== undefined) item.compareWith = by;
      } else {
        const score = toScore(by);
        if (score === null || Number.isNaN(score)) conversionError = true;
        else item.score = score;
      }
    }
    if (conversionError) {
      c.error("ERR One or more scores can't be converted into double");
      return;
    }
    const byPattern = sortBy !== undefined;
    const direction = desc ? -1 : 1;
    items.sort((a, b) => {
      let cmp: number;
      if (!alpha) {
        cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element);
      } else if (byPattern) {
        if (a.compareWith === null || b.compareWith === null) {
          cmp = a.compareWith === b.compareWith ? 0 : a.compareWith === null ? -1 : 1;
        } else {
          cmp = compareBytes(a.compareWith, b.compareWith);
        }
      } else {
        cmp = compareBytes(a.element, b.element);
      }
      return cmp * direction;
    });
  }

  const rangeLength = Math.max(0, end - start + 1);
  const outputLength = getPatterns.length > 0 ? getPatterns.length * rangeLength : rangeLength;
  if (storeKey === undefined) {
    c.arrayLen(outputLength);
    for (let j = start; j <= end; j++) {
      const element = items[j]!.element;
      if (getPatterns.length === 0) c.bulk(element);
      for (const pattern of getPatterns) {
        const value = lookupByPattern(db, pattern, element);
        if (value === null) c.null();
        else c.bulk(value);
      }
    }
    return;
  }

  const stored = new RedisList(outputLength);
  for (let j = start; j <= end; j++) {
    const element = items[j]!.element;
    if (getPatterns.length === 0) stored.pushTail(element);
    for (const pattern of getPatterns) stored.pushTail(lookupByPattern(db, pattern, element) ?? '');
  }
  const server = c.server;
  if (outputLength > 0) {
    db.setKey(storeKey, stored);
    server.signalKeyAsReady(db, storeKey);
    server.notify('l', 'sortstore', storeKey, db.id);
    server.dirty += outputLength;
  } else if (db.delete(storeKey)) {
    server.notify('g', 'del', storeKey, db.id);
    server.dirty++;
  }
  c.integer(outputLength);
}

export const sortCommands: CommandModule = {
  sort(c, argv) {
    sortGeneric(c, argv, false);
  },
  sort_ro(c, argv) {
    sortGeneric(c, argv, true);
  },
};
