/**
 * RANDOMKEY's key picker (dbRandomKey in db.c). JS Maps have no random access, so
 * small databases are sampled exactly (a uniform index, then a short walk) and big
 * ones through a persistent iterator advanced by a random stride: O(1) per call,
 * every key reachable, close to uniform for a well-mixed keyspace.
 */
import type { Database } from './db.js';

/** Up to this size an exact uniform pick costs at most this many iterator steps. */
const EXACT_PICK_LIMIT = 128;
const MAX_STRIDE = 16;

const walkers = new WeakMap<Map<string, unknown>, Iterator<string>>();

function pickOne(dict: Map<string, unknown>): string | undefined {
  const size = dict.size;
  if (size === 0) return undefined;
  if (size <= EXACT_PICK_LIMIT) {
    let index = Math.floor(Math.random() * size);
    for (const key of dict.keys()) if (index-- === 0) return key;
    return undefined;
  }
  let walker = walkers.get(dict) ?? dict.keys();
  let stride = 1 + Math.floor(Math.random() * MAX_STRIDE);
  let picked: string | undefined;
  while (stride-- > 0) {
    let next = walker.next();
    if (next.done) {
      walker = dict.keys();
      next = walker.next();
    }
    picked = next.value as string | undefined;
  }
  walkers.set(dict, walker);
  return picked;
}

/**
 * A random live key, or undefined for an empty db. Expired keys met on the way are
 * deleted (expireIfNeeded) and another is drawn. On a replica, where expired keys
 * stay until the master's DEL, a db whose keys all have a TTL gives up after 100
 * draws and returns whatever it drew, as Redis does, rather than loop forever.
 */
export function randomKey(db: Database, isReplica: boolean): string | undefined {
  const allVolatile = db.dict.size === db.expires.size;
  let tries = 100;
  for (;;) {
    const key = pickOne(db.dict);
    if (key === undefined) return undefined;
    if (db.expires.has(key)) {
      if (allVolatile && isReplica && --tries === 0) return key;
      if (db.expireIfNeeded(key)) continue;
    }
    return key;
  }
}
