/**
 * Key expiry commands (expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with
 * NX/XX/GT/LT, TTL, PTTL, EXPIRETIME, PEXPIRETIME and PERSIST.
 *
 * Every TTL reaches replicas as an absolute PEXPIREAT (Redis 7.0), so a replica
 * never keeps a key longer than its master because of replication lag; a time in
 * the past deletes the key and is propagated as DEL (UNLINK with lazyfree-lazy-expire).
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { CommandError, ERR_NOT_INTEGER, toInt, toInt64 } from './args.js';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** parseExtendedExpireArgumentsOrReply(). */
function parseExpireFlags(argv: readonly string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    if (option === 'nx') flags |= EXPIRE_NX;
    else if (option === 'xx') flags |= EXPIRE_XX;
    else if (option === 'gt') flags |= EXPIRE_GT;
    else if (option === 'lt') flags |= EXPIRE_LT;
    else throw new CommandError(`ERR Unsupported option ${argv[j]}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new CommandError('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    throw new CommandError('ERR GT and LT options at the same time are not compatible');
  }
  return flags;
}

/** Does an existing TTL (`current`, -1 for none) allow setting `when` under these flags? */
function flagsAllow(flags: number, current: number, when: number): boolean {
  if (flags & EXPIRE_NX && current !== -1) return false;
  if (flags & EXPIRE_XX && current === -1) return false;
  // GT treats "no TTL" as infinite: nothing is greater. LT treats it as infinite too.
  if (flags & EXPIRE_GT && (current === -1 || when <= current)) return false;
  if (flags & EXPIRE_LT && current !== -1 && when >= current) return false;
  return true;
}

/** Below this magnitude the millisecond arithmetic is exact in doubles (no BigInt needed). */
const SAFE_INPUT = 2 ** 42;

/**
 * The absolute expire time in ms: as a number (kept in the expires table) and as
 * exact decimal text (propagated in PEXPIREAT). Redis's int64 overflow checks apply.
 */
function absoluteTime(argv: readonly string[], baseMs: number, seconds: boolean): { ms: number; text: string } {
  const text = argv[2]!;
  const small = toInt(text);
  if (small !== null && Math.abs(small) < SAFE_INPUT) {
    const ms = (seconds ? small * 1000 : small) + baseMs;
    return { ms, text: String(ms) };
  }
  const parsed = toInt64(text);
  if (parsed === null) throw new CommandError(ERR_NOT_INTEGER);
  const invalid = `ERR invalid expire time in '${argv[0]!.toLowerCase()}' command`;
  let when = parsed;
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) throw new CommandError(invalid);
    when *= 1000n;
  }
  const base = BigInt(baseMs);
  if (when > LLONG_MAX - base) throw new CommandError(invalid);
  when += base;
  return { ms: Number(when), text: when.toString() };
}

/** expireGenericCommand(): `baseMs` is now for relative forms, 0 for absolute ones. */
function expireGeneric(c: Client, argv: string[], baseMs: number, seconds: boolean): void {
  const key = argv[1]!;
  const flags = parseExpireFlags(argv);
  const when = absoluteTime(argv, baseMs, seconds);

  const db = c.db;
  if (db.lookupWrite(key) === undefined) {
    c.integer(0);
    return;
  }
  if (flags !== 0 && !flagsAllow(flags, db.getExpire(key), when.ms)) {
    c.integer(0);
    return;
  }
  const server = c.server;
  // checkAlreadyExpired(): a replica keeps the key and waits for its master's DEL.
  if (when.ms <= Date.now() && !server.isReplica()) {
    db.delete(key);
    server.dirty++;
    c.propagateArgv = [[server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]];
    server.notify('g', 'del', key, db.id);
    c.integer(1);
    return;
  }
  db.setExpire(key, when.ms);
  db.touch(key);
  c.integer(1);
  c.propagateArgv = [['PEXPIREAT', key, when.text, ...argv.slice(3)]];
  server.notify('g', 'expire', key, db.id);
  server.dirty++;
}

/** ttlGenericCommand(): TTL, PTTL, EXPIRETIME, PEXPIRETIME. */
function ttlGeneric(c: Client, key: string, milliseconds: boolean, absolute: boolean): void {
  if (c.db.lookupRead(key) === undefined) {
    c.integer(-2);
    return;
  }
  const expire = c.db.getExpire(key);
  if (expire === -1) {
    c.integer(-1);
    return;
  }
  const ttl = Math.max(0, absolute ? expire : expire - Date.now());
  c.integer(milliseconds ? ttl : Math.floor((ttl + 500) / 1000));
}

export const expireCommands: CommandModule = {
  expire(c, argv) {
    expireGeneric(c, argv, Date.now(), true);
  },
  pexpire(c, argv) {
    expireGeneric(c, argv, Date.now(), false);
  },
  expireat(c, argv) {
    expireGeneric(c, argv, 0, true);
  },
  pexpireat(c, argv) {
    expireGeneric(c, argv, 0, false);
  },
  ttl(c, argv) {
    ttlGeneric(c, argv[1]!, false, false);
  },
  pttl(c, argv) {
    ttlGeneric(c, argv[1]!, true, false);
  },
  expiretime(c, argv) {
    ttlGeneric(c, argv[1]!, false, true);
  },
  pexpiretime(c, argv) {
    ttlGeneric(c, argv[1]!, true, true);
  },
  persist(c, argv) {
    const key = argv[1]!;
    const db = c.db;
    if (db.lookupWrite(key) === undefined || !db.removeExpire(key)) {
      c.integer(0);
      return;
    }
    db.touch(key);
    c.server.notify('g', 'persist', key, db.id);
    c.integer(1);
    c.server.dirty++;
  },
};
