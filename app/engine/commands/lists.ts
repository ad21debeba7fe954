/**
 * List commands (t_list.c) and their blocking variants (blocked.c): pushes, pops,
 * ranges, LPOS, LMOVE, LMPOP and BLPOP/BRPOP/BRPOPLPUSH/BLMOVE/BLMPOP.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import type { Database } from '../keyspace/db.js';
import { RedisList } from '../keyspace/list.js';
import { WRONGTYPE } from '../keyspace/types.js';
import {
  CommandError,
  ERR_NO_SUCH_KEY,
  ERR_NOT_INTEGER,
  ERR_OUT_OF_RANGE,
  ERR_SYNTAX,
  intArg,
  is,
  toInt,
  toInt64,
} from './args.js';
import { parseLongDouble } from './long-double.js';

const ERR_MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
/** setTimeout() cannot wait longer than this; longer timeouts block until served. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** LPOS RANK -9223372036854775808 (LONG_MIN), kept apart from its rounded neighbours. */
const LONG_MIN_RANK = Number.NEGATIVE_INFINITY;

type End = 'left' | 'right';

function isList(value: unknown): value is RedisList {
  return value instanceof RedisList;
}

/** lookupKeyRead + checkType(OBJ_LIST). */
function readList(c: Client, key: string): RedisList | undefined {
  const value = c.db.lookupRead(key);
  if (value === undefined) return undefined;
  if (!isList(value)) throw new CommandError(WRONGTYPE);
  return value;
}

/** lookupKeyWrite + checkType(OBJ_LIST). */
function writeList(db: Database, key: string): RedisList | undefined {
  const value = db.lookupWrite(key);
  if (value === undefined) return undefined;
  if (!isList(value)) throw new CommandError(WRONGTYPE);
  return value;
}

/** getRangeLongFromObjectOrReply(min..LONG_MAX) with a custom message for both failures. */
function rangeArg(text: string, min: number, error: string): number {
  const n = toInt(text);
  if (n === null || n < min) throw new CommandError(error);
  return n;
}

function endArg(text: string): End {
  if (is(text, 'left')) return 'left';
  if (is(text, 'right')) return 'right';
  throw new CommandError(ERR_SYNTAX);
}

/**
 * getTimeoutFromObjectOrReply(UNIT_SECONDS): an absolute deadline in ms, 0 for
 * "forever". A value the C cast to long long would overflow becomes LLONG_MIN in
 * Redis, hence "negative".
 */
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

function push(list: RedisList, end: End, value: string): void {
  if (end === 'left') list.pushHead(value);
  else list.pushTail(value);
}

function pop(list: RedisList, end: End): string {
  return (end === 'left' ? list.popHead() : list.popTail())!;
}

/** Creates the list for a push (dbAdd): a new list key wakes clients blocked on it. */
function createList(c: Client, db: Database, key: string): RedisList {
  const list = new RedisList();
  db.setKey(key, list);
  c.server.signalKeyAsReady(db, key);
  return list;
}

/** listElementsRemoved(): notifications, deletion of an emptied list, dirty. */
function elementsRemoved(c: Client, db: Database, key: string, end: End, list: RedisList, count: number): void {
  c.server.notify('l', end === 'left' ? 'lpop' : 'rpop', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    c.server.notify('g', 'del', key, db.id);
  } else {
    db.touch(key);
  }
  c.server.dirty += count;
}

/** addListRangeReply(): inclusive start..end with negative indexes, optionally reversed. */
function replyRange(c: Client, list: RedisList, start: number, end: number, reverse: boolean): void {
  const len = list.length;
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) {
    c.arrayLen(0);
    return;
  }
  if (end >= len) end = len - 1;
  c.arrayLen(end - start + 1);
  if (reverse) for (let i = end; i >= start; i--) c.bulk(list.at(i)!);
  else for (let i = start; i <= end; i++) c.bulk(list.at(i)!);
}

/** Pops up to `count` elements from one end, replying with them in pop order. */
function popRangeReply(c: Client, list: RedisList, end: End, count: number): number {
  const n = Math.min(count, list.length);
  if (end === 'left') {
    replyRange(c, list, 0, n - 1, false);
    list.trim(n, 0);
  } else {
    replyRange(c, list, -n, -1, true);
    list.trim(0, n);
  }
  return n;
}

