import { describe, expect, it } from 'vitest';
import { ShardedMap } from './sharded-map.js';

function filled(n: number, shards?: number): ShardedMap<string, number> {
  const map = new ShardedMap<string, number>(undefined, shards);
  for (let i = 0; i < n; i++) map.set(`key:${i}`, i);
  return map;
}

describe('ShardedMap', () => {
  it('follows the Map contract for get/set/has/delete/size/clear', () => {
    const map = new ShardedMap<string, string>();
    expect(map.size).toBe(0);
    expect(map.set('a', '1')).toBe(map);
    map.set('a', '2');
    map.set('\xff\x00b', '3');
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe('2');
    expect(map.has('\xff\x00b')).toBe(true);
    expect(map.get('missing')).toBeUndefined();
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    expect(map.size).toBe(1);
    map.clear();
    expect(map.size).toBe(0);
    expect([...map]).toEqual([]);
  });

  it('iterates every entry once through keys, values, entries, forEach and for-of', () => {
    const map = filled(5000);
    const reference = new Map(Array.from({ length: 5000 }, (_, i) => [`key:${i}`, i] as const));
    expect(new Set(map.keys()).size).toBe(5000);
    expect([...map.keys()].sort()).toEqual([...reference.keys()].sort());
    expect([...map.values()].sort((a, b) => a - b)).toEqual([...reference.values()]);
    expect(new Map(map)).toEqual(reference);
    expect(new Map(map.entries())).toEqual(reference);
    const seen = new Map<string, number>();
    map.forEach((value, key, owner) => {
      expect(owner).toBe(map);
      seen.set(key, value);
    });
    expect(seen).toEqual(reference);
    expect(Array.from(map.keys()).length).toBe(5000);
  });

  it('spreads keys over its shards', () => {
    const map = filled(64 * 1000, 64);
    const shards = (map as unknown as { shards: Map<string, number>[] }).shards;
    for (const shard of shards) {
      expect(shard.size).toBeGreaterThan(800);
      expect(shard.size).toBeLessThan(1200);
    }
  });

  it('keeps iterating live while entries are deleted, as the expire cycle and SCAN do', () => {
    const map = filled(2000);
    const iterator = map.keys();
    const visited = new Set<string>();
    let step = 0;
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      visited.add(next.value);
      map.delete(next.value);
      // Also delete entries not yet visited (as lazy expiry of other keys does).
      if (step++ % 3 === 0) map.delete(`key:${(step * 7) % 2000}`);
    }
    expect(map.size).toBe(0);
    expect(visited.size).toBeGreaterThan(1000);
  });

  it('visits each key present for the whole iteration exactly once even with inserts', () => {
    const map = filled(3000);
    const counts = new Map<string, number>();
    let added = 0;
    for (const key of map.keys()) {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (added < 1000) map.set(`new:${added++}`, -1);
    }
    for (let i = 0; i < 3000; i++) expect(counts.get(`key:${i}`)).toBe(1);
    expect(map.size).toBe(4000);
  });

  it('a finished iterator stays finished', () => {
    const map = filled(3);
    const iterator = map.entries();
    for (let i = 0; i < 3; i++) expect(iterator.next().done).toBe(false);
    expect(iterator.next().done).toBe(true);
    map.set('late', 1);
    expect(iterator.next().done).toBe(true);
    expect(iterator[Symbol.iterator]()).toBe(iterator);
  });

  it('hashes long keys and rejects a shard count that is not a power of two', () => {
    const map = new ShardedMap<string, number>();
    const long = 'x'.repeat(100);
    map.set(`${long}a${long}`, 1);
    map.set(`${long}b${long}`, 2);
    expect(map.get(`${long}a${long}`)).toBe(1);
    expect(map.get(`${long}b${long}`)).toBe(2);
    expect(() => new ShardedMap(undefined, 12)).toThrow(RangeError);
    expect(new ShardedMap([['a', 1]]).get('a')).toBe(1);
  });
});
