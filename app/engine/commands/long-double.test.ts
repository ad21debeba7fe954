import { describe, expect, it } from 'vitest';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, type LongDouble } from './long-double.js';

function ld(text: string): LongDouble {
  const v = parseLongDouble(text);
  if (v === null || typeof v === 'number') throw new Error(`not finite: ${text}`);
  return v;
}

function add(a: string, b: string): string {
  return formatLongDoubleHuman(addLongDouble(ld(a), ld(b))!);
}

describe('long double emulation (values checked against redis-server 7.0 HINCRBYFLOAT)', () => {
  it('adds like an x87 long double and prints like %.17Lf trimmed', () => {
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(add('10.5', '0.1')).toBe('10.6');
    expect(add('0', '2.5')).toBe('2.5');
    expect(add('17179869184', '1')).toBe('17179869185');
    expect(add('100', '2.5')).toBe('102.5');
    expect(add('1', '-1')).toBe('0');
    expect(add('5.0e3', '2.0e2')).toBe('5200');
    expect(add('1.5', '-2')).toBe('-0.5');
    expect(add('3.0e-20', '0')).toBe('0');
    expect(add('-3.0e-20', '0')).toBe('0');
    expect(add('4.14159', '1e30')).toBe('1000000000000000000024696061952');
    expect(add('0x10', '2')).toBe('18');
    expect(add('0x1.8p1', '0')).toBe('3');
  });

  it('parses like string2ld', () => {
    expect(parseLongDouble(' 1')).toBeNull();
    expect(parseLongDouble('1 ')).toBeNull();
    expect(parseLongDouble('1\x002')).toBeNull();
    expect(parseLongDouble('nan')).toBeNull();
    expect(parseLongDouble('')).toBeNull();
    expect(parseLongDouble('.')).toBeNull();
    expect(parseLongDouble('1e99999')).toBeNull();
    expect(parseLongDouble('1e-99999')).toBeNull();
    expect(parseLongDouble('inf')).toBe(Infinity);
    expect(parseLongDouble('-Infinity')).toBe(-Infinity);
    expect(formatLongDoubleHuman(ld('.5'))).toBe('0.5');
    expect(formatLongDoubleHuman(ld('5.'))).toBe('5');
    expect(formatLongDoubleHuman(ld('+1e3'))).toBe('1000');
  });
});
