/**
 * Sorted set commands (t_zset.c): ZADD/ZINCRBY, ranges by rank, score and lex
 * (and their STORE/REM/COUNT variants), pops with their blocking forms,
 * ZUNION/ZINTER/ZDIFF (sets count as score 1), ZRANDMEMBER and ZSCAN.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import type { Database } from '../keyspace/db.js';
import { globMatch } from '../glob.js';
import { parseScanCursor, scanStep } from '../keyspace/scan-cursor.js';
import { RedisSet } from '../keyspace/set.js';
import { WRONGTYPE, type RedisValue } from '../keyspace/types.js';
import {
  RedisZset,
  lexGteMin,
  lexLteMax,
  scoreInRange,
  type LexRange,
  type ScoreRange,
  type SkipNode,
  type ZsetLimits,
} from '../keyspace/zset.js';
import { formatDouble } from '../../resp/writer.js';
import { CommandError, ERR_NOT_INTEGER, ERR_SYNTAX, is, toInt64 } from './args.js';
import { parseLongDouble } from './long-double.js';
import { longArg, parseScanOptions, positiveLongArg, replyEmptyScan } from './sets.js';
import { doubleArg, parseLexRange, parseScoreRange } from './zset-args.js';

const LONG_MAX = 9223372036854775807n;
const ERR_NAN = 'ERR resulting score is not a number (NaN)';
/** setTimeout() cannot wait longer than this; longer timeouts block until served. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Where = 'min' | 'max';

function asZset(value: RedisValue | undefined): RedisZset | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof RedisZset)) throw new CommandError(WRONGTYPE);
  return value;
}

function readZset(c: Client, key: string): RedisZset | undefined {
  return asZset(c.db.lookupRead(key));
}

function writeZset(c: Client, key: string): RedisZset | undefined {
  return asZset(c.db.lookupWrite(key));
}

/** The listpack thresholds, read per command so CONFIG SET applies at once. */
export function zsetLimits(c: Client): ZsetLimits {
  return {
    maxEntries: c.server.config.num('zset-max-listpack-entries'),
    maxValue: c.server.config.num('zset-max-listpack-value'),
  };
}

/** An emptied sorted set is deleted, with the generic del notification. */
function deleteIfEmpty(c: Client, db: Database, key: string, zset: RedisZset): boolean {
  if (zset.size !== 0) return false;
  db.delete(key);
  c.server.notify('g', 'del', key, db.id);
  return true;
}

/** A member and its score, as WITHSCORES replies show them (pairs in RESP3). */
function replyScoredLen(c: Client, n: number, withScores: boolean): void {
  c.arrayLen(withScores && c.resp === 2 ? n * 2 : n);
}

function replyScored(c: Client, member: string, score: number, withScores: boolean): void {
  if (withScores && c.resp > 2) c.arrayLen(2);
  c.bulk(member);
  if (withScores) c.double(score);
}

/** getLongFromObjectOrReply(). */
function longValue(text: string): number {
  const n = toInt64(text);
  if (n === null) throw new CommandError(ERR_NOT_INTEGER);
  return Number(n);
}

// ------------------------------------------------------------------ ZADD / ZINCRBY

