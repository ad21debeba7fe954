/**
 * String commands (t_string.c): GET/SET and their variants, counters, ranges,
 * MGET/MSET and LCS. Values are byte strings; see keyspace/string-encoding.ts for
 * how OBJECT ENCODING of the values written here is derived.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import type { Database } from '../keyspace/db.js';
import { markNotIntEncoded, markRaw } from '../keyspace/string-encoding.js';
import { WRONGTYPE } from '../keyspace/types.js';
import { CommandError, ERR_NOT_INTEGER, ERR_SYNTAX, intArg, toInt, toInt64 } from './args.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, type LongDouble } from './long-double.js';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
/** Up to this many seconds, seconds * 1000 + now stays an exact JS number. */
const SAFE_EXPIRE_INPUT = 2 ** 43;

// parseExtendedStringArgumentsOrReply() flags.
const NX = 1 << 0;
const XX = 1 << 1;
const EX = 1 << 2;
const PX = 1 << 3;
const KEEPTTL = 1 << 4;
const GET = 1 << 5;
const EXAT = 1 << 6;
const PXAT = 1 << 7;
const PERSIST = 1 << 8;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

type Mode = 'set' | 'get';

interface StringOptions {
  flags: number;
  /** The EX/PX/EXAT/PXAT argument, if one was given. */
  expire: string | undefined;
}

/** lookupKeyRead + checkType(OBJ_STRING). */
export function readString(db: Database, key: string): string | undefined {
  const value = db.lookupRead(key);
  if (value !== undefined && typeof value !== 'string') throw new CommandError(WRONGTYPE);
  return value;
}

/** lookupKeyWrite + checkType(OBJ_STRING). */
export function writableString(db: Database, key: string): string | undefined {
  const value = db.lookupWrite(key);
  if (value !== undefined && typeof value !== 'string') throw new CommandError(WRONGTYPE);
  return value;
}

const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
/** V8's maximum string length (String::kMaxLength on 64-bit), a little under 512MB. */
export const MAX_JS_STRING = 2 ** 29 - 24;

/**
 * checkStringLength(): growing a string past proto-max-bulk-len fails, except for
 * our master. A JS string also cannot reach the default 512MB limit itself.
 */
export function checkStringLength(c: Client, size: number, append: number): void {
  const total = size + append;
  if ((!c.isMaster && total > c.server.config.num('proto-max-bulk-len')) || total > MAX_JS_STRING) {
    throw new CommandError(ERR_STRING_TOO_LONG);
  }
}

/** parseExtendedStringArgumentsOrReply(): the same option may repeat; conflicting ones are a syntax error. */
function parseStringOptions(argv: readonly string[], mode: Mode): StringOptions {
  let flags = 0;
  let expire: string | undefined;
  for (let j = mode === 'get' ? 2 : 3; j < argv.length; j++) {
    const arg = argv[j]!;
    const opt = arg.length <= 7 ? arg.toLowerCase() : '';
    const hasNext = j < argv.length - 1;
    if (opt === 'nx' && !(flags & XX) && mode === 'set') {
      flags |= NX;
    } else if (opt === 'xx' && !(flags & NX) && mode === 'set') {
      flags |= XX;
    } else if (opt === 'get' && mode === 'set') {
      flags |= GET;
    } else if (opt === 'keepttl' && !(flags & (PERSIST | ANY_EXPIRE)) && mode === 'set') {
      flags |= KEEPTTL;
    } else if (opt === 'persist' && mode === 'get' && !(flags & (ANY_EXPIRE | KEEPTTL))) {
      flags |= PERSIST;
    } else if (opt === 'ex' && !(flags & (KEEPTTL | PERSIST | EXAT | PX | PXAT)) && hasNext) {
      flags |= EX;
      expire = argv[++j];
    } else if (opt === 'px' && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT)) && hasNext) {
      flags |= PX;
      expire = argv[++j];
    } else if (opt === 'exat' && !(flags & (KEEPTTL | PERSIST | EX | PX | PXAT)) && hasNext) {
      flags |= EXAT;
      expire = argv[++j];
    } else if (opt === 'pxat' && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PX)) && hasNext) {
      flags |= PXAT;
      expire = argv[++j];
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return { flags, expire };
}

