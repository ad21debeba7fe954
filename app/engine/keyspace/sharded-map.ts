/**
 * A Map spread over a fixed number of inner Maps, for the keyspace (Database.dict
 * and Database.expires).
 *
 * V8 grows a Map by allocating a table twice the size and rehashing every entry at
 * once: a database crossing 2^20 keys stalls the server for hundreds of ms. Redis
 * rehashes incrementally and never does. Spreading the keys over SHARDS inner Maps
 * (by a hash of the key) makes each of those rehashes 1/SHARDS of the size, and they
 * happen at different moments. Everything else keeps Map's semantics: iterators are
 * live (they survive deletions and see keys added to shards not yet visited), so an
 * entry present for a whole iteration is visited exactly once, which is what SCAN's
 * parked iterators, the active expire cycle and RANDOMKEY's walker rely on. Order is
 * shard by shard, insertion order within a shard.
 */

/** A power of two: 2^20 keys make 16K-entry inner tables, whose rehash takes a few ms. */
const DEFAULT_SHARDS = 64;

/** How far into long keys the hash reads at each end (their middle rarely tells keys apart better). */
const HASHED_EDGE = 16;

/** FNV-1a over the key's bytes (whole up to 2*HASHED_EDGE, else both ends) and a final avalanche. */
function hashKey(key: string): number {
  const length = key.length;
  let h = 0x811c9dc5 ^ length;
  if (length <= 2 * HASHED_EDGE) {
    for (let i = 0; i < length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < HASHED_EDGE; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    for (let i = length - HASHED_EDGE; i < length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

const enum IterationKind {
  Keys,
  Values,
  Entries,
}

/** Walks the shards one after the other, each with its own live Map iterator. */
class ShardedIterator<K, V, T> implements MapIterator<T> {
  private shard = 0;
  private inner: Iterator<unknown>;

  constructor(
    private readonly shards: readonly Map<K, V>[],
    private readonly kind: IterationKind,
  ) {
    this.inner = this.open(shards[0]!);
  }

  private open(map: Map<K, V>): Iterator<unknown> {
    if (this.kind === IterationKind.Keys) return map.keys();
    if (this.kind === IterationKind.Values) return map.values();
    return map.entries();
  }

  next(): IteratorResult<T, undefined> {
    for (;;) {
      // The inner result object is returned as is: no allocation per step.
      const result = this.inner.next() as IteratorResult<T, undefined>;
      if (!result.done || this.shard + 1 >= this.shards.length) return result;
      this.inner = this.open(this.shards[++this.shard]!);
    }
  }

  [Symbol.iterator](): MapIterator<T> {
    return this;
  }
}

export class ShardedMap<K extends string, V> implements Map<K, V> {
  private readonly shards: Map<K, V>[];
  private readonly mask: number;
  private count = 0;

  constructor(entries?: Iterable<readonly [K, V]>, shardCount = DEFAULT_SHARDS) {
    if (shardCount < 1 || (shardCount & (shardCount - 1)) !== 0)
      throw new RangeError('shardCount must be a power of two');
    this.mask = shardCount - 1;
    this.shards = Array.from({ length: shardCount }, () => new Map<K, V>());
    if (entries) for (const [key, value] of entries) this.set(key, value);
  }

  private shardFor(key: K): Map<K, V> {
    return this.shards[hashKey(key) & this.mask]!;
  }

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    return this.shardFor(key).get(key);
  }

  has(key: K): boolean {
    return this.shardFor(key).has(key);
  }

  set(key: K, value: V): this {
    const shard = this.shardFor(key);
    const before = shard.size;
    shard.set(key, value);
    this.count += shard.size - before;
    return this;
  }

  delete(key: K): boolean {
    const deleted = this.shardFor(key).delete(key);
    if (deleted) this.count--;
    return deleted;
  }

  clear(): void {
    for (const shard of this.shards) shard.clear();
    this.count = 0;
  }

  keys(): MapIterator<K> {
    return new ShardedIterator<K, V, K>(this.shards, IterationKind.Keys);
  }

  values(): MapIterator<V> {
    return new ShardedIterator<K, V, V>(this.shards, IterationKind.Values);
  }

  entries(): MapIterator<[K, V]> {
    return new ShardedIterator<K, V, [K, V]>(this.shards, IterationKind.Entries);
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: Map<K, V>) => void, thisArg?: unknown): void {
    for (const shard of this.shards) {
      for (const [key, value] of shard) callback.call(thisArg, value, key, this);
    }
  }

  get [Symbol.toStringTag](): string {
    return 'ShardedMap';
  }
}