/** listPopRangeAndReplyWithKey(): [key, [elements...]] then the removal bookkeeping. */
function popRangeWithKey(c: Client, db: Database, key: string, list: RedisList, end: End, count: number): void {
  c.arrayLen(2);
  c.bulk(key);
  const n = popRangeReply(c, list, end, count);
  elementsRemoved(c, db, key, end, list, n);
}

function popCommandName(end: End): string {
  return end === 'left' ? 'LPOP' : 'RPOP';
}

// ------------------------------------------------------------------ push / pop

function pushGeneric(c: Client, argv: string[], end: End, onlyIfExists: boolean): void {
  const key = argv[1]!;
  let list = writeList(c.db, key);
  if (!list) {
    if (onlyIfExists) {
      c.integer(0);
      return;
    }
    list = createList(c, c.db, key);
  }
  for (let j = 2; j < argv.length; j++) push(list, end, argv[j]!);
  c.server.dirty += argv.length - 2;
  c.integer(list.length);
  c.db.touch(key);
  c.server.notify('l', end === 'left' ? 'lpush' : 'rpush', key, c.db.id);
}

function popGeneric(c: Client, argv: string[], end: End): void {
  if (argv.length > 3) {
    c.error(`ERR wrong number of arguments for '${argv[0]!.toLowerCase()}' command`);
    return;
  }
  const hasCount = argv.length === 3;
  const count = hasCount ? rangeArg(argv[2]!, 0, ERR_MUST_BE_POSITIVE) : 0;
  const key = argv[1]!;
  const list = writeList(c.db, key);
  if (!list) {
    if (hasCount) c.nullArray();
    else c.null();
    return;
  }
  if (hasCount && count === 0) {
    c.arrayLen(0);
    return;
  }
  if (!hasCount) {
    c.bulk(pop(list, end));
    elementsRemoved(c, c.db, key, end, list, 1);
    return;
  }
  const n = popRangeReply(c, list, end, count);
  elementsRemoved(c, c.db, key, end, list, n);
}

/**
 * mpopGenericCommand(): pops from the first non-empty list of `keys`. Returns
 * false (having replied nothing) when every key is missing.
 */
function mpopFirstNonEmpty(c: Client, keys: string[], end: End, count: number): boolean {
  for (const key of keys) {
    const list = writeList(c.db, key);
    if (!list || list.length === 0) continue;
    const n = Math.min(count, list.length);
    popRangeWithKey(c, c.db, key, list, end, count);
    c.propagateArgv = [[popCommandName(end), key, String(n)]];
    return true;
  }
  return false;
}

// ------------------------------------------------------------------ LMOVE

/** lmoveHandlePush(): push onto the destination (creating it) and reply with the value. */
function movePush(c: Client, db: Database, dstKey: string, dst: RedisList | undefined, value: string, to: End): void {
  const list = dst ?? createList(c, db, dstKey);
  db.touch(dstKey);
  push(list, to, value);
  c.server.notify('l', to === 'left' ? 'lpush' : 'rpush', dstKey, db.id);
  c.bulk(value);
}

/** The pop side of a move, after the push: notification, deletion when emptied. */
function moveSourceDone(c: Client, db: Database, srcKey: string, src: RedisList, from: End): void {
  c.server.notify('l', from === 'left' ? 'lpop' : 'rpop', srcKey, db.id);
  if (src.length === 0) {
    db.delete(srcKey);
    c.server.notify('g', 'del', srcKey, db.id);
  } else {
    db.touch(srcKey);
  }
}

/** lmoveGenericCommand(). Returns false when the source is missing (nothing replied). */
function moveGeneric(c: Client, srcKey: string, dstKey: string, from: End, to: End): boolean {
  const src = writeList(c.db, srcKey);
  if (!src || src.length === 0) return false;
  const dst = writeList(c.db, dstKey);
  const value = pop(src, from);
  movePush(c, c.db, dstKey, dst, value, to);
  moveSourceDone(c, c.db, srcKey, src, from);
  c.server.dirty++;
  return true;
}

// ------------------------------------------------------------------ blocking

