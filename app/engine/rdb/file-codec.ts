/**
 * Whole RDB files (rdbSaveRio / rdbLoadRioWithLoadingCtx): header, aux fields,
 * SELECTDB + RESIZEDB per non-empty db, key/value pairs with their expiry, EOF
 * and the CRC64 trailer. Decoding builds complete new dictionaries first and
 * only hands them over once the whole file (checksum included) has been read.
 */
import { ShardedMap } from '../keyspace/sharded-map.js';
import type { RedisValue } from '../keyspace/types.js';
import { RdbFormatError } from './byte-codec.js';
import * as C from './constants.js';
import { Crc64 } from './crc64.js';
import { isObjectType, type LoadLimits, RdbReader, RdbTruncatedError, readObject } from './reader.js';
import { readFunction, writeFunctions } from './functions-payload.js';
import { objectTypeCode, RdbWriter, writeObject } from './writer.js';

export interface AuxFields {
  redisVer: string;
  ctime: number;
  usedMem: number;
  /** Present when the file is for a replica (rdbSaveInfo): repl-stream-db, repl-id, repl-offset. */
  repl?: { streamDb: number; replId: string; replOffset: number };
  aofBase: boolean;
  /** Function libraries' code, saved after the aux fields as RDB_OPCODE_FUNCTION2 records. */
  functions?: readonly string[];
}

/** The view of one database the encoder needs. */
export interface DbView {
  id: number;
  dict: ReadonlyMap<string, RedisValue> | Iterable<readonly [string, RedisValue]>;
  size: number;
  expires: ReadonlyMap<string, number>;
}

export function writeHeader(w: RdbWriter, aux: AuxFields): void {
  w.rawLatin1(`REDIS${String(C.RDB_VERSION).padStart(4, '0')}`);
  const field = (key: string, value: string): void => {
    w.byte(C.RDB_OPCODE_AUX);
    w.string(key);
    w.string(value);
  };
  field('redis-ver', aux.redisVer);
  field('redis-bits', '64');
  field('ctime', String(aux.ctime));
  field('used-mem', String(aux.usedMem));
  if (aux.repl) {
    field('repl-stream-db', String(aux.repl.streamDb));
    field('repl-id', aux.repl.replId);
    field('repl-offset', String(aux.repl.replOffset));
  }
  field('aof-base', aux.aofBase ? '1' : '0');
  if (aux.functions) writeFunctions(w, aux.functions);
}

export function writeDbHeader(w: RdbWriter, id: number, size: number, expiresSize: number): void {
  w.byte(C.RDB_OPCODE_SELECTDB);
  w.len(id);
  w.byte(C.RDB_OPCODE_RESIZEDB);
  w.len(size);
  w.len(expiresSize);
}

/** rdbSaveKeyValuePair() without LRU/LFU hints (this engine tracks neither). */
export function writeKeyValue(w: RdbWriter, key: string, value: RedisValue, expireAt: number | undefined): void {
  if (expireAt !== undefined) {
    w.byte(C.RDB_OPCODE_EXPIRETIME_MS);
    w.millis(expireAt);
  }
  w.byte(objectTypeCode(value));
  w.string(key);
  writeObject(w, value);
}

/** A complete RDB file in one go (replication snapshots, SAVE, DEBUG RELOAD). */
export function encodeRdbFile(w: RdbWriter, aux: AuxFields, dbs: readonly DbView[], checksum: boolean): Buffer {
  writeHeader(w, aux);
  for (const db of dbs) {
    if (db.size === 0) continue;
    writeDbHeader(w, db.id, db.size, db.expires.size);
    for (const [key, value] of db.dict) writeKeyValue(w, key, value, db.expires.get(key));
  }
  w.byte(C.RDB_OPCODE_EOF);
  const body = w.contents();
  w.raw(checksum ? new Crc64().update(body).bytesLE() : Buffer.alloc(8));
  return w.contents();
}

export interface LoadedDb {
  dict: Map<string, RedisValue>;
  expires: Map<string, number>;
}

