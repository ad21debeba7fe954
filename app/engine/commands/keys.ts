/**
 * Generic keyspace commands (db.c): DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME,
 * RENAMENX, MOVE, COPY, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB;
 * the expiry commands (expire.ts) and OBJECT / MEMORY (object.ts) are merged in.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { globMatch } from '../glob.js';
import type { Database } from '../keyspace/db.js';
import { duplicateValue } from '../keyspace/duplicate.js';
import { randomKey } from '../keyspace/random-key.js';
import { parseScanCursor, scanStep } from '../keyspace/scan-cursor.js';
import { typeOf, type RedisValue } from '../keyspace/types.js';
import { CommandError, ERR_DB_INDEX, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, ERR_SYNTAX, intArg, is } from './args.js';
import { expireCommands } from './expire.js';
import { objectCommands } from './object.js';

const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
const INT32_MAX = 2147483647;
const INT32_MIN = -2147483648;

/** getIntFromObjectOrReply(): a 32-bit int, or `error`. */
function int32Arg(text: string, error = ERR_NOT_INTEGER): number {
  const n = intArg(text, error);
  if (n > INT32_MAX || n < INT32_MIN) throw new CommandError(error);
  return n;
}

/** selectDb() on a parsed index: the database or Redis's out-of-range error. */
function dbAt(c: Client, index: number): Database {
  const db = c.server.dbs[index];
  if (index < 0 || !db) throw new CommandError(ERR_DB_INDEX);
  return db;
}

/**
 * dbAdd(): a new key, which wakes clients blocked on it when its type is one they
 * wait for (signalKeyAsReady; the blocked command checks the type itself).
 */
function addKey(c: Client, db: Database, key: string, value: RedisValue): void {
  db.setKey(key, value);
  if (typeof value !== 'string' && (value.type === 'list' || value.type === 'zset')) {
    c.server.signalKeyAsReady(db, key);
  }
}

/**
 * RENAME, MOVE and COPY keep the value object, so a string keeps an encoding that
 * differs from what its bytes suggest (a short "raw" string after APPEND).
 */
function carryStringEncoding(from: Database, fromKey: string, to: Database, toKey: string): void {
  const encoding = from.stringEncodings.get(fromKey);
  if (encoding !== undefined) to.stringEncodings.set(toKey, encoding);
}

/** keyIsExpired() without deleting: KEYS hides expired keys but leaves them alone. */
function isExpired(db: Database, key: string, now: number): boolean {
  const when = db.expires.get(key);
  return when !== undefined && now > when;
}

function deleteGeneric(c: Client, argv: string[]): void {
  const db = c.db;
  const server = c.server;
  let deleted = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j]!;
    db.expireIfNeeded(key);
    if (db.delete(key)) {
      server.notify('g', 'del', key, db.id);
      server.dirty++;
      deleted++;
    }
  }
  c.integer(deleted);
}

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const [, src, dst] = argv as [string, string, string];
  const db = c.db;
  const value = db.lookupWrite(src);
  if (value === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
  if (src === dst) {
    if (nx) c.integer(0);
    else c.ok();
    return;
  }
  const expire = db.getExpire(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.integer(0);
      return;
    }
    db.deleteKey(dst);
  }
  addKey(c, db, dst, value);
  carryStringEncoding(db, src, db, dst);
  if (expire !== -1) db.setExpire(dst, expire);
  db.deleteKey(src);
  db.touch(src);
  db.touch(dst);
  c.server.notify('g', 'rename_from', src, db.id);
  c.server.notify('g', 'rename_to', dst, db.id);
  c.server.dirty++;
  if (nx) c.integer(1);
  else c.ok();
}

/** FLUSHDB / FLUSHALL [ASYNC|SYNC] (getFlushCommandFlags): only the syntax matters here. */
function checkFlushArgs(argv: string[]): void {
  if (argv.length === 1) return;
  if (argv.length === 2 && (is(argv[1], 'sync') || is(argv[1], 'async'))) return;
  throw new CommandError(ERR_SYNTAX);
}

/** Empties one database as emptyData() does: WATCHers of existing keys fail their EXEC. */
function flushDb(c: Client, db: Database): number {
  c.server.touchAllWatched(db);
  return db.clear();
}

/** scanDatabaseForReadyKeys(): after SWAPDB, keys clients wait on may now exist. */
function signalReadyKeys(c: Client, db: Database): void {
  const server = c.server;
  for (const key of [...server.blocking.keysWaited(db)]) {
    if (db.dict.has(key)) server.signalKeyAsReady(db, key);
  }
}