/**
 * blockingPopGenericCommand(): serve at once from the first non-empty key, else
 * block (or, where blocking is denied as inside MULTI, answer a null array).
 * `count` is -1 for BLPOP/BRPOP (a [key, value] reply) or the BLMPOP count.
 */
function blockingPop(c: Client, keys: string[], end: End, timeoutText: string, count: number): void {
  const deadline = timeoutArg(timeoutText);
  for (const key of keys) {
    const list = writeList(c.db, key);
    if (!list || list.length === 0) continue;
    if (count !== -1) {
      const n = Math.min(count, list.length);
      popRangeWithKey(c, c.db, key, list, end, count);
      c.propagateArgv = [[popCommandName(end), key, String(n)]];
      return;
    }
    const value = pop(list, end);
    c.arrayLen(2);
    c.bulk(key);
    c.bulk(value);
    elementsRemoved(c, c.db, key, end, list, 1);
    c.propagateArgv = [[popCommandName(end), key]];
    return;
  }
  if (blockingDenied(c)) {
    c.nullArray();
    return;
  }
  const db = c.db;
  c.block({
    keys,
    db,
    deadline,
    tryServe: (key) => serveBlockedPop(c, db, key, end, count),
    onTimeout: () => c.nullArray(),
  });
}

/** serveClientBlockedOnList() for BLPOP/BRPOP/BLMPOP. */
function serveBlockedPop(c: Client, db: Database, key: string, end: End, count: number): boolean {
  const list = db.lookupWrite(key);
  if (!isList(list) || list.length === 0) return false;
  const server = c.server;
  if (count !== -1) {
    server.propagate(db.id, [[popCommandName(end), key, String(Math.min(count, list.length))]]);
    popRangeWithKey(c, db, key, list, end, count);
    return true;
  }
  server.propagate(db.id, [[popCommandName(end), key]]);
  const value = pop(list, end);
  c.arrayLen(2);
  c.bulk(key);
  c.bulk(value);
  server.notify('l', end === 'left' ? 'lpop' : 'rpop', key, db.id);
  if (list.length === 0) {
    db.delete(key);
    server.notify('g', 'del', key, db.id);
  }
  return true;
}

/** blmoveGenericCommand(): LMOVE now, or block on the source. */
function blockingMove(c: Client, argv: string[], from: End, to: End, deadline: number, asRpoplpush: boolean): void {
  const srcKey = argv[1]!;
  const dstKey = argv[2]!;
  const src = writeList(c.db, srcKey);
  if (src && src.length > 0) {
    moveGeneric(c, srcKey, dstKey, from, to);
    c.propagateArgv = [asRpoplpush ? ['RPOPLPUSH', srcKey, dstKey] : ['LMOVE', srcKey, dstKey, argv[3]!, argv[4]!]];
    return;
  }
  if (blockingDenied(c)) {
    c.null();
    return;
  }
  const db = c.db;
  c.block({
    keys: [srcKey],
    db,
    deadline,
    tryServe: (key) => serveBlockedMove(c, db, key, dstKey, from, to, asRpoplpush),
    onTimeout: () => c.nullArray(),
  });
}

/** serveClientBlockedOnList() for BLMOVE/BRPOPLPUSH. */
function serveBlockedMove(
  c: Client,
  db: Database,
  srcKey: string,
  dstKey: string,
  from: End,
  to: End,
  asRpoplpush: boolean,
): boolean {
  const src = db.lookupWrite(srcKey);
  if (!isList(src) || src.length === 0) return false;
  const dst = db.lookupWrite(dstKey);
  if (dst !== undefined && !isList(dst)) {
    c.error(WRONGTYPE);
    return true;
  }
  const value = pop(src, from);
  movePush(c, db, dstKey, dst, value, to);
  c.server.propagate(db.id, [
    asRpoplpush ? ['RPOPLPUSH', srcKey, dstKey] : ['LMOVE', srcKey, dstKey, from.toUpperCase(), to.toUpperCase()],
  ]);
  c.server.notify('l', from === 'left' ? 'lpop' : 'rpop', srcKey, db.id);
  if (src.length === 0) {
    db.delete(srcKey);
    c.server.notify('g', 'del', srcKey, db.id);
  }
  return true;
}