/** An absolute expire time: the number to store and its exact decimal text to propagate. */
interface AbsoluteExpire {
  ms: number;
  text: string;
}

/**
 * getExpireMillisecondsOrReply(): the absolute time in ms for an EX/PX/EXAT/PXAT
 * argument. Zero, negative and overflowing times are refused with Redis's text,
 * which names the command (`invalid expire time in 'set' command`).
 */
function absoluteExpire(text: string, flags: number, commandName: string): AbsoluteExpire {
  const n = toInt(text);
  if (n === null) throw new CommandError(ERR_NOT_INTEGER);
  const invalid = `ERR invalid expire time in '${commandName}' command`;
  if (n <= 0) throw new CommandError(invalid);
  const seconds = (flags & (EX | EXAT)) !== 0;
  const relative = (flags & (EX | PX)) !== 0;
  if (n < SAFE_EXPIRE_INPUT) {
    let ms = seconds ? n * 1000 : n;
    if (relative) ms += Date.now();
    return { ms, text: String(ms) };
  }
  // Large values: exact int64 arithmetic, as the C code does before its overflow checks.
  let ms = BigInt(text);
  if (seconds && ms > LLONG_MAX / 1000n) throw new CommandError(invalid);
  if (seconds) ms *= 1000n;
  if (relative) ms += BigInt(Date.now());
  if (ms > LLONG_MAX) throw new CommandError(invalid);
  return { ms: Number(ms), text: String(ms) };
}

/** getGenericCommand(): replies with the value or nil; WRONGTYPE is thrown. */
function replyGet(c: Client, key: string): void {
  const value = readString(c.db, key);
  if (value === undefined) c.null();
  else c.bulk(value);
}

type SetReply = 'ok' | 'one';

/** setGenericCommand(): SET with its options, SETNX, SETEX, PSETEX. */
function setGeneric(
  c: Client,
  argv: readonly string[],
  commandName: string,
  flags: number,
  key: string,
  value: string,
  expireText: string | undefined,
  reply: SetReply,
): void {
  const expire = expireText === undefined ? undefined : absoluteExpire(expireText, flags, commandName);
  if (flags & GET) replyGet(c, key);
  const db = c.db;
  const found = db.lookupWrite(key) !== undefined;
  if ((flags & NX && found) || (flags & XX && !found)) {
    if (!(flags & GET)) {
      if (reply === 'one') c.integer(0);
      else c.null();
    }
    return;
  }
  db.setKey(key, value, (flags & KEEPTTL) !== 0);
  const server = c.server;
  server.dirty++;
  server.notify('$', 'set', key, db.id);
  if (expire) {
    db.setExpire(key, expire.ms);
    // Replicas get an absolute time, whatever form the client used.
    c.propagateArgv = [['SET', key, value, 'PXAT', expire.text]];
    server.notify('g', 'expire', key, db.id);
  }
  if (!(flags & GET)) {
    if (reply === 'one') c.integer(1);
    else c.ok();
  } else if (!expire) {
    // Replicas must not see GET (they would reply to nobody, and it may fail on WRONGTYPE).
    c.propagateArgv = [argv.filter((arg, j) => j < 3 || arg.length !== 3 || arg.toLowerCase() !== 'get')];
  }
}

/**
 * A canonical int64 (string2ll): a JS number when exact, else a bigint; null when
 * the text is not one. Short inputs are checked without a regex or BigInt.
 */
