import { describe, expect, it } from 'vitest';
import { ReplyParser, RespReplyError, RespSyntaxError, toPlain, type RespValue } from './reply-parser.js';

function parseAll(wire: string | Buffer, chunkSize = Infinity): RespValue[] {
  const bytes = typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire;
  const parser = new ReplyParser();
  const out: RespValue[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize === Infinity ? bytes.length : chunkSize) {
    parser.feed(bytes.subarray(i, Math.min(bytes.length, i + chunkSize)));
    for (let r = parser.next(); r; r = parser.next()) out.push(r);
  }
  return out;
}

function one(wire: string): RespValue {
  const replies = parseAll(wire);
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

describe('ReplyParser: RESP2', () => {
  it('keeps simple, error, integer and bulk apart', () => {
    expect(one('+OK\r\n')).toEqual({ type: 'simple', value: 'OK' });
    expect(one('-ERR unknown\r\n')).toEqual({ type: 'error', value: 'ERR unknown' });
    expect(one(':-42\r\n')).toEqual({ type: 'integer', value: -42, text: '-42' });
    expect(one('$3\r\nOK!\r\n')).toEqual({ type: 'bulk', value: 'OK!' });
    expect(one('$0\r\n\r\n')).toEqual({ type: 'bulk', value: '' });
  });

  it('distinguishes the null bulk from the null array', () => {
    expect(one('$-1\r\n')).toEqual({ type: 'null', kind: 'bulk' });
    expect(one('*-1\r\n')).toEqual({ type: 'null', kind: 'array' });
  });

  it('parses nested and empty arrays', () => {
    expect(toPlain(one('*3\r\n:1\r\n*2\r\n$1\r\na\r\n*0\r\n$-1\r\n'))).toEqual([1, ['a', []], null]);
    expect(one('*0\r\n')).toEqual({ type: 'array', items: [] });
  });

  it('keeps binary payloads byte for byte', () => {
    const payload = Buffer.from([0, 13, 10, 255, 128, 36]);
    const wire = Buffer.concat([Buffer.from('$6\r\n'), payload, Buffer.from('\r\n')]);
    const reply = parseAll(wire)[0]!;
    expect(reply.type).toBe('bulk');
    expect(Buffer.from((reply as { value: string }).value, 'latin1')).toEqual(payload);
  });

  it('keeps the exact text of 64-bit integers', () => {
    const reply = one(':9223372036854775807\r\n');
    expect(reply).toMatchObject({ type: 'integer', text: '9223372036854775807' });
    expect(toPlain(reply)).toBe(9223372036854775807n);
  });
});

describe('ReplyParser: RESP3', () => {
  it('parses every scalar type', () => {
    expect(one('_\r\n')).toEqual({ type: 'null', kind: 'resp3' });
    expect(one(',3.14\r\n')).toEqual({ type: 'double', value: 3.14, text: '3.14' });
    expect(one(',inf\r\n')).toMatchObject({ value: Infinity, text: 'inf' });
    expect(one(',-inf\r\n')).toMatchObject({ value: -Infinity });
    expect(Number.isNaN((one(',nan\r\n') as { value: number }).value)).toBe(true);
    expect(one('#t\r\n')).toEqual({ type: 'boolean', value: true });
    expect(one('#f\r\n')).toEqual({ type: 'boolean', value: false });
    expect(one('(3492890328409238509324850943850943825024385\r\n')).toEqual({
      type: 'bignum',
      value: '3492890328409238509324850943850943825024385',
    });
    expect(one('=15\r\ntxt:Some string\r\n')).toEqual({ type: 'verbatim', format: 'txt', value: 'Some string' });
    expect(one('!21\r\nSYNTAX invalid syntax\r\n')).toEqual({ type: 'error', value: 'SYNTAX invalid syntax' });
  });

  it('parses maps, sets and pushes as their own types', () => {
    const map = one('%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n%0\r\n');
    expect(map.type).toBe('map');
    expect(toPlain(map)).toEqual({ first: 1, second: {} });
    const set = one('~2\r\n+a\r\n+b\r\n');
    expect(set).toEqual({
      type: 'set',
      items: [
        { type: 'simple', value: 'a' },
        { type: 'simple', value: 'b' },
      ],
    });
    const push = one('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n');
    expect(push.type).toBe('push');
    expect(toPlain(push)).toEqual(['message', 'ch', 'hi']);
  });

  it('attaches attributes to the value that follows them', () => {
    const top = one('|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2\r\n:9\r\n');
    expect(top.type).toBe('array');
    expect(top.attributes).toHaveLength(1);
    expect(toPlain(top)).toEqual([2, 9]);
    const nested = one('*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n');
    expect(nested.type === 'array' && nested.items[1]!.attributes?.[0]?.[0]).toEqual({ type: 'simple', value: 'ttl' });
    expect(toPlain(nested)).toEqual([1, 2]);
  });
});

describe('ReplyParser: streaming', () => {
  const wire =
    '+OK\r\n-ERR x\r\n:7\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n' +
    '%1\r\n+k\r\n~1\r\n#t\r\n>2\r\n+a\r\n_\r\n,1.5\r\n(12\r\n=7\r\ntxt:abc\r\n|1\r\n+a\r\n+b\r\n+after\r\n';

  it('assembles the same replies from every split position', () => {
    const whole = parseAll(wire);
    expect(whole).toHaveLength(13);
    for (let size = 1; size <= 8; size++) expect(parseAll(wire, size)).toEqual(whole);
    const bytes = Buffer.from(wire, 'latin1');
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new ReplyParser();
      parser.feed(bytes.subarray(0, cut));
      parser.feed(bytes.subarray(cut));
      const out: RespValue[] = [];
      for (let r = parser.next(); r; r = parser.next()) out.push(r);
      expect(out).toEqual(whole);
    }
  });

  it('receives a large bulk in many chunks', () => {
    const payload = 'x'.repeat(1_000_000);
    const replies = parseAll(`$${payload.length}\r\n${payload}\r\n+next\r\n`, 65536);
    expect(replies).toHaveLength(2);
    expect((replies[0] as { value: string }).value.length).toBe(1_000_000);
    expect(replies[1]).toEqual({ type: 'simple', value: 'next' });
  });

  it('rejects bytes that are not RESP', () => {
    const parser = new ReplyParser();
    expect(() => parser.feed(Buffer.from('hello\r\n'))).toThrow(RespSyntaxError);
    expect(() => new ReplyParser().feed(Buffer.from('$x1\r\n'))).toThrow(RespSyntaxError);
    expect(() => new ReplyParser().feed(Buffer.from('*-2\r\n'))).toThrow(RespSyntaxError);
    expect(() => new ReplyParser().feed(Buffer.from('#x\r\n'))).toThrow(RespSyntaxError);
  });
});

describe('toPlain', () => {
  it('turns error replies into RespReplyError with their code', () => {
    const err = toPlain(one('-WRONGTYPE Operation against a key\r\n'));
    expect(err).toBeInstanceOf(RespReplyError);
    expect((err as RespReplyError).code).toBe('WRONGTYPE');
  });
});
