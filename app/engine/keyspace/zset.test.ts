import { describe, expect, it } from 'vitest';
import { RedisZset, type LexRange, type ScoreRange } from './zset.js';

type Entry = [string, number];

function ordered(entries: Iterable<Entry>): Entry[] {
  return [...entries].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function inScore(score: number, r: ScoreRange): boolean {
  return (r.minex ? score > r.min : score >= r.min) && (r.maxex ? score < r.max : score <= r.max);
}

const limits = { maxEntries: 128, maxValue: 64 };

describe('RedisZset', () => {
  it('orders by score then member bytes and answers ranks', () => {
    const z = new RedisZset();
    z.set('b', 1, limits);
    z.set('a', 1, limits);
    z.set('c', 0, limits);
    z.set('\xff', 1, limits);
    expect([...z.entries()]).toEqual([
      ['c', 0],
      ['a', 1],
      ['b', 1],
      ['\xff', 1],
    ]);
    expect(z.rank('b')).toBe(2);
    expect(z.rank('nope')).toBe(-1);
    expect(z.atRank(3)?.member).toBe('\xff');
    expect(z.set('c', 5)).toBe(false);
    expect(z.last()?.member).toBe('c');
    expect([...z.entriesReversed()].map(([m]) => m)).toEqual(['c', '\xff', 'b', 'a']);
  });

  it('matches a sorted-array model through random updates, ranges and deletions', () => {
    const z = new RedisZset(false);
    const model = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const member = `m${Math.floor(Math.random() * 400)}`;
      const op = Math.random();
      if (op < 0.6) {
        const score = Math.floor(Math.random() * 50) - 25;
        expect(z.set(member, score)).toBe(!model.has(member));
        model.set(member, score);
      } else if (op < 0.9) {
        expect(z.remove(member)).toBe(model.delete(member));
      } else if (op < 0.95) {
        const range: ScoreRange = { min: -5, max: 5, minex: Math.random() < 0.5, maxex: Math.random() < 0.5 };
        const expected = ordered(model.entries()).filter(([, s]) => inScore(s, range));
        expect(z.removeRangeByScore(range)).toBe(expected.length);
        for (const [m] of expected) model.delete(m);
      } else {
        const all = ordered(model.entries());
        const start = Math.floor(Math.random() * 10);
        const end = start + Math.floor(Math.random() * 10);
        const expected = all.slice(start, end + 1);
        expect(z.removeRangeByRank(start, Math.min(end, all.length - 1))).toBe(expected.length);
        for (const [m] of expected) model.delete(m);
      }
    }
    const expected = ordered(model.entries());
    expect([...z.entries()]).toEqual(expected);
    expect(z.size).toBe(expected.length);
    expected.forEach(([m], i) => {
      expect(z.rank(m)).toBe(i);
      expect(z.atRank(i)?.member).toBe(m);
    });
    const range: ScoreRange = { min: -3, max: 7, minex: true, maxex: false };
    const inRange = expected.filter(([, s]) => inScore(s, range));
    expect(z.firstInScoreRange(range)?.member).toBe(inRange[0]?.[0]);
    expect(z.lastInScoreRange(range)?.member).toBe(inRange[inRange.length - 1]?.[0]);
  });

  it('finds lex ranges with open, closed and infinite ends', () => {
    const z = new RedisZset();
    for (const m of ['a', 'b', 'c', 'd', 'e']) z.set(m, 0, limits);
    const range = (min: string, max: string): LexRange => ({
      min: min === '-' ? { value: '', inf: -1 } : { value: min.slice(1), inf: 0 },
      max: max === '+' ? { value: '', inf: 1 } : { value: max.slice(1), inf: 0 },
      minex: min[0] !== '[',
      maxex: max[0] !== '[',
    });
    expect(z.firstInLexRange(range('(a', '[c'))?.member).toBe('b');
    expect(z.lastInLexRange(range('(a', '[c'))?.member).toBe('c');
    expect(z.firstInLexRange(range('-', '+'))?.member).toBe('a');
    expect(z.lastInLexRange(range('-', '(c'))?.member).toBe('b');
    expect(z.firstInLexRange(range('[d', '[b'))).toBeNull();
    expect(z.removeRangeByLex(range('[b', '(e'))).toBe(3);
    expect([...z.entries()].map(([m]) => m)).toEqual(['a', 'e']);
  });

  it('reports listpack until a limit is crossed, and can go back for store results', () => {
    const z = new RedisZset();
    z.set('a', 1, { maxEntries: 2, maxValue: 64 });
    z.set('b', 2, { maxEntries: 2, maxValue: 64 });
    expect(z.encoding()).toBe('listpack');
    z.set('c', 3, { maxEntries: 2, maxValue: 64 });
    expect(z.encoding()).toBe('skiplist');
    z.remove('c');
    expect(z.encoding()).toBe('skiplist');
    z.convertToListpackIfNeeded({ maxEntries: 2, maxValue: 64 }, 1);
    expect(z.encoding()).toBe('listpack');
    const long = new RedisZset();
    long.set('x'.repeat(65), 1, limits);
    expect(long.encoding()).toBe('skiplist');
  });

  it('stores -0 as 0 in a listpack, as Redis reads it back', () => {
    const lp = new RedisZset();
    lp.set('a', -0, limits);
    expect(Object.is(lp.score('a'), 0)).toBe(true);
    const sl = new RedisZset(false);
    sl.set('a', -0);
    expect(Object.is(sl.score('a'), -0)).toBe(true);
  });
});