export function parseInt64(text: string): number | bigint | null {
  const len = text.length;
  if (len === 0 || len > 15) {
    if (len === 0) return null;
    const big = toInt64(text);
    if (big === null) return null;
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  }
  let i = 0;
  let negative = false;
  if (text.charCodeAt(0) === 45 /* - */) {
    if (len === 1) return null;
    negative = true;
    i = 1;
  }
  const first = text.charCodeAt(i);
  if (first === 48 /* 0 */) return len === 1 ? 0 : null;
  let n = 0;
  for (; i < len; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

function int64Arg(text: string): number | bigint {
  const n = parseInt64(text);
  if (n === null) throw new CommandError(ERR_NOT_INTEGER);
  return n;
}

/** incrDecrCommand(): exact int64 arithmetic, refusing to overflow. */
function incrDecr(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const current = writableString(db, key);
  let value: number | bigint = 0;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === null) throw new CommandError(ERR_NOT_INTEGER);
    value = parsed;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const big = BigInt(value) + BigInt(incr);
    if (big > LLONG_MAX || big < LLONG_MIN) throw new CommandError('ERR increment or decrement would overflow');
    result = big;
  }
  // An existing key keeps its TTL (dbOverwrite); the new value is int-encoded.
  db.setKey(key, String(result), true);
  const server = c.server;
  server.notify('$', 'incrby', key, db.id);
  server.dirty++;
  c.integer(result);
}

const LONG_DOUBLE_ZERO: LongDouble = { neg: false, mantissa: 0n, exp: 0 };

function incrByFloat(c: Client, argv: readonly string[]): void {
  const key = argv[1]!;
  const db = c.db;
  const current = writableString(db, key);
  const value = current === undefined ? LONG_DOUBLE_ZERO : parseLongDouble(current);
  const incr = parseLongDouble(argv[2]!);
  if (value === null || incr === null) throw new CommandError('ERR value is not a valid float');
  // parseLongDouble() gives infinities as plain numbers; any sum with one is refused.
  const sum = typeof value === 'number' || typeof incr === 'number' ? null : addLongDouble(value, incr);
  if (sum === null) throw new CommandError('ERR increment would produce NaN or Infinity');
  const text = formatLongDoubleHuman(sum);
  db.setKey(key, text, true);
  markNotIntEncoded(db, key, text);
  c.server.notify('$', 'incrbyfloat', key, db.id);
  c.server.dirty++;
  c.bulk(text);
  // The result, not the increment, is replicated: float formatting may differ elsewhere.
  c.propagateArgv = [['SET', key, text, 'KEEPTTL']];
}

function getrange(c: Client, argv: readonly string[]): void {
  let start = intArg(argv[2]!);
  let end = intArg(argv[3]!);
  const value = readString(c.db, argv[1]!);
  if (value === undefined) {
    c.bulk('');
    return;
  }
  const len = value.length;
  if (start < 0 && end < 0 && start > end) {
    c.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.bulk('');
  else c.bulk(value.slice(start, end + 1));
}

function msetGeneric(c: Client, argv: readonly string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    throw new CommandError(`ERR wrong number of arguments for '${nx ? 'msetnx' : 'mset'}' command`);
  }
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (db.lookupWrite(argv[j]!) !== undefined) {
        c.integer(0);
        return;
      }
    }
  }
  const server = c.server;
  for (let j = 1; j < argv.length; j += 2) {
    const key = argv[j]!;
    db.setKey(key, argv[j + 1]!);
    server.notify('$', 'set', key, db.id);
  }
  server.dirty += (argv.length - 1) / 2;
  if (nx) c.integer(1);
  else c.ok();
}

function setrange(c: Client, argv: readonly string[]): void {
  const key = argv[1]!;
  const offset = intArg(argv[2]!);
  const patch = argv[3]!;
  if (offset < 0) throw new CommandError('ERR offset is out of range');
  const db = c.db;
  const current = writableString(db, key);
  if (current === undefined) {
    if (patch.length === 0) {
      c.integer(0);
      return;
    }
    checkStringLength(c, offset, patch.length);
  } else {
    if (patch.length === 0) {
      c.integer(current.length);
      return;
    }
    checkStringLength(c, offset, patch.length);
  }
  const updated = overwriteBytes(current ?? '', offset, patch);
  // A new key has no TTL anyway; an existing one keeps it.
  db.setKey(key, updated, true);
  markRaw(db, key, updated);
  c.server.notify('$', 'setrange', key, db.id);
  c.server.dirty++;
  c.integer(updated.length);
}

