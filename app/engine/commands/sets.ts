/**
 * Set commands (t_set.c): SADD and friends, SPOP/SRANDMEMBER, SMOVE, the
 * SINTER/SUNION/SDIFF family with their STORE and CARD variants, and SSCAN.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { globMatch } from '../glob.js';
import { parseScanCursor, scanStep } from '../keyspace/scan-cursor.js';
import { RedisSet } from '../keyspace/set.js';
import { WRONGTYPE, type RedisValue } from '../keyspace/types.js';
import { CommandError, ERR_NOT_INTEGER, ERR_SYNTAX, is, toInt64 } from './args.js';

const LONG_MAX = 9223372036854775807n;

/**
 * getRangeLongFromObjectOrReply(): an integer within [min, max]. With `message`,
 * both a non-integer and an out-of-range value answer "ERR <message>".
 */
export function longArg(text: string, min: bigint, max: bigint, message?: string): number {
  const n = toInt64(text);
  if (n === null) throw new CommandError(message ? `ERR ${message}` : ERR_NOT_INTEGER);
  if (n < min || n > max) {
    throw new CommandError(
      message ? `ERR ${message}` : `ERR value is out of range, value must between ${min} and ${max}`,
    );
  }
  return Number(n);
}

/** getPositiveLongFromObjectOrReply(). */
export function positiveLongArg(text: string, message?: string): number {
  const n = toInt64(text);
  if (n === null) throw new CommandError(message ? `ERR ${message}` : ERR_NOT_INTEGER);
  if (n < 0n) throw new CommandError(message ? `ERR ${message}` : 'ERR value is out of range, must be positive');
  return Number(n);
}

export interface ScanOptions {
  count: number;
  pattern: string | undefined;
}

/** The COUNT / MATCH options of scanGenericCommand(), starting at argv[from]. */
export function parseScanOptions(argv: string[], from: number): ScanOptions {
  let count = 10;
  let pattern: string | undefined;
  for (let i = from; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (is(argv[i], 'count') && hasValue) {
      const n = toInt64(argv[i + 1]!);
      if (n === null) throw new CommandError(ERR_NOT_INTEGER);
      if (n < 1n) throw new CommandError(ERR_SYNTAX);
      count = n > 1_000_000_000n ? 1_000_000_000 : Number(n);
    } else if (is(argv[i], 'match') && hasValue) {
      pattern = argv[i + 1] === '*' ? undefined : argv[i + 1];
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return { count, pattern };
}

/** shared.emptyscan */
export function replyEmptyScan(c: Client): void {
  c.arrayLen(2);
  c.bulk('0');
  c.arrayLen(0);
}

function asSet(value: RedisValue | undefined): RedisSet | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof RedisSet)) throw new CommandError(WRONGTYPE);
  return value;
}

function readSet(c: Client, key: string): RedisSet | undefined {
  return asSet(c.db.lookupRead(key));
}

function writeSet(c: Client, key: string): RedisSet | undefined {
  return asSet(c.db.lookupWrite(key));
}

function maxIntset(c: Client): number {
  return c.server.config.num('set-max-intset-entries');
}

/** dbDelete() of a destination key, with Redis's bookkeeping (STORE variants with an empty result). */
function deleteDestination(c: Client, key: string): void {
  if (c.db.delete(key)) {
    c.server.dirty++;
    c.server.notify('g', 'del', key, c.db.id);
  }
}

/** Deletes a set that became empty (with the generic del notification). */
function deleteIfEmpty(c: Client, key: string, set: RedisSet): boolean {
  if (set.size !== 0) return false;
  c.db.delete(key);
  c.server.notify('g', 'del', key, c.db.id);
  return true;
}

function replyMembers(c: Client, members: Iterable<string>, size: number): void {
  c.setLen(size);
  for (const m of members) c.bulk(m);
}

// ------------------------------------------------------------------ SPOP / SRANDMEMBER

/** SPOP_MOVE_STRATEGY_MUL */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** SRANDMEMBER_SUB_STRATEGY_MUL */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