function scan(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[1]!);
  let count = 10;
  let pattern: string | undefined;
  let typeName: string | undefined;
  for (let i = 2; i < argv.length; i += 2) {
    const hasValue = i + 1 < argv.length;
    if (is(argv[i], 'count') && hasValue) {
      count = intArg(argv[i + 1]!);
      if (count < 1) throw new CommandError(ERR_SYNTAX);
    } else if (is(argv[i], 'match') && hasValue) {
      pattern = argv[i + 1] === '*' ? undefined : argv[i + 1]!;
    } else if (is(argv[i], 'type') && hasValue) {
      typeName = argv[i + 1]!.toLowerCase();
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  const db = c.db;
  const dict = db.dict;
  const step = scanStep(dict, () => dict.keys(), cursor, count);
  const keys: string[] = [];
  for (const key of step.items) {
    if (pattern !== undefined && !globMatch(pattern, key)) continue;
    if (typeName !== undefined) {
      const value = db.lookupRead(key);
      const name = value === undefined ? 'none' : typeOf(value);
      if (name !== typeName) continue;
    }
    if (db.expireIfNeeded(key)) continue;
    // A key deleted since the step collected it (lazy expiry of another key cannot
    // do that, but a parked iterator may return keys removed meanwhile).
    if (!dict.has(key)) continue;
    keys.push(key);
  }
  c.arrayLen(2);
  c.bulk(String(step.cursor));
  c.bulkArray(keys);
}

const genericKeyCommands: CommandModule = {
  del(c, argv) {
    deleteGeneric(c, argv);
  },

  unlink(c, argv) {
    deleteGeneric(c, argv);
  },

  exists(c, argv) {
    let count = 0;
    for (let j = 1; j < argv.length; j++) if (c.db.lookupRead(argv[j]!) !== undefined) count++;
    c.integer(count);
  },

  type(c, argv) {
    const value = c.db.lookupRead(argv[1]!);
    c.simple(value === undefined ? 'none' : typeOf(value));
  },

  touch(c, argv) {
    let touched = 0;
    for (let j = 1; j < argv.length; j++) if (c.db.lookupRead(argv[j]!) !== undefined) touched++;
    c.integer(touched);
  },

  rename(c, argv) {
    renameGeneric(c, argv, false);
  },

  renamenx(c, argv) {
    renameGeneric(c, argv, true);
  },

  move(c, argv) {
    const key = argv[1]!;
    const src = c.db;
    const dst = dbAt(c, int32Arg(argv[2]!));
    if (src === dst) throw new CommandError(ERR_SAME_OBJECT);
    const value = src.lookupWrite(key);
    if (value === undefined) {
      c.integer(0);
      return;
    }
    const expire = src.getExpire(key);
    if (dst.lookupWrite(key) !== undefined) {
      c.integer(0);
      return;
    }
    addKey(c, dst, key, value);
    carryStringEncoding(src, key, dst, key);
    if (expire !== -1) dst.setExpire(key, expire);
    src.deleteKey(key);
    src.touch(key);
    c.server.notify('g', 'move_from', key, src.id);
    c.server.notify('g', 'move_to', key, dst.id);
    c.server.dirty++;
    c.integer(1);
  },

  copy(c, argv) {
    const [, key, newKey] = argv as [string, string, string];
    const src = c.db;
    let dst = c.db;
    let replace = false;
    for (let j = 3; j < argv.length; j++) {
      if (is(argv[j], 'replace')) {
        replace = true;
      } else if (is(argv[j], 'db') && j + 1 < argv.length) {
        dst = dbAt(c, int32Arg(argv[j + 1]!));
        j++;
      } else {
        throw new CommandError(ERR_SYNTAX);
      }
    }
    if (src === dst && key === newKey) throw new CommandError(ERR_SAME_OBJECT);
    const value = src.lookupRead(key);
    if (value === undefined) {
      c.integer(0);
      return;
    }
    const expire = src.getExpire(key);
    if (dst.lookupWrite(newKey) !== undefined) {
      if (!replace) {
        c.integer(0);
        return;
      }
      dst.deleteKey(newKey);
    }
    addKey(c, dst, newKey, duplicateValue(value));
    carryStringEncoding(src, key, dst, newKey);
    if (expire !== -1) dst.setExpire(newKey, expire);
    c.server.notify('g', 'copy_to', newKey, dst.id);
    c.server.dirty++;
    c.integer(1);
  },

  keys(c, argv) {
    const pattern = argv[1]!;
    const all = pattern === '*';
    const db = c.db;
    const now = Date.now();
    const matched: string[] = [];
    for (const key of db.dict.keys()) {
      if ((all || globMatch(pattern, key)) && !isExpired(db, key, now)) matched.push(key);
    }
    c.bulkArray(matched);
  },

  scan(c, argv) {
    scan(c, argv);
  },

  randomkey(c) {
    const key = randomKey(c.db, c.server.isReplica());
    if (key === undefined) c.null();
    else c.bulk(key);
  },

  dbsize(c) {
    c.integer(c.db.size);
  },

  flushdb(c, argv) {
    checkFlushArgs(argv);
    c.server.dirty += flushDb(c, c.db);
    // Replicated even when the db was already empty (forceCommandPropagation).
    c.forcePropagation = true;
    c.ok();
  },

  flushall(c, argv) {
    checkFlushArgs(argv);
    let removed = 0;
    for (const db of c.server.dbs) removed += flushDb(c, db);
    // flushAllDataAndResetRDB() (7.0.15): the removed keys, then the RDB reset (a running
    // BGSAVE is killed; with save rules the empty data set is saved, so dirty becomes 0).
    c.server.dirty += removed;
    c.server.persistence.afterFlushAll();
    c.forcePropagation = true;
    c.ok();
  },

  swapdb(c, argv) {
    const first = int32Arg(argv[1]!, 'ERR invalid first DB index');
    const second = int32Arg(argv[2]!, 'ERR invalid second DB index');
    const server = c.server;
    if (first < 0 || first >= server.dbs.length || second < 0 || second >= server.dbs.length) {
      throw new CommandError(ERR_DB_INDEX);
    }
    if (first !== second) {
      const a = server.dbs[first]!;
      const b = server.dbs[second]!;
      server.touchAllWatched(a, b);
      server.touchAllWatched(b, a);
      a.swapContents(b);
      signalReadyKeys(c, a);
      signalReadyKeys(c, b);
    }
    server.dirty++;
    c.ok();
  },
};

export const keyCommands: CommandModule = {
  ...genericKeyCommands,
  ...expireCommands,
  ...objectCommands,
};
