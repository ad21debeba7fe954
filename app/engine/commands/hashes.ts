/** Hash commands (t_hash.c): HSET and friends, HINCRBY(FLOAT), HRANDFIELD, HSCAN. */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { globMatch } from '../glob.js';
import { RedisHash, type HashLimits } from '../keyspace/hash.js';
import { scanStep } from '../keyspace/scan-cursor.js';
import { WRONGTYPE } from '../keyspace/types.js';
import { CommandError, ERR_NOT_INTEGER, ERR_SYNTAX, intArg, is, toInt64 } from './args.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from './long-double.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function readHash(c: Client, key: string): RedisHash | undefined {
  const value = c.db.lookupRead(key);
  if (value === undefined) return undefined;
  if (!(value instanceof RedisHash)) throw new CommandError(WRONGTYPE);
  return value;
}

function writeHash(c: Client, key: string): RedisHash | undefined {
  const value = c.db.lookupWrite(key);
  if (value === undefined) return undefined;
  if (!(value instanceof RedisHash)) throw new CommandError(WRONGTYPE);
  return value;
}

/** hashTypeLookupWriteOrCreate(). */
function writeOrCreateHash(c: Client, key: string): RedisHash {
  const existing = writeHash(c, key);
  if (existing) return existing;
  const hash = new RedisHash();
  c.db.setKey(key, hash);
  return hash;
}

/** The listpack thresholds, read per command so CONFIG SET applies at once. */
export function hashLimits(c: Client): HashLimits {
  const config = c.server.config;
  return { maxEntries: config.num('hash-max-listpack-entries'), maxValue: config.num('hash-max-listpack-value') };
}

/** hashTypeTryConversion(): any argument longer than the value limit converts up front. */
function tryConversion(hash: RedisHash, argv: string[], from: number, limits: HashLimits): void {
  if (!hash.isListpack) return;
  for (let i = from; i < argv.length; i++) {
    if (argv[i]!.length > limits.maxValue) {
      hash.convertToHashtable();
      return;
    }
  }
}

function modified(c: Client, key: string, event: string, changes: number): void {
  c.db.touch(key);
  c.server.notify('h', event, key, c.db.id);
  c.server.dirty += changes;
}

function hsetGeneric(c: Client, argv: string[], replyCount: boolean): void {
  if (argv.length % 2 === 1) {
    c.error(`ERR wrong number of arguments for '${argv[0]!.toLowerCase()}' command`);
    return;
  }
  const key = argv[1]!;
  const hash = writeOrCreateHash(c, key);
  const limits = hashLimits(c);
  tryConversion(hash, argv, 2, limits);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (hash.set(argv[i]!, argv[i + 1]!, limits)) created++;
  if (replyCount) c.integer(created);
  else c.ok();
  modified(c, key, 'hset', (argv.length - 2) / 2);
}

