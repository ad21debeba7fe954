import { describe, expect, it } from 'vitest';
import { parseScanCursor, scanStep } from './scan-cursor.js';

describe('parseScanCursor', () => {
  it('accepts what strtoul() accepts, as Redis does', () => {
    expect(parseScanCursor('0')).toBe(0);
    expect(parseScanCursor('')).toBe(0);
    expect(parseScanCursor('+12')).toBe(12);
    expect(parseScanCursor('18446744073709551615')).toBe(2 ** 64); // ULONG_MAX, as close as a double gets
  });

  it('rejects the rest with Redis error text', () => {
    for (const bad of ['abc', ' 1', '1 ', '+', '1.5', '18446744073709551616']) {
      expect(() => parseScanCursor(bad)).toThrow('ERR invalid cursor');
    }
  });
});

describe('scanStep', () => {
  it('returns every element present for the whole scan, even while the map changes', () => {
    const map = new Map<string, number>();
    for (let i = 0; i < 100; i++) map.set(`k${i}`, i);
    const seen = new Set<string>();
    let cursor = 0;
    let round = 0;
    do {
      const step = scanStep(map, () => map.keys(), cursor, 7);
      step.items.forEach((k) => seen.add(k));
      cursor = step.cursor;
      map.set(`added${round++}`, 0);
      map.delete(`added${round - 3}`);
    } while (cursor !== 0);
    for (let i = 0; i < 100; i++) expect(seen.has(`k${i}`)).toBe(true);
  });
});
