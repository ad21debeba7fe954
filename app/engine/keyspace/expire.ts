/**
 * The active expire cycle (expire.c, activeExpireCycle): each cron tick samples
 * keys with a TTL in every db and deletes the expired ones, repeating while more
 * than a quarter of a sample was expired and the time budget (25% of the tick)
 * lasts. A persistent iterator per db plays the role of Redis's random sampling:
 * JS Maps have no random access, but live iterators survive deletions.
 */
import type { Database } from './db.js';

const KEYS_PER_LOOP = 20;
const ACCEPTABLE_STALE_PERCENT = 10;

interface ExpireHost {
  dbs: Database[];
  config: { num(name: string): number };
}

/** Keyed by the expires Map itself, which SWAPDB moves between databases. */
const cursors = new WeakMap<Map<string, number>, Iterator<[string, number]>>();

export function activeExpireCycle(server: ExpireHost): void {
  const hz = Math.max(1, server.config.num('hz'));
  const budgetMs = Math.max(1, 250 / hz); // 25% of the tick, as ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC
  const start = Date.now();
  for (const db of server.dbs) {
    if (db.expires.size === 0) continue;
    let ttlSum = 0;
    let ttlSamples = 0;
    for (;;) {
      const now = Date.now();
      let sampled = 0;
      let expired = 0;
      const toSample = Math.min(KEYS_PER_LOOP, db.expires.size);
      let iterator = cursors.get(db.expires) ?? db.expires.entries();
      for (let i = 0; i < toSample; i++) {
        let next = iterator.next();
        if (next.done) {
          iterator = db.expires.entries();
          next = iterator.next();
          if (next.done) break;
        }
        const [key, when] = next.value;
        sampled++;
        if (now > when) {
          // expireIfNeeded() deletes, notifies and propagates.
          if (db.expireIfNeeded(key)) expired++;
        } else {
          ttlSum += when - now;
          ttlSamples++;
        }
      }
      cursors.set(db.expires, iterator);
      if (Date.now() - start > budgetMs) break;
      if (sampled === 0 || (expired * 100) / sampled <= ACCEPTABLE_STALE_PERCENT) break;
    }
    if (ttlSamples > 0) {
      const avg = ttlSum / ttlSamples;
      // Running average, as Redis does: (old/50)*49 + new/50.
      db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
    }
    if (Date.now() - start > budgetMs) break;
  }
}