/**
 * CLIENT_DENY_BLOCKING: inside MULTI/EXEC (EXEC keeps inMulti set while the queue
 * runs) a blocking command answers as if it timed out at once.
 */
function blockingDenied(c: Client): boolean {
  return c.inMulti;
}

/** lmpopGenericCommand(): numkeys, keys, LEFT|RIGHT, [COUNT n]. */
function parseMpop(argv: string[], numkeysIndex: number): { keys: string[]; end: End; count: number } {
  const numkeys = rangeArg(argv[numkeysIndex]!, 1, 'ERR numkeys should be greater than 0');
  const whereIndex = numkeysIndex + numkeys + 1;
  if (whereIndex >= argv.length) throw new CommandError(ERR_SYNTAX);
  const end = endArg(argv[whereIndex]!);
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && is(argv[j], 'count') && j + 1 < argv.length) {
      count = rangeArg(argv[++j]!, 1, 'ERR count should be greater than 0');
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return { keys: argv.slice(numkeysIndex + 1, whereIndex), end, count: count === -1 ? 1 : count };
}

export const listCommands: CommandModule = {
  lpush: (c, argv) => pushGeneric(c, argv, 'left', false),
  rpush: (c, argv) => pushGeneric(c, argv, 'right', false),
  lpushx: (c, argv) => pushGeneric(c, argv, 'left', true),
  rpushx: (c, argv) => pushGeneric(c, argv, 'right', true),
  lpop: (c, argv) => popGeneric(c, argv, 'left'),
  rpop: (c, argv) => popGeneric(c, argv, 'right'),

  llen(c, argv) {
    c.integer(readList(c, argv[1]!)?.length ?? 0);
  },

  lindex(c, argv) {
    const list = readList(c, argv[1]!);
    if (!list) {
      c.null();
      return;
    }
    let index = intArg(argv[2]!);
    if (index < 0) index += list.length;
    const value = list.at(index);
    if (value === undefined) c.null();
    else c.bulk(value);
  },

  lset(c, argv) {
    const key = argv[1]!;
    const list = writeList(c.db, key);
    if (!list) throw new CommandError(ERR_NO_SUCH_KEY);
    let index = intArg(argv[2]!);
    if (index < 0) index += list.length;
    if (index < 0 || index >= list.length) throw new CommandError(ERR_OUT_OF_RANGE);
    list.set(index, argv[3]!);
    c.ok();
    c.db.touch(key);
    c.server.notify('l', 'lset', key, c.db.id);
    c.server.dirty++;
  },

  lrange(c, argv) {
    const start = intArg(argv[2]!);
    const end = intArg(argv[3]!);
    const list = readList(c, argv[1]!);
    if (!list) c.arrayLen(0);
    else replyRange(c, list, start, end, false);
  },

  ltrim(c, argv) {
    let start = intArg(argv[2]!);
    let end = intArg(argv[3]!);
    const key = argv[1]!;
    const list = writeList(c.db, key);
    if (!list) {
      c.ok();
      return;
    }
    const len = list.length;
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    let fromHead: number;
    let fromTail: number;
    if (start > end || start >= len) {
      fromHead = len;
      fromTail = 0;
    } else {
      if (end >= len) end = len - 1;
      fromHead = start;
      fromTail = len - end - 1;
    }
    list.trim(fromHead, fromTail);
    c.server.notify('l', 'ltrim', key, c.db.id);
    if (list.length === 0) {
      c.db.delete(key);
      c.server.notify('g', 'del', key, c.db.id);
    } else {
      c.db.touch(key);
    }
    c.server.dirty += fromHead + fromTail;
    c.ok();
  },

  lpos(c, argv) {
    const element = argv[2]!;
    let rank = 1;
    let count = -1;
    let maxlen = 0;
    for (let j = 3; j < argv.length; j++) {
      const more = j + 1 < argv.length;
      if (is(argv[j], 'rank') && more) {
        const exact = toInt64(argv[++j]!);
        if (exact === null) throw new CommandError(ERR_NOT_INTEGER);
        // C's -LONG_MIN overflows back to LONG_MIN, a rank every match satisfies.
        rank = exact === -(2n ** 63n) ? LONG_MIN_RANK : Number(exact);
        if (rank === 0) {
          throw new CommandError(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... " +
              'or use negative to start from the end of the list',
          );
        }
      } else if (is(argv[j], 'count') && more) {
        count = rangeArg(argv[++j]!, 0, "ERR COUNT can't be negative");
      } else if (is(argv[j], 'maxlen') && more) {
        maxlen = rangeArg(argv[++j]!, 0, "ERR MAXLEN can't be negative");
      } else {
        throw new CommandError(ERR_SYNTAX);
      }
    }
    const fromTail = rank < 0;
    if (rank === LONG_MIN_RANK) rank = 1;
    else if (fromTail) rank = -rank;
    const list = readList(c, argv[1]!);
    if (!list) {
      if (count !== -1) c.arrayLen(0);
      else c.null();
      return;
    }
    const len = list.length;
    const matches: number[] = [];
    let seen = 0;
    for (let k = 0; k < len && (maxlen === 0 || k < maxlen); k++) {
      const i = fromTail ? len - 1 - k : k;
      if (list.at(i) !== element) continue;
      seen++;
      if (seen < rank) continue;
      matches.push(i);
      if (count === -1 || (count !== 0 && matches.length >= count)) break;
    }
    if (count !== -1) {
      c.arrayLen(matches.length);
      for (const m of matches) c.integer(m);
    } else if (matches.length > 0) {
      c.integer(matches[0]!);
    } else {
      c.null();
    }
  },

  lrem(c, argv) {
    const toRemove = intArg(argv[2]!);
    const key = argv[1]!;
    const list = writeList(c.db, key);
    if (!list) {
      c.integer(0);
      return;
    }
    const removed = list.removeMatching(argv[3]!, Math.abs(toRemove), toRemove < 0);
    c.server.dirty += removed;
    if (removed > 0) {
      c.db.touch(key);
      c.server.notify('l', 'lrem', key, c.db.id);
    }
    if (list.length === 0) {
      c.db.delete(key);
      c.server.notify('g', 'del', key, c.db.id);
    }
    c.integer(removed);
  },

  linsert(c, argv) {
    let after: boolean;
    if (is(argv[2], 'after')) after = true;
    else if (is(argv[2], 'before')) after = false;
    else throw new CommandError(ERR_SYNTAX);
    const key = argv[1]!;
    const list = writeList(c.db, key);
    if (!list) {
      c.integer(0);
      return;
    }
    const pivot = list.indexOf(argv[3]!);
    if (pivot === -1) {
      c.integer(-1);
      return;
    }
    list.insertAt(after ? pivot + 1 : pivot, argv[4]!);
    c.db.touch(key);
    c.server.notify('l', 'linsert', key, c.db.id);
    c.server.dirty++;
    c.integer(list.length);
  },

  rpoplpush(c, argv) {
    if (!moveGeneric(c, argv[1]!, argv[2]!, 'right', 'left')) c.null();
  },

  lmove(c, argv) {
    const from = endArg(argv[3]!);
    const to = endArg(argv[4]!);
    if (!moveGeneric(c, argv[1]!, argv[2]!, from, to)) c.null();
  },

  lmpop(c, argv) {
    const { keys, end, count } = parseMpop(argv, 1);
    if (!mpopFirstNonEmpty(c, keys, end, count)) c.nullArray();
  },

  blpop: (c, argv) => blockingPop(c, argv.slice(1, -1), 'left', argv[argv.length - 1]!, -1),
  brpop: (c, argv) => blockingPop(c, argv.slice(1, -1), 'right', argv[argv.length - 1]!, -1),

  blmpop(c, argv) {
    const { keys, end, count } = parseMpop(argv, 2);
    blockingPop(c, keys, end, argv[1]!, count);
  },

  brpoplpush(c, argv) {
    const deadline = timeoutArg(argv[3]!);
    blockingMove(c, argv, 'right', 'left', deadline, true);
  },

  blmove(c, argv) {
    const from = endArg(argv[3]!);
    const to = endArg(argv[4]!);
    const deadline = timeoutArg(argv[5]!);
    blockingMove(c, argv, from, to, deadline, false);
  },
};
