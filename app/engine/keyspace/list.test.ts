import { describe, expect, it } from 'vitest';
import { RedisList } from './list.js';

/** A plain array model to compare the ring buffer against. */
function check(list: RedisList, model: string[]): void {
  expect(list.length).toBe(model.length);
  expect([...list.values()]).toEqual(model);
  expect([...list.reversed()]).toEqual([...model].reverse());
}

describe('RedisList', () => {
  it('reports the quicklist encoding', () => {
    expect(new RedisList().encoding()).toBe('quicklist');
  });

  it('pushes and pops at both ends across growth and wrap-around', () => {
    const list = new RedisList();
    const model: string[] = [];
    for (let i = 0; i < 100; i++) {
      if (i % 3 === 0) {
        list.pushHead(`h${i}`);
        model.unshift(`h${i}`);
      } else {
        list.pushTail(`t${i}`);
        model.push(`t${i}`);
      }
    }
    check(list, model);
    for (let i = 0; i < 40; i++) {
      expect(list.popHead()).toBe(model.shift());
      expect(list.popTail()).toBe(model.pop());
    }
    check(list, model);
    expect(list.at(0)).toBe(model[0]);
    expect(list.at(model.length)).toBeUndefined();
    expect(list.at(-1)).toBeUndefined();
  });

  it('inserts and removes in the middle like an array', () => {
    const list = RedisList.from(['a', 'b', 'c', 'd', 'e']);
    const model = ['a', 'b', 'c', 'd', 'e'];
    list.pushHead('z'); // make head wrap
    model.unshift('z');
    for (const [index, value] of [
      [1, 'x'],
      [5, 'y'],
      [0, 'first'],
      [8, 'last'],
    ] as const) {
      list.insertAt(index, value);
      model.splice(index, 0, value);
      check(list, model);
    }
    for (const index of [1, 6, 0, 3]) {
      list.removeAt(index);
      model.splice(index, 1);
      check(list, model);
    }
  });

  it('trims, removes matches from either end and shrinks when drained', () => {
    const list = RedisList.from(['a', 'x', 'b', 'x', 'c', 'x']);
    expect(list.removeMatching('x', 2, true)).toBe(2);
    check(list, ['a', 'x', 'b', 'c']);
    expect(list.removeMatching('x', 0, false)).toBe(1);
    check(list, ['a', 'b', 'c']);
    expect(list.indexOf('c')).toBe(2);
    list.trim(1, 1);
    check(list, ['b']);
    list.trim(5, 0);
    check(list, []);

    const big = new RedisList();
    for (let i = 0; i < 10000; i++) big.pushTail(String(i));
    for (let i = 0; i < 9990; i++) big.popHead();
    check(big, ['9990', '9991', '9992', '9993', '9994', '9995', '9996', '9997', '9998', '9999']);
  });
});
