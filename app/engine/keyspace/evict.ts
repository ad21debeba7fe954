/**
 * maxmemory eviction (evict.c, performEvictions). When used memory exceeds
 * `maxmemory`, keys are evicted by `maxmemory-policy` until the estimated memory
 * freed covers the excess, as Redis counts it (the JS heap does not shrink until
 * the garbage collector runs, so freed memory is estimated per key, like MEMORY USAGE).
 *
 * The engine keeps no per-key access clock, so the LRU and LFU policies pick
 * among random samples as the random policies do; volatile-ttl picks the key with
 * the nearest expiry among its samples (written down in the README).
 */
import type { Database } from './db.js';
import { estimateMemoryUsage } from './memory-usage.js';
import { randomKey } from './random-key.js';
import { encodingOf } from '../commands/object.js';

const SAMPLES = 5;

export interface EvictionHost {
  dbs: Database[];
  config: { num(name: string): number; str(name: string): string; bool(name: string): boolean };
  stats: { evictedKeys: number };
  isReplica(): boolean;
  notify(cls: 'e', event: string, key: string, dbId: number): void;
  propagate(dbId: number, commands: string[][]): void;
}

export type EvictionResult = 'ok' | 'fail';

export function performEvictions(server: EvictionHost, usedMemory: number): EvictionResult {
  const maxmemory = server.config.num('maxmemory');
  // A replica ignores maxmemory by default: its master's DELs keep it in line.
  if (maxmemory <= 0 || (server.isReplica() && server.config.bool('replica-ignore-maxmemory'))) return 'ok';
  if (usedMemory <= maxmemory) return 'ok';
  const policy = server.config.str('maxmemory-policy');
  if (policy === 'noeviction') return 'fail';
  const volatileOnly = policy.startsWith('volatile-');
  let toFree = usedMemory - maxmemory;
  while (toFree > 0) {
    const victim = pickVictim(server.dbs, volatileOnly, policy === 'volatile-ttl', server.isReplica());
    if (!victim) return 'fail';
    const { db, key } = victim;
    const value = db.dict.get(key)!;
    toFree -= estimateMemoryUsage(key, value, encodingOf(db, key, value), SAMPLES);
    db.delete(key);
    server.stats.evictedKeys++;
    server.notify('e', 'evicted', key, db.id);
    server.propagate(db.id, [[server.config.bool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]]);
  }
  return 'ok';
}

function pickVictim(
  dbs: Database[],
  volatileOnly: boolean,
  nearestExpiry: boolean,
  isReplica: boolean,
): { db: Database; key: string } | undefined {
  let best: { db: Database; key: string; ttl: number } | undefined;
  for (const db of dbs) {
    const pool = volatileOnly ? db.expires : db.dict;
    if (pool.size === 0) continue;
    for (let i = 0; i < SAMPLES; i++) {
      const key = volatileOnly ? randomVolatileKey(db) : randomKey(db, isReplica);
      if (key === undefined || !db.dict.has(key)) continue;
      const ttl = db.expires.get(key) ?? Infinity;
      if (!best || (nearestExpiry && ttl < best.ttl)) best = { db, key, ttl };
      if (!nearestExpiry) return best;
    }
  }
  return best;
}

/** A random key among those with a TTL: walks a random distance into the expires map. */
function randomVolatileKey(db: Database): string | undefined {
  const skip = Math.floor(Math.random() * db.expires.size);
  let i = 0;
  for (const key of db.expires.keys()) if (i++ === skip) return key;
  return undefined;
}