function zaddGeneric(c: Client, argv: string[], incrCommand: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let scoreIdx = 2;
  for (; scoreIdx < argv.length; scoreIdx++) {
    const opt = argv[scoreIdx]!;
    if (is(opt, 'nx')) nx = true;
    else if (is(opt, 'xx')) xx = true;
    else if (is(opt, 'ch')) ch = true;
    else if (is(opt, 'incr')) incr = true;
    else if (is(opt, 'gt')) gt = true;
    else if (is(opt, 'lt')) lt = true;
    else break;
  }
  const pairArgs = argv.length - scoreIdx;
  if (pairArgs % 2 !== 0 || pairArgs === 0) throw new CommandError(ERR_SYNTAX);
  const elements = pairArgs / 2;
  if (nx && xx) throw new CommandError('ERR XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    throw new CommandError('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && elements > 1) throw new CommandError('ERR INCR option supports a single increment-element pair');
  const scores: number[] = [];
  for (let j = 0; j < elements; j++) scores.push(doubleArg(argv[scoreIdx + j * 2]!));

  const key = argv[1]!;
  let zset = writeZset(c, key);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  const limits = zsetLimits(c);
  if (!zset) {
    if (xx) {
      if (incr) c.null();
      else c.integer(0);
      return;
    }
    const firstMember = argv[scoreIdx + 1]!;
    zset = new RedisZset(!(limits.maxEntries === 0 || limits.maxValue < firstMember.length));
    c.db.setKey(key, zset);
    c.server.signalKeyAsReady(c.db, key);
  }
  let failed = false;
  for (let j = 0; j < elements; j++) {
    let newScore = scores[j]!;
    const member = argv[scoreIdx + 1 + j * 2]!;
    const current = zset.score(member);
    if (current !== undefined) {
      if (nx) continue;
      if (incr) {
        newScore += current;
        if (Number.isNaN(newScore)) {
          failed = true;
          break;
        }
      }
      if ((lt && newScore >= current) || (gt && newScore <= current)) continue;
      processed++;
      score = newScore;
      if (newScore !== current) {
        zset.updateScore(member, current, newScore);
        updated++;
      }
    } else if (!xx) {
      zset.insertNew(member, newScore, limits);
      added++;
      processed++;
      score = newScore;
    }
  }
  if (failed) {
    c.error(ERR_NAN);
  } else {
    c.server.dirty += added + updated;
    if (incr) {
      if (processed > 0) c.double(score);
      else c.null();
    } else {
      c.integer(ch ? added + updated : added);
    }
  }
  if (added > 0 || updated > 0) {
    c.db.touch(key);
    c.server.notify('z', incr ? 'zincr' : 'zadd', key, c.db.id);
  }
}

// ------------------------------------------------------------------ ranges

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'forward' | 'reverse';

/** The nodes of a rank range (genericZrangebyrankCommand), in reply order. */
function nodesByRank(zset: RedisZset, start: number, end: number, reverse: boolean): SkipNode[] {
  const len = zset.size;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return [];
  if (end >= len) end = len - 1;
  const count = end - start + 1;
  const out: SkipNode[] = [];
  let node = reverse ? zset.atRank(len - 1 - start) : zset.atRank(start);
  for (let i = 0; i < count && node; i++) {
    out.push(node);
    node = reverse ? node.backward : node.forward;
  }
  return out;
}

/** Skips `offset` nodes then takes up to `limit` (negative: all) while `inRange` holds. */
function walkRange(
  first: SkipNode | null,
  reverse: boolean,
  offset: number,
  limit: number,
  inRange: (n: SkipNode) => boolean,
): SkipNode[] {
  const out: SkipNode[] = [];
  let node = first;
  // A negative offset never reaches zero in Redis's `while (offset--)`: nothing is returned.
  if (offset < 0) return out;
  while (node && offset-- > 0) node = reverse ? node.backward : node.forward;
  while (node && limit-- !== 0) {
    if (!inRange(node)) break;
    out.push(node);
    node = reverse ? node.backward : node.forward;
  }
  return out;
}

function nodesByScore(zset: RedisZset, range: ScoreRange, reverse: boolean, offset: number, limit: number): SkipNode[] {
  if (offset > 0 && offset >= zset.size) return [];
  const first = reverse ? zset.lastInScoreRange(range) : zset.firstInScoreRange(range);
  return walkRange(first, reverse, offset, limit, (n) => scoreInRange(n.score, range));
}

/** Like Redis, only the far end of the range stops the walk (members need not be sorted when scores differ). */
function nodesByLex(zset: RedisZset, range: LexRange, reverse: boolean, offset: number, limit: number): SkipNode[] {
  const first = reverse ? zset.lastInLexRange(range) : zset.firstInLexRange(range);
  return walkRange(first, reverse, offset, limit, (n) =>
    reverse ? lexGteMin(n.member, range) : lexLteMax(n.member, range),
  );
}

