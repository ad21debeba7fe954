import { describe, expect, it } from 'vitest';
import { globMatch } from './glob.js';

describe('globMatch (stringmatchlen)', () => {
  it.each([
    // Like Redis, '*' does not match an empty string (KEYS * special-cases it).
    ['*', '', false],
    ['*', 'anything', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['foo*bar', 'foobazbar', true],
    ['foo*bar', 'foobarbaz', false],
    ['a**b', 'ab', true],
    ['key:*', 'key:1', true],
    ['*:1', 'key:1', true],
  ])('%s ~ %s = %s', (pattern, subject, expected) => {
    expect(globMatch(pattern, subject)).toBe(expected);
  });

  it('is case-insensitive on request', () => {
    expect(globMatch('HeLLo', 'hello', true)).toBe(true);
    expect(globMatch('HeLLo', 'hello')).toBe(false);
  });

  it('gives up quickly on pathological patterns', () => {
    const pattern = '*a'.repeat(30) + 'b';
    const subject = 'a'.repeat(60);
    const start = Date.now();
    expect(globMatch(pattern, subject)).toBe(false);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});