export interface DecodeOptions {
  limits: LoadLimits;
  databases: number;
  /** Keys whose expiry is in the past are dropped (a master loading; not a replica). */
  dropExpired: boolean;
  /** Told of each key dropped as expired (RDBFLAGS_FEED_REPL: a restarted master replicates them as DEL). */
  onExpired?: (dbId: number, key: string) => void;
  now: number;
  checksum: boolean;
  /** The NOTICE/WARNING lines Redis prints while loading. */
  log: (level: 'notice' | 'warning' | 'debug', line: string) => void;
}

export interface DecodeResult {
  dbs: Map<number, LoadedDb>;
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
  replStreamDb?: number;
  replId?: string;
  replOffset?: number;
  usedMem?: number;
  /** Function libraries' code, in file order. */
  functions: string[];
}

/** A file this loader refuses; `offset` is where reading stopped (Redis's "reading offset"). */
export class RdbLoadError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    /** True for a short read (rdbReportReadError), false for corruption (rdbReportCorruptRDB). */
    readonly truncated: boolean,
    /** Lines Redis logs before the "Internal error" line. */
    readonly preamble: string[] = [],
  ) {
    super(message);
  }
}

export function decodeRdbFile(bytes: Uint8Array, options: DecodeOptions): DecodeResult {
  const r = new RdbReader(bytes);
  try {
    return decode(r, options);
  } catch (err) {
    if (err instanceof RdbLoadError) throw err;
    if (err instanceof RdbTruncatedError) {
      throw new RdbLoadError(err.message, r.pos, true, [
        'Short read or OOM loading DB. Unrecoverable error, aborting now.',
      ]);
    }
    if (err instanceof RdbFormatError) throw new RdbLoadError(err.message, r.pos, false);
    throw err;
  }
}