function spopWithCount(c: Client, argv: string[]): void {
  const count = positiveLongArg(argv[2]!);
  const key = argv[1]!;
  const set = writeSet(c, key);
  if (!set) {
    c.setLen(0);
    return;
  }
  if (count === 0) {
    c.setLen(0);
    return;
  }
  const size = set.size;
  c.server.notify('s', 'spop', key, c.db.id);
  c.server.dirty += count >= size ? size : count;
  if (count >= size) {
    // CASE 1: the whole set, propagated as DEL.
    replyMembers(c, set.members(), size);
    c.db.delete(key);
    c.server.notify('g', 'del', key, c.db.id);
    c.propagateArgv = [['DEL', key]];
    return;
  }
  c.setLen(count);
  const propagated: string[][] = [];
  const remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // CASE 2: few to pop: pop random members one by one.
    for (let i = 0; i < count; i++) {
      const member = set.popRandom();
      c.bulk(member);
      propagated.push(['SREM', key, member]);
    }
  } else {
    // CASE 3: most of the set goes: keep `remaining` random members in a new set.
    let kept: RedisSet | undefined;
    const limit = maxIntset(c);
    for (let i = 0; i < remaining; i++) {
      const member = set.popRandom();
      kept ??= RedisSet.forFirstMember(member);
      kept.add(member, limit);
    }
    for (const member of set.members()) {
      c.bulk(member);
      propagated.push(['SREM', key, member]);
    }
    c.db.overwriteValue(key, kept!);
  }
  c.propagateArgv = propagated;
  c.db.touch(key);
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = longArg(argv[2]!, -LONG_MAX, LONG_MAX);
  const unique = l >= 0;
  const count = Math.abs(l);
  const set = readSet(c, argv[1]!);
  if (!set || count === 0) {
    c.arrayLen(0);
    return;
  }
  const size = set.size;
  // CASE 1: repeats allowed (or a single member): sample every time.
  if (!unique || count === 1) {
    c.arrayLen(count);
    for (let i = 0; i < count; i++) {
      c.bulk(set.randomMember());
      if (c.closed) break;
    }
    return;
  }
  // CASE 2: the whole set.
  if (count >= size) {
    c.arrayLen(size);
    for (const m of set.members()) c.bulk(m);
    return;
  }
  c.arrayLen(count);
  // CASE 3: close to the size: drop random members from a copy.
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    const members = [...set.members()];
    for (let remaining = size; remaining > count; remaining--) {
      const victim = Math.floor(Math.random() * remaining);
      members[victim] = members[remaining - 1]!;
    }
    for (let i = 0; i < count; i++) c.bulk(members[i]!);
    return;
  }
  // CASE 4: much smaller than the size: sample until enough distinct members.
  const picked = new Set<string>();
  while (picked.size < count) {
    const m = set.randomMember();
    if (picked.has(m)) continue;
    picked.add(m);
    c.bulk(m);
  }
}

// ------------------------------------------------------------------ SINTER family

/** Looks every key up (lookupKeyRead), failing with WRONGTYPE before any work. */
function lookupSets(c: Client, keys: readonly string[]): (RedisSet | undefined)[] {
  const sets: (RedisSet | undefined)[] = [];
  for (const key of keys) sets.push(readSet(c, key));
  return sets;
}

/** Members of the smallest set that every other set contains, stopping at `limit` (0 = all). */
function intersect(sets: RedisSet[], limit: number, onMember: (m: string) => void): number {
  sets.sort((a, b) => a.size - b.size);
  const smallest = sets[0]!;
  let cardinality = 0;
  outer: for (const member of smallest.members()) {
    for (let j = 1; j < sets.length; j++) {
      const other = sets[j]!;
      if (other === smallest) continue;
      if (!other.has(member)) continue outer;
    }
    cardinality++;
    onMember(member);
    if (limit !== 0 && cardinality >= limit) break;
  }
  return cardinality;
}

/** sinterGenericCommand(). `dstkey` for SINTERSTORE; `cardinalityOnly` for SINTERCARD. */
function sinterGeneric(
  c: Client,
  keys: readonly string[],
  dstkey: string | undefined,
  cardinalityOnly: boolean,
  limit: number,
): void {
  const found = lookupSets(c, keys);
  if (found.some((s) => s === undefined)) {
    if (dstkey !== undefined) {
      deleteDestination(c, dstkey);
      c.integer(0);
    } else if (cardinalityOnly) {
      c.integer(0);
    } else {
      c.setLen(0);
    }
    return;
  }
  const sets = found as RedisSet[];
  if (cardinalityOnly) {
    c.integer(intersect(sets, limit, () => undefined));
    return;
  }
  if (dstkey === undefined) {
    const members: string[] = [];
    intersect(sets, 0, (m) => members.push(m));
    replyMembers(c, members, members.length);
    return;
  }
  const result = new RedisSet();
  const maxEntries = maxIntset(c);
  intersect(sets, 0, (m) => result.add(m, maxEntries));
  storeResult(c, dstkey, result, 'sinterstore');
}

