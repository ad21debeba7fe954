import { describe, expect, it } from 'vitest';
import { formatDouble, RespWriter } from './writer.js';

describe('formatDouble (printf %.17g as Redis prints scores)', () => {
  it.each([
    [0.1, '0.10000000000000001'],
    [1.5, '1.5'],
    [3.1, '3.1000000000000001'],
    [1e21, '1e+21'],
    [1e-5, '1.0000000000000001e-05'],
    [123456789012345680, '1.2345678901234568e+17'],
    [-2.5, '-2.5'],
    [1 / 3, '0.33333333333333331'],
    [100, '100'],
    [1e17, '1e+17'],
    [1e16, '10000000000000000'],
    [0.0001, '0.0001'],
    [12345.6789, '12345.678900000001'],
    [0, '0'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('%d -> %s', (value, expected) => {
    expect(formatDouble(value)).toBe(expected);
  });
});

describe('RespWriter', () => {
  it('writes RESP2 forms of RESP3 types', () => {
    const w = new RespWriter(2);
    w.mapLen(1);
    w.bulk('k');
    w.double(1.5);
    w.null();
    w.nullArray();
    w.bool(true);
    expect(w.take()).toBe('*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n$-1\r\n*-1\r\n:1\r\n');
  });

  it('writes RESP3 types natively', () => {
    const w = new RespWriter(3);
    w.mapLen(1);
    w.bulk('k');
    w.double(1.5);
    w.null();
    w.bool(false);
    w.verbatim('hi');
    w.pushLen(2);
    expect(w.take()).toBe('%1\r\n$1\r\nk\r\n,1.5\r\n_\r\n#f\r\n=6\r\ntxt:hi\r\n>2\r\n');
  });

  it('keeps error replies on one line', () => {
    const w = new RespWriter();
    w.error('ERR bad\r\nthing');
    expect(w.take()).toBe('-ERR bad  thing\r\n');
  });
});