/** setKey() of a STORE result, or deletion of the destination when the result is empty. */
function storeZsetResult(c: Client, dstkey: string, result: RedisZset, event: string): void {
  if (result.size > 0) {
    c.db.setKey(dstkey, result);
    c.server.signalKeyAsReady(c.db, dstkey);
    c.integer(result.size);
    c.server.notify('z', event, dstkey, c.db.id);
    c.server.dirty++;
  } else {
    c.integer(0);
    if (c.db.delete(dstkey)) {
      c.server.notify('g', 'del', dstkey, c.db.id);
      c.server.dirty++;
    }
  }
}

/**
 * zrangeGenericCommand(): ZRANGE, ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX].
 * `argStart` is the index of the source key; `dstkey` is set for ZRANGESTORE.
 */
function zrangeGeneric(
  c: Client,
  argv: string[],
  argStart: number,
  dstkey: string | undefined,
  rangeType: RangeType,
  direction: Direction,
): void {
  const store = dstkey !== undefined;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let hasLimit = false;
  for (let j = argStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    if (!store && is(argv[j], 'withscores')) {
      withScores = true;
    } else if (is(argv[j], 'limit') && left >= 2) {
      offset = longValue(argv[j + 1]!);
      limit = longValue(argv[j + 2]!);
      hasLimit = true;
      j += 2;
    } else if (direction === 'auto' && is(argv[j], 'rev')) {
      direction = 'reverse';
    } else if (rangeType === 'auto' && is(argv[j], 'bylex')) {
      rangeType = 'lex';
    } else if (rangeType === 'auto' && is(argv[j], 'byscore')) {
      rangeType = 'score';
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  if (direction === 'auto') direction = 'forward';
  if (rangeType === 'auto') rangeType = 'rank';
  // Redis checks opt_limit != -1: "LIMIT 0 -1" passes as no limit.
  if (hasLimit && limit !== -1 && rangeType === 'rank') {
    throw new CommandError('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withScores && rangeType === 'lex') {
    throw new CommandError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  const reverse = direction === 'reverse';
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  if (reverse && rangeType !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx];

  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | undefined;
  let lexRange: LexRange | undefined;
  if (rangeType === 'rank') {
    start = longValue(argv[minIdx]!);
    end = longValue(argv[maxIdx]!);
  } else if (rangeType === 'score') {
    scoreRange = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
  } else {
    lexRange = parseLexRange(argv[minIdx]!, argv[maxIdx]!);
  }

  const source = c.db.lookupRead(argv[argStart]!);
  if (source === undefined) {
    if (store) storeZsetResult(c, dstkey, new RedisZset(), 'zrangestore');
    else c.arrayLen(0);
    return;
  }
  const zset = asZset(source)!;
  let nodes: SkipNode[];
  if (rangeType === 'rank') nodes = nodesByRank(zset, start, end, reverse);
  else if (scoreRange) nodes = nodesByScore(zset, scoreRange, reverse, offset, limit);
  else nodes = nodesByLex(zset, lexRange!, reverse, offset, limit);

  if (store) {
    const limits = zsetLimits(c);
    // zrangeResultBeginStore(): a rank range knows its length up front; the others pass -1.
    const expected = rangeType === 'rank' ? nodes.length : -1;
    const result = new RedisZset(expected <= limits.maxEntries);
    for (const n of nodes) result.set(n.member, n.score, limits);
    storeZsetResult(c, dstkey, result, 'zrangestore');
    return;
  }
  replyScoredLen(c, nodes.length, withScores);
  for (const n of nodes) replyScored(c, n.member, n.score, withScores);
}

type RemRangeType = 'rank' | 'score' | 'lex';

/** zremrangeGenericCommand(). */
function zremrangeGeneric(c: Client, argv: string[], type: RemRangeType): void {
  const key = argv[1]!;
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | undefined;
  let lexRange: LexRange | undefined;
  if (type === 'rank') {
    start = longValue(argv[2]!);
    end = longValue(argv[3]!);
  } else if (type === 'score') {
    scoreRange = parseScoreRange(argv[2]!, argv[3]!);
  } else {
    lexRange = parseLexRange(argv[2]!, argv[3]!);
  }
  const zset = writeZset(c, key);
  if (!zset) {
    c.integer(0);
    return;
  }
  let deleted: number;
  if (type === 'rank') {
    const len = zset.size;
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start > end || start >= len) {
      c.integer(0);
      return;
    }
    if (end >= len) end = len - 1;
    deleted = zset.removeRangeByRank(start, end);
  } else if (scoreRange) {
    deleted = zset.removeRangeByScore(scoreRange);
  } else {
    deleted = zset.removeRangeByLex(lexRange!);
  }
  let keyRemoved = false;
  if (zset.size === 0) {
    c.db.delete(key);
    keyRemoved = true;
  }
  if (deleted > 0) {
    c.db.touch(key);
    c.server.notify('z', `zremrangeby${type}`, key, c.db.id);
    if (keyRemoved) c.server.notify('g', 'del', key, c.db.id);
  }
  c.server.dirty += deleted;
  c.integer(deleted);
}

// ------------------------------------------------------------------ pops

/**
 * genericZpopCommand(): pops from the first existing key of `keys`. `count` -1 is
 * the plain single pop. Returns the key and how many were popped, or undefined
 * when nothing was (the reply is then already written).
 */
function genericZpop(
  c: Client,
  db: Database,
  keys: readonly string[],
  where: Where,
  emitKey: boolean,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): { key: string; popped: number } | undefined {
  let zset: RedisZset | undefined;
  let key = '';
  for (const k of keys) {
    zset = asZset(db.lookupWrite(k));
    if (zset) {
      key = k;
      break;
    }
  }
  if (!zset) {
    if (nilWhenEmpty) c.nullArray();
    else c.arrayLen(0);
    return undefined;
  }
  if (count === 0) {
    c.arrayLen(0);
    return undefined;
  }
  const popped = Math.min(count === -1 ? 1 : count, zset.size);
  if (!nested && !emitKey) {
    c.arrayLen(popped * 2);
  } else if (nested && !emitKey) {
    c.arrayLen(popped);
  } else if (!nested && emitKey) {
    c.arrayLen(popped * 2 + 1);
    c.bulk(key);
  } else {
    c.arrayLen(2);
    c.bulk(key);
    c.arrayLen(popped);
  }
  for (let i = 0; i < popped; i++) {
    const node = where === 'min' ? zset.first()! : zset.last()!;
    const member = node.member;
    const score = node.score;
    zset.remove(member);
    c.server.dirty++;
    if (i === 0) {
      c.server.notify('z', where === 'min' ? 'zpopmin' : 'zpopmax', key, db.id);
      db.touch(key);
    }
    if (nested) c.arrayLen(2);
    c.bulk(member);
    c.double(score);
  }
  deleteIfEmpty(c, db, key, zset);
  return { key, popped };
}

function popCommandName(where: Where): string {
  return where === 'min' ? 'ZPOPMIN' : 'ZPOPMAX';
}

function zpopMinMax(c: Client, argv: string[], where: Where): void {
  if (argv.length > 3) throw new CommandError(ERR_SYNTAX);
  const count = argv.length === 3 ? positiveLongArg(argv[2]!) : -1;
  genericZpop(c, c.db, [argv[1]!], where, false, count, c.resp > 2 && count !== -1, false);
}

/** zmpopGenericCommand()'s argument parsing: numkeys, keys, MIN|MAX, [COUNT n]. */
function parseZmpop(argv: string[], numkeysIdx: number): { keys: string[]; where: Where; count: number } {
  const numkeys = longArg(argv[numkeysIdx]!, 1n, LONG_MAX, 'numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new CommandError(ERR_SYNTAX);
  let where: Where;
  if (is(argv[whereIdx], 'min')) where = 'min';
  else if (is(argv[whereIdx], 'max')) where = 'max';
  else throw new CommandError(ERR_SYNTAX);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'count') && j + 1 < argv.length) {
      count = longArg(argv[++j]!, 1n, LONG_MAX, 'count should be greater than 0');
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return { keys: argv.slice(numkeysIdx + 1, whereIdx), where, count: count === -1 ? 1 : count };
}

/** getTimeoutFromObjectOrReply(UNIT_SECONDS): an absolute deadline in ms, 0 for "forever". */
function timeoutArg(text: string): number {
  const parsed = parseLongDouble(text);
  if (parsed === null) throw new CommandError('ERR timeout is not a float or out of range');
  const seconds =
    typeof parsed === 'number' ? parsed : (parsed.neg ? -1 : 1) * Number(parsed.mantissa) * 2 ** parsed.exp;
  const ms = Math.ceil(seconds * 1000);
  if (!Number.isFinite(ms) || ms >= 2 ** 63 || ms < 0) throw new CommandError('ERR timeout is negative');
  if (ms === 0 || ms > MAX_TIMER_MS) return 0;
  return Date.now() + ms;
}

/**
 * blockingGenericZpopCommand(): pop now from the first non-empty key, else block.
 * `count` is -1 for BZPOPMIN/BZPOPMAX, the COUNT for BZMPOP (nested replies).
 */
function blockingZpop(c: Client, keys: string[], where: Where, timeoutText: string, count: number): void {
  const deadline = timeoutArg(timeoutText);
  const nested = count !== -1;
  for (const key of keys) {
    const zset = asZset(c.db.lookupWrite(key));
    if (!zset || zset.size === 0) continue;
    const result = genericZpop(c, c.db, [key], where, true, count, nested, nested);
    if (result) {
      c.propagateArgv = [
        count === -1 ? [popCommandName(where), key] : [popCommandName(where), key, String(result.popped)],
      ];
    }
    return;
  }
  // CLIENT_DENY_BLOCKING: inside MULTI/EXEC a blocking pop answers as if it timed out.
  if (c.inMulti) {
    c.nullArray();
    return;
  }
  const db = c.db;
  c.block({
    keys,
    db,
    deadline,
    tryServe: (key) => serveBlockedZpop(c, db, key, where, count),
    onTimeout: () => c.nullArray(),
  });
}

/** serveClientsBlockedOnSortedSetKey(). */
function serveBlockedZpop(c: Client, db: Database, key: string, where: Where, count: number): boolean {
  const value = db.lookupWrite(key);
  if (!(value instanceof RedisZset) || value.size === 0) return false;
  const popped = Math.min(count === -1 ? 1 : count, value.size);
  c.server.propagate(db.id, [
    count === -1 ? [popCommandName(where), key] : [popCommandName(where), key, String(popped)],
  ]);
  const nested = count !== -1;
  genericZpop(c, db, [key], where, true, count, nested, nested);
  return true;
}

// ------------------------------------------------------------------ ZUNION / ZINTER / ZDIFF

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

interface OpSource {
  value: RedisZset | RedisSet | undefined;
  weight: number;
}

function sourceSize(src: OpSource): number {
  return src.value?.size ?? 0;
}

/** The score of a member in a source (sets give 1), or undefined. */
function sourceScore(src: OpSource, member: string): number | undefined {
  const v = src.value;
  if (v === undefined) return undefined;
  if (v instanceof RedisZset) return v.score(member);
  return v.has(member) ? 1 : undefined;
}

function* sourceEntries(src: OpSource): Iterable<[string, number]> {
  const v = src.value;
  if (v === undefined) return;
  if (v instanceof RedisZset) {
    yield* v.entries();
  } else {
    for (const m of v.members()) yield [m, 1];
  }
}

/** zunionInterAggregate(). */
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'sum') {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === 'min') return value < target ? value : target;
  return value > target ? value : target;
}

/** zunionInterDiffGenericCommand(). */
function zsetOpGeneric(
  c: Client,
  argv: string[],
  dstkey: string | undefined,
  numkeysIdx: number,
  op: SetOp,
  cardinalityOnly: boolean,
): void {
  const setnumBig = toInt64(argv[numkeysIdx]!);
  if (setnumBig === null) throw new CommandError(ERR_NOT_INTEGER);
  if (setnumBig < 1n) {
    throw new CommandError(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
  }
  if (setnumBig > BigInt(argv.length - (numkeysIdx + 1))) throw new CommandError(ERR_SYNTAX);
  const setnum = Number(setnumBig);
  const sources: OpSource[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const value = c.db.lookupRead(argv[j]!);
    if (value !== undefined && !(value instanceof RedisZset) && !(value instanceof RedisSet)) {
      throw new CommandError(WRONGTYPE);
    }
    sources.push({ value, weight: 1 });
  }
  let how: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    if (op !== 'diff' && !cardinalityOnly && remaining >= setnum + 1 && is(argv[j], 'weights')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        sources[i]!.weight = doubleArg(argv[j]!, 'ERR weight value is not a float');
      }
    } else if (op !== 'diff' && !cardinalityOnly && remaining >= 2 && is(argv[j], 'aggregate')) {
      const name = argv[j + 1]!.toLowerCase();
      if (name !== 'sum' && name !== 'min' && name !== 'max') throw new CommandError(ERR_SYNTAX);
      how = name;
      j += 2;
    } else if (dstkey === undefined && !cardinalityOnly && is(argv[j], 'withscores')) {
      withScores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && is(argv[j], 'limit')) {
      limit = positiveLongArg(argv[j + 1]!, "LIMIT can't be negative");
      j += 2;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  if (op !== 'diff') sources.sort((a, b) => sourceSize(a) - sourceSize(b));

  const result = new RedisZset(false);
  let maxMemberLength = 0;
  let cardinality = 0;
  const first = sources[0]!;
  if (op === 'inter') {
    if (sourceSize(first) > 0) {
      for (const [member, firstScore] of sourceEntries(first)) {
        let score = first.weight * firstScore;
        if (Number.isNaN(score)) score = 0;
        let k = 1;
        for (; k < setnum; k++) {
          const src = sources[k]!;
          const found = src.value === first.value ? firstScore : sourceScore(src, member);
          if (found === undefined) break;
          score = aggregate(score, found * src.weight, how);
        }
        if (k !== setnum) continue;
        if (cardinalityOnly) {
          cardinality++;
          if (limit !== 0 && cardinality >= limit) break;
        } else {
          result.set(member, score);
          if (member.length > maxMemberLength) maxMemberLength = member.length;
        }
      }
    }
  } else if (op === 'union') {
    const accumulator = new Map<string, number>();
    for (const src of sources) {
      for (const [member, rawScore] of sourceEntries(src)) {
        let score = src.weight * rawScore;
        if (Number.isNaN(score)) score = 0;
        const existing = accumulator.get(member);
        if (existing === undefined) {
          accumulator.set(member, score);
          if (member.length > maxMemberLength) maxMemberLength = member.length;
        } else {
          accumulator.set(member, aggregate(existing, score, how));
        }
      }
    }
    for (const [member, score] of accumulator) result.set(member, score);
  } else if (sourceSize(first) > 0 && !sources.some((s, k) => k > 0 && s.value === first.value)) {
    for (const [member, score] of sourceEntries(first)) {
      let excluded = false;
      for (let k = 1; k < setnum && !excluded; k++) excluded = sourceScore(sources[k]!, member) !== undefined;
      if (excluded) continue;
      result.set(member, score);
      if (member.length > maxMemberLength) maxMemberLength = member.length;
    }
  }

  if (dstkey !== undefined) {
    if (result.size > 0) result.convertToListpackIfNeeded(zsetLimits(c), maxMemberLength);
    storeZsetResult(c, dstkey, result, op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore');
    return;
  }
  if (cardinalityOnly) {
    c.integer(cardinality);
    return;
  }
  replyScoredLen(c, result.size, withScores);
  for (const [member, score] of result.entries()) replyScored(c, member, score, withScores);
}

// ------------------------------------------------------------------ ZRANDMEMBER

const ZRANDMEMBER_SUB_STRATEGY_MUL = 3;

function zrandmemberWithCount(c: Client, key: string, l: number, withScores: boolean): void {
  const zset = readZset(c, key);
  if (!zset) {
    c.arrayLen(0);
    return;
  }
  const size = zset.size;
  const unique = l >= 0;
  const count = Math.abs(l);
  if (count === 0) {
    c.arrayLen(0);
    return;
  }
  // CASE 1: repeats allowed (or a single member): sample every time.
  if (!unique || count === 1) {
    replyScoredLen(c, count, withScores);
    for (let i = 0; i < count; i++) {
      const node = zset.randomNode();
      replyScored(c, node.member, node.score, withScores);
      if (c.closed) break;
    }
    return;
  }
  // CASE 2: the whole sorted set.
  if (count >= size) {
    replyScoredLen(c, size, withScores);
    for (const [member, score] of zset.entriesReversed()) replyScored(c, member, score, withScores);
    return;
  }
  replyScoredLen(c, count, withScores);
  // CASE 3: close to the size: drop random members from a copy.
  if (count * ZRANDMEMBER_SUB_STRATEGY_MUL > size) {
    const entries = [...zset.entries()];
    for (let remaining = size; remaining > count; remaining--) {
      const victim = Math.floor(Math.random() * remaining);
      entries[victim] = entries[remaining - 1]!;
    }
    for (let i = 0; i < count; i++) replyScored(c, entries[i]![0], entries[i]![1], withScores);
    return;
  }
  // CASE 4: much smaller than the size: sample until enough distinct members.
  const picked = new Set<string>();
  while (picked.size < count) {
    const node = zset.randomNode();
    if (picked.has(node.member)) continue;
    picked.add(node.member);
    replyScored(c, node.member, node.score, withScores);
  }
}

/**
 * A score as a listpack holds it (d2string, then integer encoding): integral
 * values print as integers, where %.17g would switch to exponent form.
 */
function listpackScoreText(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) <= 2 ** 62) return BigInt(score).toString();
  return formatDouble(score);
}

// ------------------------------------------------------------------ commands

export const zsetCommands: CommandModule = {
  zadd: (c, argv) => zaddGeneric(c, argv, false),
  zincrby: (c, argv) => zaddGeneric(c, argv, true),

  zrem(c, argv) {
    const key = argv[1]!;
    const zset = writeZset(c, key);
    if (!zset) {
      c.integer(0);
      return;
    }
    let deleted = 0;
    let keyRemoved = false;
    for (let j = 2; j < argv.length; j++) {
      if (zset.remove(argv[j]!)) deleted++;
      if (zset.size === 0) {
        c.db.delete(key);
        keyRemoved = true;
        break;
      }
    }
    if (deleted > 0) {
      c.server.notify('z', 'zrem', key, c.db.id);
      if (keyRemoved) c.server.notify('g', 'del', key, c.db.id);
      c.db.touch(key);
      c.server.dirty += deleted;
    }
    c.integer(deleted);
  },

  zcard(c, argv) {
    c.integer(readZset(c, argv[1]!)?.size ?? 0);
  },

  zscore(c, argv) {
    const score = readZset(c, argv[1]!)?.score(argv[2]!);
    if (score === undefined) c.null();
    else c.double(score);
  },

  zmscore(c, argv) {
    const zset = readZset(c, argv[1]!);
    c.arrayLen(argv.length - 2);
    for (let j = 2; j < argv.length; j++) {
      const score = zset?.score(argv[j]!);
      if (score === undefined) c.null();
      else c.double(score);
    }
  },

  zrank(c, argv) {
    const zset = readZset(c, argv[1]!);
    const rank = zset ? zset.rank(argv[2]!) : -1;
    if (rank < 0) c.null();
    else c.integer(rank);
  },

  zrevrank(c, argv) {
    const zset = readZset(c, argv[1]!);
    const rank = zset ? zset.rank(argv[2]!) : -1;
    if (rank < 0) c.null();
    else c.integer(zset!.size - 1 - rank);
  },

  zcount(c, argv) {
    const range = parseScoreRange(argv[2]!, argv[3]!);
    const zset = readZset(c, argv[1]!);
    if (!zset) {
      c.integer(0);
      return;
    }
    const first = zset.firstInScoreRange(range);
    if (!first) {
      c.integer(0);
      return;
    }
    const last = zset.lastInScoreRange(range)!;
    c.integer(zset.rankOf(last) - zset.rankOf(first) + 1);
  },

  zlexcount(c, argv) {
    const range = parseLexRange(argv[2]!, argv[3]!);
    const zset = readZset(c, argv[1]!);
    if (!zset) {
      c.integer(0);
      return;
    }
    c.integer(zset.lexCount(range));
  },

  zrange: (c, argv) => zrangeGeneric(c, argv, 1, undefined, 'auto', 'auto'),
  zrangestore: (c, argv) => zrangeGeneric(c, argv, 2, argv[1]!, 'auto', 'auto'),
  zrevrange: (c, argv) => zrangeGeneric(c, argv, 1, undefined, 'rank', 'reverse'),
  zrangebyscore: (c, argv) => zrangeGeneric(c, argv, 1, undefined, 'score', 'forward'),
  zrevrangebyscore: (c, argv) => zrangeGeneric(c, argv, 1, undefined, 'score', 'reverse'),
  zrangebylex: (c, argv) => zrangeGeneric(c, argv, 1, undefined, 'lex', 'forward'),
  zrevrangebylex: (c, argv) => zrangeGeneric(c, argv, 1, undefined, 'lex', 'reverse'),

  zremrangebyrank: (c, argv) => zremrangeGeneric(c, argv, 'rank'),
  zremrangebyscore: (c, argv) => zremrangeGeneric(c, argv, 'score'),
  zremrangebylex: (c, argv) => zremrangeGeneric(c, argv, 'lex'),

  zpopmin: (c, argv) => zpopMinMax(c, argv, 'min'),
  zpopmax: (c, argv) => zpopMinMax(c, argv, 'max'),

  zmpop(c, argv) {
    const { keys, where, count } = parseZmpop(argv, 1);
    const result = genericZpop(c, c.db, keys, where, true, count, true, true);
    if (result) c.propagateArgv = [[popCommandName(where), result.key, String(result.popped)]];
  },

  bzpopmin: (c, argv) => blockingZpop(c, argv.slice(1, -1), 'min', argv[argv.length - 1]!, -1),
  bzpopmax: (c, argv) => blockingZpop(c, argv.slice(1, -1), 'max', argv[argv.length - 1]!, -1),

  bzmpop(c, argv) {
    const { keys, where, count } = parseZmpop(argv, 2);
    blockingZpop(c, keys, where, argv[1]!, count);
  },

  zunion: (c, argv) => zsetOpGeneric(c, argv, undefined, 1, 'union', false),
  zinter: (c, argv) => zsetOpGeneric(c, argv, undefined, 1, 'inter', false),
  zdiff: (c, argv) => zsetOpGeneric(c, argv, undefined, 1, 'diff', false),
  zunionstore: (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'union', false),
  zinterstore: (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'inter', false),
  zdiffstore: (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'diff', false),
  zintercard: (c, argv) => zsetOpGeneric(c, argv, undefined, 1, 'inter', true),

  zrandmember(c, argv) {
    if (argv.length >= 3) {
      const l = longArg(argv[2]!, -LONG_MAX, LONG_MAX);
      let withScores = false;
      if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withscores'))) {
        throw new CommandError(ERR_SYNTAX);
      } else if (argv.length === 4) {
        withScores = true;
        const big = toInt64(argv[2]!)!;
        if (big < -LONG_MAX / 2n || big > LONG_MAX / 2n) throw new CommandError('ERR value is out of range');
      }
      zrandmemberWithCount(c, argv[1]!, l, withScores);
      return;
    }
    const zset = readZset(c, argv[1]!);
    if (!zset) c.null();
    else c.bulk(zset.randomNode().member);
  },

  zscan(c, argv) {
    const cursor = parseScanCursor(argv[2]!);
    const zset = readZset(c, argv[1]!);
    if (!zset) {
      replyEmptyScan(c);
      return;
    }
    const { count, pattern } = parseScanOptions(argv, 3);
    const out: string[] = [];
    let next = 0;
    if (zset.isListpack) {
      // A listpack is small: Redis returns all of it in one call, cursor 0.
      for (const [member, score] of zset.entries()) {
        if (pattern !== undefined && !globMatch(pattern, member)) continue;
        out.push(member, listpackScoreText(score));
      }
    } else {
      const step = scanStep(zset, () => zset.memberIterator(), cursor, count);
      next = step.cursor;
      for (const member of step.items) {
        const score = zset.score(member);
        if (score === undefined) continue;
        if (pattern !== undefined && !globMatch(pattern, member)) continue;
        out.push(member, formatDouble(score));
      }
    }
    c.arrayLen(2);
    c.bulk(String(next));
    c.bulkArray(out);
  },
};