export const hashCommands: CommandModule = {
  hset: (c, argv) => hsetGeneric(c, argv, true),
  hmset: (c, argv) => hsetGeneric(c, argv, false),

  hsetnx(c, argv) {
    const key = argv[1]!;
    const hash = writeOrCreateHash(c, key);
    if (hash.has(argv[2]!)) {
      c.integer(0);
      return;
    }
    const limits = hashLimits(c);
    tryConversion(hash, argv, 2, limits);
    hash.set(argv[2]!, argv[3]!, limits);
    c.integer(1);
    modified(c, key, 'hset', 1);
  },

  hget(c, argv) {
    const value = readHash(c, argv[1]!)?.get(argv[2]!);
    if (value === undefined) c.null();
    else c.bulk(value);
  },

  hmget(c, argv) {
    const hash = readHash(c, argv[1]!);
    c.arrayLen(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const value = hash?.get(argv[i]!);
      if (value === undefined) c.null();
      else c.bulk(value);
    }
  },

  hdel(c, argv) {
    const key = argv[1]!;
    const hash = writeHash(c, key);
    if (!hash) {
      c.integer(0);
      return;
    }
    let deleted = 0;
    let keyRemoved = false;
    for (let j = 2; j < argv.length; j++) {
      if (!hash.delete(argv[j]!)) continue;
      deleted++;
      if (hash.size === 0) {
        c.db.delete(key);
        keyRemoved = true;
        break;
      }
    }
    if (deleted > 0) {
      modified(c, key, 'hdel', deleted);
      if (keyRemoved) c.server.notify('g', 'del', key, c.db.id);
    }
    c.integer(deleted);
  },

  hlen(c, argv) {
    c.integer(readHash(c, argv[1]!)?.size ?? 0);
  },

  hstrlen(c, argv) {
    c.integer(readHash(c, argv[1]!)?.get(argv[2]!)?.length ?? 0);
  },

  hexists(c, argv) {
    c.integer(readHash(c, argv[1]!)?.has(argv[2]!) ? 1 : 0);
  },

  hkeys(c, argv) {
    const hash = readHash(c, argv[1]!);
    if (!hash) {
      c.arrayLen(0);
      return;
    }
    c.arrayLen(hash.size);
    for (const field of hash.keys()) c.bulk(field);
  },

  hvals(c, argv) {
    const hash = readHash(c, argv[1]!);
    if (!hash) {
      c.arrayLen(0);
      return;
    }
    c.arrayLen(hash.size);
    for (const [, value] of hash.entries()) c.bulk(value);
  },

  hgetall(c, argv) {
    const hash = readHash(c, argv[1]!);
    if (!hash) {
      c.mapLen(0);
      return;
    }
    c.mapLen(hash.size);
    for (const [field, value] of hash.entries()) {
      c.bulk(field);
      c.bulk(value);
    }
  },

  hincrby(c, argv) {
    const incr = toInt64(argv[3]!);
    if (incr === null) throw new CommandError(ERR_NOT_INTEGER);
    const key = argv[1]!;
    const field = argv[2]!;
    const hash = writeOrCreateHash(c, key);
    const current = hash.get(field);
    let value = 0n;
    if (current !== undefined) {
      const parsed = toInt64(current);
      if (parsed === null) throw new CommandError('ERR hash value is not an integer');
      value = parsed;
    }
    const result = value + incr;
    if (result > INT64_MAX || result < INT64_MIN) {
      throw new CommandError('ERR increment or decrement would overflow');
    }
    const text = String(result);
    hash.set(field, text, hashLimits(c));
    c.integer(result);
    modified(c, key, 'hincrby', 1);
  },

  hincrbyfloat(c, argv) {
    const incr = parseLongDouble(argv[3]!);
    if (incr === null) throw new CommandError('ERR value is not a valid float');
    if (typeof incr === 'number') throw new CommandError('ERR value is NaN or Infinity');
    const key = argv[1]!;
    const field = argv[2]!;
    const hash = writeOrCreateHash(c, key);
    const current = hash.get(field);
    let result = incr;
    if (current !== undefined) {
      const value = parseLongDouble(current);
      if (value === null) throw new CommandError('ERR hash value is not a float');
      const sum = typeof value === 'number' ? null : addLongDouble(value, incr);
      if (sum === null) throw new CommandError('ERR increment would produce NaN or Infinity');
      result = sum;
    }
    const text = formatLongDoubleHuman(result);
    hash.set(field, text, hashLimits(c));
    c.bulk(text);
    modified(c, key, 'hincrbyfloat', 1);
    // Replicated as HSET with the final value so replicas never redo float math.
    c.propagateArgv = [['HSET', key, field, text]];
  },

  hrandfield(c, argv) {
    if (argv.length >= 3) {
      const count = toInt64(argv[2]!);
      if (count === null) throw new CommandError(ERR_NOT_INTEGER);
      if (count < -INT64_MAX) {
        throw new CommandError(
          'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
        );
      }
      let withValues = false;
      if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'withvalues'))) {
        throw new CommandError(ERR_SYNTAX);
      } else if (argv.length === 4) {
        withValues = true;
        if (count < -INT64_MAX / 2n || count > INT64_MAX / 2n) throw new CommandError('ERR value is out of range');
      }
      randomFieldsWithCount(c, argv[1]!, count, withValues);
      return;
    }
    const hash = readHash(c, argv[1]!);
    if (!hash) {
      c.null();
      return;
    }
    c.bulk(hash.randomEntry()[0]);
  },

  hscan(c, argv) {
    const cursor = parseScanCursor(argv[2]!);
    const hash = readHash(c, argv[1]!);
    if (!hash) {
      c.arrayLen(2);
      c.bulk('0');
      c.arrayLen(0);
      return;
    }
    let count = 10;
    let pattern: string | undefined;
    for (let i = 3; i < argv.length; i += 2) {
      const hasValue = i + 1 < argv.length;
      if (is(argv[i], 'count') && hasValue) {
        count = intArg(argv[i + 1]!);
        if (count < 1) throw new CommandError(ERR_SYNTAX);
      } else if (is(argv[i], 'match') && hasValue) {
        pattern = argv[i + 1]! === '*' ? undefined : argv[i + 1]!;
      } else {
        throw new CommandError(ERR_SYNTAX);
      }
    }
    let fields: string[];
    let next: number;
    if (hash.isListpack) {
      // A listpack is small: Redis returns all of it in one call, cursor 0.
      fields = [...hash.keys()];
      next = 0;
    } else {
      const step = scanStep(hash, () => hash.fieldIterator(), cursor, count);
      fields = step.items;
      next = step.cursor;
    }
    const out: string[] = [];
    for (const field of fields) {
      const value = hash.get(field);
      if (value === undefined) continue;
      if (pattern !== undefined && !globMatch(pattern, field)) continue;
      out.push(field, value);
    }
    c.arrayLen(2);
    c.bulk(String(next));
    c.bulkArray(out);
  },
};