/** The end of every STORE variant: set the key, or delete it when the result is empty. */
function storeResult(c: Client, dstkey: string, result: RedisSet, event: string): void {
  if (result.size > 0) {
    c.db.setKey(dstkey, result);
    c.integer(result.size);
    c.server.notify('s', event, dstkey, c.db.id);
    c.server.dirty++;
  } else {
    c.integer(0);
    deleteDestination(c, dstkey);
  }
}

/** sunionDiffGenericCommand(). */
function sunionDiffGeneric(c: Client, keys: readonly string[], dstkey: string | undefined, op: 'union' | 'diff'): void {
  const sets = lookupSets(c, keys);
  const first = sets[0];
  const sameset = first !== undefined && sets.some((s, j) => j > 0 && s === first);
  const maxEntries = maxIntset(c);
  const result = new RedisSet();
  if (op === 'union') {
    for (const set of sets) if (set) for (const m of set.members()) result.add(m, maxEntries);
  } else if (first && !sameset) {
    let algoOneWork = 0;
    let algoTwoWork = 0;
    for (const set of sets) {
      if (!set) continue;
      algoOneWork += first.size;
      algoTwoWork += set.size;
    }
    // Algorithm 1 has better constants when elements are shared: give it an edge.
    algoOneWork = Math.floor(algoOneWork / 2);
    const others = sets.slice(1).filter((s): s is RedisSet => s !== undefined);
    if (algoOneWork <= algoTwoWork) {
      others.sort((a, b) => b.size - a.size);
      for (const m of first.members()) {
        if (!others.some((s) => s.has(m))) result.add(m, maxEntries);
      }
    } else {
      for (const m of first.members()) result.add(m, maxEntries);
      for (const set of others) {
        if (result.size === 0) break;
        for (const m of set.members()) result.remove(m);
      }
    }
  }
  if (dstkey === undefined) {
    replyMembers(c, result.members(), result.size);
    return;
  }
  storeResult(c, dstkey, result, op === 'union' ? 'sunionstore' : 'sdiffstore');
}

// ------------------------------------------------------------------ commands

