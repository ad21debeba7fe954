/**
 * One numbered database: the main dictionary and the expires dictionary, as in
 * Redis's redisDb. Lookups apply lazy expiry (expireIfNeeded in db.c): a master
 * deletes a logically expired key and propagates a DEL; a replica only hides it,
 * because a replica's keys are removed by its master's DELs.
 */
import { ShardedMap } from './sharded-map.js';
import type { StringEncoding } from './string-encoding.js';
import type { RedisObject, RedisValue } from './types.js';

/** What a database needs from the server that owns it. */
export interface KeyspaceHost {
  /** True when this server replicates from a master (keys are not expired locally). */
  isReplica(): boolean;
  /** True while the command being executed comes from our master's link. */
  executingMasterCommand(): boolean;
  /** While CLIENT PAUSE WRITE (or a failover) is in effect, expired keys are kept. */
  expiryPaused(): boolean;
  /** A key was deleted because it expired: notify, count and propagate DEL. */
  onKeyExpired(db: Database, key: string): void;
  /** A TTL was set (a writable replica tracks the keys its own clients give a TTL). */
  onExpireSet?(db: Database, key: string): void;
  /** A key's value changed (WATCH invalidation; signalModifiedKey). */
  onKeyModified(db: Database, key: string): void;
  /** Read-lookup accounting: keyspace_hits / keyspace_misses and keymiss events. */
  onReadLookup(db: Database, key: string, hit: boolean): void;
  now(): number;
}

export class Database {
  /** Not readonly: SWAPDB exchanges the contents of two databases (swapContents). */
  /** Sharded so that growing it never rehashes the whole keyspace at once (sharded-map.ts). */
  dict: Map<string, RedisValue> = new ShardedMap<string, RedisValue>();
  /** Absolute unix time in milliseconds at which a key expires. */
  expires: Map<string, number> = new ShardedMap<string, number>();
  /** Clients WATCHing each key of this db. */
  readonly watchedKeys = new Map<string, Set<WatchingClient>>();
  /**
   * OBJECT ENCODING of string values that differ from what their bytes imply
   * (keyspace/string-encoding.ts); forgotten whenever the key's value is replaced.
   */
  stringEncodings = new Map<string, StringEncoding>();
  /** Average TTL estimate for INFO keyspace (avg_ttl), refreshed by the active expire cycle. */
  avgTtl = 0;
  /**
   * Set while a BGSAVE runs (rdb/persistence.ts): sees an aggregate before a
   * command may change it in place, so the snapshot can keep a copy (copy-on-write).
   */
  beforeWrite: ((value: RedisObject) => void) | undefined = undefined;

  constructor(
    public id: number,
    private readonly host: KeyspaceHost,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /**
   * Looks a key up for reading. Expired keys are removed (on a master) or hidden
   * (on a replica), and the hit or miss is counted.
   */
  lookupRead(key: string): RedisValue | undefined {
    const value = this.expireIfNeeded(key) ? undefined : this.dict.get(key);
    this.host.onReadLookup(this, key, value !== undefined);
    return value;
  }

  /**
   * Looks a key up for writing: expired keys are removed first (even on a writable
   * replica, as LOOKUP_WRITE forces), nothing is counted.
   */
  lookupWrite(key: string): RedisValue | undefined {
    this.expireIfNeeded(key, true);
    const value = this.dict.get(key);
    if (this.beforeWrite !== undefined && value !== undefined && typeof value !== 'string') this.beforeWrite(value);
    return value;
  }

  /** Looks a key up with expiry applied but no statistics (EXISTS-like internal use). */
  lookupQuiet(key: string): RedisValue | undefined {
    return this.expireIfNeeded(key) ? undefined : this.dict.get(key);
  }

  /** Is the key logically expired? Deletes it when this server may (see class comment). */
  expireIfNeeded(key: string, forceDeleteExpired = false): boolean {
    const when = this.expires.get(key);
    // keyIsExpired(): a key expires once now > when, not at when itself.
    if (when === undefined || when >= this.host.now()) return false;
    if (this.host.isReplica()) {
      // The master's DEL will come; commands from the master itself still see the key.
      if (this.host.executingMasterCommand()) return false;
      if (!forceDeleteExpired) return true;
    }
    if (this.host.expiryPaused()) return true;
    this.deleteKey(key);
    this.host.onKeyExpired(this, key);
    return true;
  }

  /** Adds or overwrites a key. Any TTL is dropped unless keepTtl (SET KEEPTTL). */
  setKey(key: string, value: RedisValue, keepTtl = false): void {
    this.dict.set(key, value);
    if (!keepTtl) this.expires.delete(key);
    if (this.stringEncodings.size !== 0) this.stringEncodings.delete(key);
    this.host.onKeyModified(this, key);
  }

  /** Replaces the value object in place of an existing key, keeping its TTL. */
  overwriteValue(key: string, value: RedisValue): void {
    this.dict.set(key, value);
    if (this.stringEncodings.size !== 0) this.stringEncodings.delete(key);
  }

  /** Deletes a key and its TTL; true if it existed. Does not notify anyone. */
  deleteKey(key: string): boolean {
    if (!this.dict.delete(key)) return false;
    this.expires.delete(key);
    if (this.stringEncodings.size !== 0) this.stringEncodings.delete(key);
    return true;
  }

  /** Deletes a key as a command does: also signals watchers. */
  delete(key: string): boolean {
    const existed = this.deleteKey(key);
    if (existed) this.host.onKeyModified(this, key);
    return existed;
  }

  setExpire(key: string, whenMs: number): void {
    this.expires.set(key, whenMs);
    this.host.onExpireSet?.(this, key);
  }

  /** Absolute expire time in ms, or -1 when the key has none. */
  getExpire(key: string): number {
    return this.expires.get(key) ?? -1;
  }

  removeExpire(key: string): boolean {
    return this.expires.delete(key);
  }

  /** Marks a key as modified for WATCH (signalModifiedKey). */
  touch(key: string): void {
    this.host.onKeyModified(this, key);
  }

  /**
   * SWAPDB: exchanges keys, TTLs and the TTL estimate with another database. WATCHed
   * keys stay with their database, as in dbSwapDatabases(): clients keep their db.
   */
  swapContents(other: Database): void {
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
    [this.stringEncodings, other.stringEncodings] = [other.stringEncodings, this.stringEncodings];
  }

  /** Empties the database; returns the number of keys removed. */
  clear(): number {
    const removed = this.dict.size;
    this.dict.clear();
    this.expires.clear();
    this.stringEncodings.clear();
    this.avgTtl = 0;
    return removed;
  }
}

/** The part of a client that WATCH bookkeeping touches. */
export interface WatchingClient {
  /** A watched key was modified (touchWatchedKey in multi.c). */
  watchedKeyTouched(db: Database, key: string): void;
  /** FLUSHDB/SWAPDB: the transaction must fail. */
  markDirtyCas(): void;
}