/** parseScanCursorOrReply(): strtoul() semantics. */
function parseScanCursor(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new CommandError('ERR invalid cursor');
  const n = BigInt(text);
  if (n > 18446744073709551615n || n < -18446744073709551615n) throw new CommandError('ERR invalid cursor');
  const cursor = Number(n < 0n ? (1n << 64n) + n : n);
  return cursor;
}

/** hrandfieldWithCountCommand(). */
function randomFieldsWithCount(c: Client, key: string, count64: bigint, withValues: boolean): void {
  const hash = readHash(c, key);
  if (!hash) {
    c.arrayLen(0);
    return;
  }
  const size = hash.size;
  const unique = count64 >= 0n;
  const count = Number(unique ? count64 : -count64);
  if (count === 0) {
    c.arrayLen(0);
    return;
  }
  const pairs = withValues && c.resp > 2;
  const replyLen = (n: number) => c.arrayLen(withValues && c.resp === 2 ? n * 2 : n);
  const emit = (field: string, value: string) => {
    if (pairs) c.arrayLen(2);
    c.bulk(field);
    if (withValues) c.bulk(value);
  };
  // CASE 1: negative count (repeats allowed) or a single element.
  if (!unique || count === 1) {
    replyLen(count);
    for (let i = 0; i < count; i++) {
      const [field, value] = hash.randomEntry();
      emit(field, value);
      if (c.closed) break;
    }
    return;
  }
  // CASE 2: the whole hash.
  if (count >= size) {
    replyLen(size);
    for (const [field, value] of hash.entries()) emit(field, value);
    return;
  }
  replyLen(count);
  // CASE 3: close to the size: drop random fields from a copy.
  if (count * 3 > size) {
    const fields = [...hash.keys()];
    for (let remaining = size; remaining > count; remaining--) {
      const victim = Math.floor(Math.random() * remaining);
      fields[victim] = fields[remaining - 1]!;
    }
    fields.length = count;
    for (const field of fields) emit(field, hash.get(field)!);
    return;
  }
  // CASE 4: much smaller than the size: sample until enough distinct fields.
  const picked = new Set<string>();
  while (picked.size < count) {
    const [field, value] = hash.randomEntry();
    if (picked.has(field)) continue;
    picked.add(field);
    emit(field, value);
  }
}