export const setCommands: CommandModule = {
  sadd(c, argv) {
    const key = argv[1]!;
    let set = writeSet(c, key);
    if (!set) {
      set = RedisSet.forFirstMember(argv[2]!);
      c.db.setKey(key, set);
    }
    const limit = maxIntset(c);
    let added = 0;
    for (let j = 2; j < argv.length; j++) if (set.add(argv[j]!, limit)) added++;
    if (added > 0) {
      c.db.touch(key);
      c.server.notify('s', 'sadd', key, c.db.id);
    }
    c.server.dirty += added;
    c.integer(added);
  },

  srem(c, argv) {
    const key = argv[1]!;
    const set = writeSet(c, key);
    if (!set) {
      c.integer(0);
      return;
    }
    let deleted = 0;
    let keyRemoved = false;
    for (let j = 2; j < argv.length; j++) {
      if (!set.remove(argv[j]!)) continue;
      deleted++;
      if (set.size === 0) {
        c.db.delete(key);
        keyRemoved = true;
        break;
      }
    }
    if (deleted > 0) {
      c.db.touch(key);
      c.server.notify('s', 'srem', key, c.db.id);
      if (keyRemoved) c.server.notify('g', 'del', key, c.db.id);
      c.server.dirty += deleted;
    }
    c.integer(deleted);
  },

  smove(c, argv) {
    const srcKey = argv[1]!;
    const dstKey = argv[2]!;
    const member = argv[3]!;
    const srcValue = c.db.lookupWrite(srcKey);
    const dstValue = c.db.lookupWrite(dstKey);
    if (srcValue === undefined) {
      c.integer(0);
      return;
    }
    const src = asSet(srcValue)!;
    let dst = asSet(dstValue);
    if (src === dst) {
      c.integer(src.has(member) ? 1 : 0);
      return;
    }
    if (!src.remove(member)) {
      c.integer(0);
      return;
    }
    c.server.notify('s', 'srem', srcKey, c.db.id);
    deleteIfEmpty(c, srcKey, src);
    if (!dst) {
      dst = RedisSet.forFirstMember(member);
      c.db.setKey(dstKey, dst);
    }
    c.db.touch(srcKey);
    c.server.dirty++;
    if (dst.add(member, maxIntset(c))) {
      c.server.dirty++;
      c.db.touch(dstKey);
      c.server.notify('s', 'sadd', dstKey, c.db.id);
    }
    c.integer(1);
  },

  sismember(c, argv) {
    c.integer(readSet(c, argv[1]!)?.has(argv[2]!) ? 1 : 0);
  },

  smismember(c, argv) {
    const set = readSet(c, argv[1]!);
    c.arrayLen(argv.length - 2);
    for (let j = 2; j < argv.length; j++) c.integer(set?.has(argv[j]!) ? 1 : 0);
  },

  scard(c, argv) {
    c.integer(readSet(c, argv[1]!)?.size ?? 0);
  },

  smembers(c, argv) {
    const set = readSet(c, argv[1]!);
    if (!set) c.setLen(0);
    else replyMembers(c, set.members(), set.size);
  },

  spop(c, argv) {
    if (argv.length === 3) {
      spopWithCount(c, argv);
      return;
    }
    if (argv.length > 3) throw new CommandError(ERR_SYNTAX);
    const key = argv[1]!;
    const set = writeSet(c, key);
    if (!set) {
      c.null();
      return;
    }
    const member = set.popRandom();
    c.server.notify('s', 'spop', key, c.db.id);
    c.propagateArgv = [['SREM', key, member]];
    c.bulk(member);
    deleteIfEmpty(c, key, set);
    c.db.touch(key);
    c.server.dirty++;
  },

  srandmember(c, argv) {
    if (argv.length === 3) {
      srandmemberWithCount(c, argv);
      return;
    }
    if (argv.length > 3) throw new CommandError(ERR_SYNTAX);
    const set = readSet(c, argv[1]!);
    if (!set) c.null();
    else c.bulk(set.randomMember());
  },

  sinter: (c, argv) => sinterGeneric(c, argv.slice(1), undefined, false, 0),
  sinterstore: (c, argv) => sinterGeneric(c, argv.slice(2), argv[1]!, false, 0),

  sintercard(c, argv) {
    const numkeys = longArg(argv[1]!, 1n, LONG_MAX, 'numkeys should be greater than 0');
    if (numkeys > argv.length - 2) throw new CommandError("ERR Number of keys can't be greater than number of args");
    let limit = 0;
    for (let j = 2 + numkeys; j < argv.length; j++) {
      if (is(argv[j], 'limit') && j + 1 < argv.length) {
        limit = positiveLongArg(argv[++j]!, "LIMIT can't be negative");
      } else {
        throw new CommandError(ERR_SYNTAX);
      }
    }
    sinterGeneric(c, argv.slice(2, 2 + numkeys), undefined, true, limit);
  },

  sunion: (c, argv) => sunionDiffGeneric(c, argv.slice(1), undefined, 'union'),
  sunionstore: (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1]!, 'union'),
  sdiff: (c, argv) => sunionDiffGeneric(c, argv.slice(1), undefined, 'diff'),
  sdiffstore: (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1]!, 'diff'),

  sscan(c, argv) {
    const cursor = parseScanCursor(argv[2]!);
    const set = readSet(c, argv[1]!);
    if (!set) {
      replyEmptyScan(c);
      return;
    }
    const { count, pattern } = parseScanOptions(argv, 3);
    let members: Iterable<string>;
    let next = 0;
    if (set.isIntset) {
      // An intset is small: Redis returns all of it in one call, cursor 0.
      members = set.members();
    } else {
      const step = scanStep(set, () => set.memberIterator(), cursor, count);
      members = step.items;
      next = step.cursor;
    }
    const out: string[] = [];
    for (const m of members) {
      if (pattern !== undefined && !globMatch(pattern, m)) continue;
      out.push(m);
    }
    c.arrayLen(2);
    c.bulk(String(next));
    c.bulkArray(out);
  },
};