function decode(r: RdbReader, options: DecodeOptions): DecodeResult {
  if (r.remaining < 9) throw new RdbTruncatedError();
  const magic = Buffer.from(r.take(9)).toString('latin1');
  if (!magic.startsWith('REDIS')) {
    throw new RdbLoadError('Wrong signature trying to load DB from file', 0, false);
  }
  const version = /^\d{4}$/.test(magic.slice(5)) ? Number(magic.slice(5)) : 0;
  if (version < 1 || version > C.RDB_VERSION) {
    throw new RdbLoadError(`Can't handle RDB format version ${magic.slice(5)}`, 0, false);
  }
  const result: DecodeResult = {
    dbs: new Map(),
    keysLoaded: 0,
    keysExpired: 0,
    emptyKeysSkipped: 0,
    functions: [],
  };
  const dbFor = (id: number): LoadedDb => {
    let db = result.dbs.get(id);
    if (!db) {
      db = { dict: new ShardedMap(), expires: new ShardedMap() };
      result.dbs.set(id, db);
    }
    return db;
  };
  let db = dbFor(0);
  let dbId = 0;
  let expireAt = -1;
  for (;;) {
    const type = r.byte();
    if (type === C.RDB_OPCODE_EXPIRETIME) {
      expireAt = r.seconds() * 1000;
      continue;
    }
    if (type === C.RDB_OPCODE_EXPIRETIME_MS) {
      expireAt = r.millis();
      continue;
    }
    if (type === C.RDB_OPCODE_FREQ) {
      r.byte();
      continue;
    }
    if (type === C.RDB_OPCODE_IDLE) {
      r.len();
      continue;
    }
    if (type === C.RDB_OPCODE_EOF) break;
    if (type === C.RDB_OPCODE_SELECTDB) {
      dbId = r.len();
      if (dbId >= options.databases) {
        throw new RdbLoadError(
          `FATAL: Data file was created with a Redis server configured to handle more than ${options.databases} databases. Exiting\n`,
          r.pos,
          false,
        );
      }
      db = dbFor(dbId);
      continue;
    }
    if (type === C.RDB_OPCODE_RESIZEDB) {
      r.len();
      r.len();
      continue;
    }
    if (type === C.RDB_OPCODE_AUX) {
      readAux(r.string(), r.string(), result, options);
      continue;
    }
    if (type === C.RDB_OPCODE_MODULE_AUX) {
      throw new RdbLoadError("The RDB file contains AUX module data I can't load: no matching module", r.pos, false);
    }
    if (type === C.RDB_OPCODE_FUNCTION || type === C.RDB_OPCODE_FUNCTION2) {
      result.functions.push(readFunction(r, type));
      continue;
    }
    if (!isObjectType(type)) throw new RdbFormatError(`Unknown RDB encoding type ${type}`);
    const key = r.string();
    const value = readObject(r, type, options.limits);
    if (value === undefined) {
      if (result.emptyKeysSkipped++ < 10) options.log('warning', `rdbLoadObject skipping empty key: ${key}`);
    } else if (options.dropExpired && expireAt !== -1 && expireAt < options.now) {
      result.keysExpired++;
      options.onExpired?.(dbId, key);
    } else {
      // One hash lookup per key instead of has() + set(): a duplicate leaves the size unchanged.
      const sizeBefore = db.dict.size;
      db.dict.set(key, value);
      if (db.dict.size === sizeBefore) {
        throw new RdbLoadError(`Duplicated key found in RDB file`, r.pos, false, [
          `RDB has duplicated key '${key}' in DB ${dbId}`,
        ]);
      }
      result.keysLoaded++;
      if (expireAt !== -1) db.expires.set(key, expireAt);
    }
    expireAt = -1;
  }
  if (version >= 5) {
    const end = r.pos;
    const stored = Buffer.from(r.take(8));
    if (options.checksum) {
      const storedValue = stored.readBigUInt64LE(0);
      if (storedValue === 0n) {
        options.log('warning', 'RDB file was saved with checksum disabled: no check performed.');
      } else {
        const expected = new Crc64().update(r.bytes, 0, end).value();
        if (expected !== storedValue) {
          throw new RdbLoadError('RDB CRC error', r.pos, false, [
            `Wrong RDB checksum expected: (${expected.toString(16)}) but got (${storedValue.toString(16)}). Aborting now.`,
          ]);
        }
      }
    }
  }
  if (result.emptyKeysSkipped > 0) {
    options.log(
      'warning',
      `Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}, empty keys skipped: ${result.emptyKeysSkipped}.`,
    );
  } else {
    options.log('notice', `Done loading RDB, keys loaded: ${result.keysLoaded}, keys expired: ${result.keysExpired}.`);
  }
  return result;
}

function readAux(key: string, value: string, result: DecodeResult, options: DecodeOptions): void {
  const lower = key.toLowerCase();
  if (key.startsWith('%')) options.log('notice', `RDB '${key}': ${value}`);
  else if (lower === 'repl-stream-db') result.replStreamDb = Number.parseInt(value, 10) || 0;
  else if (lower === 'repl-id') {
    if (value.length === 40) result.replId = value;
  } else if (lower === 'repl-offset') result.replOffset = Number.parseInt(value, 10) || 0;
  else if (lower === 'redis-ver') options.log('notice', `Loading RDB produced by version ${value}`);
  else if (lower === 'ctime') {
    const age = Math.max(0, Math.floor(options.now / 1000) - (Number.parseInt(value, 10) || 0));
    options.log('notice', `RDB age ${age} seconds`);
  } else if (lower === 'used-mem') {
    const usedMem = Number.parseInt(value, 10) || 0;
    result.usedMem = usedMem;
    options.log('notice', `RDB memory usage when created ${(usedMem / (1024 * 1024)).toFixed(2)} Mb`);
  } else if (lower === 'aof-preamble') {
    if (Number.parseInt(value, 10)) options.log('notice', 'RDB has an AOF tail');
  } else if (lower === 'aof-base') {
    if (Number.parseInt(value, 10)) options.log('notice', 'RDB is base AOF');
  } else if (lower !== 'lua' && lower !== 'redis-bits') {
    options.log('debug', `Unrecognized RDB AUX field: '${key}'`);
  }
}
