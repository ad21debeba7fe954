import { describe, expect, it } from 'vitest';
import { RedisHash } from './hash.js';

const limits = { maxEntries: 4, maxValue: 8 };

describe('RedisHash', () => {
  it('keeps insertion order across updates and deletions', () => {
    const hash = new RedisHash();
    expect(hash.set('a', '1', limits)).toBe(true);
    expect(hash.set('b', '2', limits)).toBe(true);
    expect(hash.set('c', '3', limits)).toBe(true);
    expect(hash.set('a', '10', limits)).toBe(false);
    expect(hash.delete('a')).toBe(true);
    expect(hash.delete('a')).toBe(false);
    hash.set('d', '4', limits);
    expect([...hash.entries()]).toEqual([
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
    ]);
    expect(hash.get('c')).toBe('3');
    expect(hash.size).toBe(3);
  });

  it('converts to hashtable once, on too many entries or a long value', () => {
    const hash = new RedisHash();
    for (let i = 0; i < 4; i++) hash.set(`f${i}`, 'v', limits);
    expect(hash.encoding()).toBe('listpack');
    hash.set('f4', 'v', limits);
    expect(hash.encoding()).toBe('hashtable');
    hash.delete('f4');
    hash.delete('f3');
    expect(hash.encoding()).toBe('hashtable');

    const long = new RedisHash();
    long.set('f', '123456789', limits);
    expect(long.encoding()).toBe('hashtable');
  });

  it('picks random entries among the live ones', () => {
    const hash = new RedisHash();
    for (let i = 0; i < 50; i++) hash.set(`f${i}`, `v${i}`);
    for (let i = 0; i < 50; i += 2) hash.delete(`f${i}`);
    for (let i = 0; i < 200; i++) {
      const [field, value] = hash.randomEntry();
      expect(hash.get(field)).toBe(value);
    }
  });

  it('lets a live field iterator survive deletions', () => {
    const hash = new RedisHash();
    for (let i = 0; i < 10; i++) hash.set(`f${i}`, 'v');
    const it = hash.fieldIterator();
    expect(it.next().value).toBe('f0');
    hash.delete('f1');
    hash.delete('f9'); // moves no survivor out of the iteration
    const rest: string[] = [];
    for (let r = it.next(); !r.done; r = it.next()) rest.push(r.value);
    expect(rest).toEqual(['f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8']);
  });
});