/** `base` with `patch` written at `offset`, zero-padded as sdsgrowzero() does. */
export function overwriteBytes(base: string, offset: number, patch: string): string {
  const end = offset + patch.length;
  if (offset > base.length) return base + '\0'.repeat(offset - base.length) + patch;
  return base.slice(0, offset) + patch + (end < base.length ? base.slice(end) : '');
}

function append(c: Client, argv: readonly string[]): void {
  const key = argv[1]!;
  const suffix = argv[2]!;
  const db = c.db;
  const current = writableString(db, key);
  let total: number;
  if (current === undefined) {
    db.setKey(key, suffix);
    total = suffix.length;
  } else {
    checkStringLength(c, current.length, suffix.length);
    const updated = current + suffix;
    db.setKey(key, updated, true);
    markRaw(db, key, updated);
    total = updated.length;
  }
  c.server.notify('$', 'append', key, db.id);
  c.server.dirty++;
  c.integer(total);
}

function getex(c: Client, argv: readonly string[]): void {
  const { flags, expire: expireText } = parseStringOptions(argv, 'get');
  const key = argv[1]!;
  const db = c.db;
  const value = readString(db, key);
  if (value === undefined) {
    c.null();
    return;
  }
  const expire = expireText === undefined ? undefined : absoluteExpire(expireText, flags, 'getex');
  c.bulk(value);
  const server = c.server;
  if (expire && (flags & (PXAT | EXAT)) !== 0 && expire.ms <= Date.now() && !server.isReplica()) {
    // checkAlreadyExpired(): a time in the past deletes the key.
    db.delete(key);
    const lazy = server.config.bool('lazyfree-lazy-expire');
    c.propagateArgv = [[lazy ? 'UNLINK' : 'DEL', key]];
    server.notify('g', 'del', key, db.id);
    server.dirty++;
  } else if (expire) {
    db.setExpire(key, expire.ms);
    c.propagateArgv = [['PEXPIREAT', key, expire.text]];
    db.touch(key);
    server.notify('g', 'expire', key, db.id);
    server.dirty++;
  } else if (flags & PERSIST) {
    if (db.removeExpire(key)) {
      db.touch(key);
      c.propagateArgv = [['PERSIST', key]];
      server.notify('g', 'persist', key, db.id);
      server.dirty++;
    }
  }
}

function getdel(c: Client, argv: readonly string[]): void {
  const key = argv[1]!;
  replyGet(c, key);
  const db = c.db;
  if (db.delete(key)) {
    const server = c.server;
    c.propagateArgv = [[server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key]];
    server.notify('g', 'del', key, db.id);
    server.dirty++;
  }
}

