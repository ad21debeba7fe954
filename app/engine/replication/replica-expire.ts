/**
 * Keys given a TTL by clients of a writable replica (replica-read-only no) are
 * the replica's own: no DEL will ever come from the master for them, so the
 * replica expires them itself (expire.c: rememberSlaveKeyWithExpire,
 * expireSlaveKeys). Keys from the master are left to the master's DELs.
 */
import type { Database } from '../keyspace/db.js';

/** How many tracked keys with a TTL still in the future end a cycle (Redis: noexpire > 3). */
const MAX_NOT_EXPIRED_PER_CYCLE = 3;

export class WritableReplicaExpires {
  /** Tracked key names per database (slaveKeysWithExpire). */
  private readonly tracked = new Map<Database, Set<string>>();

  /** rememberSlaveKeyWithExpire(). */
  remember(db: Database, key: string): void {
    let keys = this.tracked.get(db);
    if (!keys) this.tracked.set(db, (keys = new Set()));
    keys.add(key);
  }

  get size(): number {
    let n = 0;
    for (const keys of this.tracked.values()) n += keys.size;
    return n;
  }

  /** flushSlaveKeysWithExpireList(): the data set was replaced. */
  clear(): void {
    this.tracked.clear();
  }

  /**
   * expireSlaveKeys(): deletes tracked keys whose TTL has passed (`expire` does the
   * deletion and its notifications), forgets keys that lost their TTL or are gone.
   * Keys still to expire rotate to the back, so every key gets its turn.
   */
  cycle(now: number, expire: (db: Database, key: string) => void): void {
    let notExpired = 0;
    for (const [db, keys] of this.tracked) {
      const pending = [...keys];
      for (const key of pending) {
        keys.delete(key);
        const when = db.expires.get(key);
        if (when === undefined) continue;
        if (when < now) {
          expire(db, key);
          continue;
        }
        keys.add(key);
        if (++notExpired > MAX_NOT_EXPIRED_PER_CYCLE) break;
      }
      if (keys.size === 0) this.tracked.delete(db);
      if (notExpired > MAX_NOT_EXPIRED_PER_CYCLE) return;
    }
  }
}
