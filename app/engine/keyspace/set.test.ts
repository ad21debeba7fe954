import { describe, expect, it } from 'vitest';
import { RedisSet, isIntsetMember } from './set.js';

describe('RedisSet', () => {
  it('recognises intset members as string2ll does', () => {
    for (const ok of ['0', '-1', '17', '9223372036854775807', '-9223372036854775808']) {
      expect(isIntsetMember(ok)).toBe(true);
    }
    for (const bad of ['', '-0', '01', '+1', '1.0', ' 1', '9223372036854775808', 'a']) {
      expect(isIntsetMember(bad)).toBe(false);
    }
  });

  it('stays an intset for integers, iterating in numeric order', () => {
    const set = new RedisSet();
    for (const m of ['10', '-5', '3', '100', '-100', '9223372036854775807', '-9223372036854775808']) {
      expect(set.add(m, 512)).toBe(true);
    }
    expect(set.add('3', 512)).toBe(false);
    expect(set.encoding()).toBe('intset');
    expect([...set.members()]).toEqual(['-9223372036854775808', '-100', '-5', '3', '10', '100', '9223372036854775807']);
    expect(set.remove('3')).toBe(true);
    expect(set.remove('3')).toBe(false);
    expect([...set.members()]).toEqual(['-9223372036854775808', '-100', '-5', '10', '100', '9223372036854775807']);
  });

  it('converts to a hashtable for good on a non-integer or past the entry limit', () => {
    const set = new RedisSet();
    set.add('1', 2);
    set.add('2', 2);
    expect(set.encoding()).toBe('intset');
    set.add('3', 2);
    expect(set.encoding()).toBe('hashtable');
    set.remove('3');
    expect(set.encoding()).toBe('hashtable');
    const mixed = RedisSet.forFirstMember('a');
    expect(mixed.encoding()).toBe('hashtable');
    const ints = RedisSet.fromMembers(['1', 'x'], 512);
    expect(ints.encoding()).toBe('hashtable');
  });

  it('keeps membership consistent through random adds and removals', () => {
    const set = new RedisSet();
    const model = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const m = String(Math.floor(Math.random() * 300));
      if (Math.random() < 0.6) {
        expect(set.add(m, 128)).toBe(!model.has(m));
        model.add(m);
      } else {
        expect(set.remove(m)).toBe(model.delete(m));
      }
    }
    expect(set.size).toBe(model.size);
    expect(new Set(set.members())).toEqual(model);
    const popped = new Set<string>();
    while (set.size > 0) popped.add(set.popRandom());
    expect(popped).toEqual(model);
  });

  it('picks random members uniformly enough to reach every member', () => {
    const set = RedisSet.fromMembers(['a', 'b', 'c', 'd'], 512);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(set.randomMember());
    expect(seen.size).toBe(4);
  });
});