function lcs(c: Client, argv: readonly string[]): void {
  const db = c.db;
  const storedA = db.lookupRead(argv[1]!);
  const storedB = db.lookupRead(argv[2]!);
  if (
    (storedA !== undefined && typeof storedA !== 'string') ||
    (storedB !== undefined && typeof storedB !== 'string')
  ) {
    throw new CommandError('ERR The specified keys must contain string values');
  }
  const a = storedA ?? '';
  const b = storedB ?? '';
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toLowerCase();
    const moreArgs = argv.length - 1 - j;
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && moreArgs > 0) {
      minMatchLen = Math.max(0, intArg(argv[++j]!));
    } else throw new CommandError(ERR_SYNTAX);
  }
  if (getLen && getIdx) {
    throw new CommandError('ERR If you want both the length and indexes, please just use IDX.');
  }
  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.config.num('proto-max-bulk-len')) {
    throw new CommandError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  const stride = blen + 1;
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    throw new CommandError('ERR Insufficient memory, failed allocating transient memory for LCS');
  }
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * stride;
    const prev = row - stride;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * stride + blen]!;
  if (getLen) {
    c.integer(total);
    return;
  }
  // Walk back from the end, building the LCS and the matching ranges (latest first).
  const chars: string[] = new Array<string>(total);
  const ranges: number[][] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = alen; // alen means "no range open"
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a[i - 1]!;
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const up = table[(i - 1) * stride + j]!;
      const left = table[i * stride + j - 1]!;
      if (up > left) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push([aStart, aEnd, bStart, bEnd, matchLen]);
      aStart = alen;
    }
  }
  if (!getIdx) {
    c.bulk(chars.join(''));
    return;
  }
  c.mapLen(2);
  c.bulk('matches');
  c.arrayLen(ranges.length);
  for (const [as, ae, bs, be, len] of ranges) {
    c.arrayLen(withMatchLen ? 3 : 2);
    c.arrayLen(2);
    c.integer(as!);
    c.integer(ae!);
    c.arrayLen(2);
    c.integer(bs!);
    c.integer(be!);
    if (withMatchLen) c.integer(len!);
  }
  c.bulk('len');
  c.integer(total);
}

export const stringCommands: CommandModule = {
  get(c, argv) {
    const value = c.db.lookupRead(argv[1]!);
    if (value === undefined) c.null();
    else if (typeof value === 'string') c.bulk(value);
    else c.error(WRONGTYPE);
  },

  set(c, argv) {
    const key = argv[1]!;
    if (argv.length === 3) {
      // The common case, without option parsing.
      const db = c.db;
      db.lookupWrite(key);
      db.setKey(key, argv[2]!);
      c.server.dirty++;
      c.server.notify('$', 'set', key, db.id);
      c.ok();
      return;
    }
    const { flags, expire } = parseStringOptions(argv, 'set');
    setGeneric(c, argv, 'set', flags, key, argv[2]!, expire, 'ok');
  },

  setnx(c, argv) {
    setGeneric(c, argv, 'setnx', NX, argv[1]!, argv[2]!, undefined, 'one');
  },

  setex(c, argv) {
    setGeneric(c, argv, 'setex', EX, argv[1]!, argv[3]!, argv[2]!, 'ok');
  },

  psetex(c, argv) {
    setGeneric(c, argv, 'psetex', PX, argv[1]!, argv[3]!, argv[2]!, 'ok');
  },

  getset(c, argv) {
    const key = argv[1]!;
    replyGet(c, key);
    const db = c.db;
    db.setKey(key, argv[2]!);
    c.server.notify('$', 'set', key, db.id);
    c.server.dirty++;
    c.propagateArgv = [['SET', key, argv[2]!]];
  },

  getdel: getdel,
  getex: getex,
  append: append,

  strlen(c, argv) {
    const value = readString(c.db, argv[1]!);
    c.integer(value === undefined ? 0 : value.length);
  },

  incr(c, argv) {
    incrDecr(c, argv[1]!, 1);
  },

  decr(c, argv) {
    incrDecr(c, argv[1]!, -1);
  },

  incrby(c, argv) {
    incrDecr(c, argv[1]!, int64Arg(argv[2]!));
  },

  decrby(c, argv) {
    const incr = int64Arg(argv[2]!);
    if (incr === LLONG_MIN) throw new CommandError('ERR decrement would overflow');
    incrDecr(c, argv[1]!, -incr);
  },

  incrbyfloat: incrByFloat,

  mget(c, argv) {
    const db = c.db;
    c.arrayLen(argv.length - 1);
    for (let j = 1; j < argv.length; j++) {
      const value = db.lookupRead(argv[j]!);
      if (typeof value === 'string') c.bulk(value);
      else c.null();
    }
  },

  mset(c, argv) {
    msetGeneric(c, argv, false);
  },

  msetnx(c, argv) {
    msetGeneric(c, argv, true);
  },

  setrange: setrange,
  getrange: getrange,
  substr: getrange,
  lcs: lcs,
};
