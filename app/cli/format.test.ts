import { describe, expect, it } from 'vitest';
import { ReplyParser, type RespValue } from '../resp/reply-parser.js';
import { formatCSV, formatRaw, formatTTY } from './format.js';

function parse(wire: string): RespValue {
  const parser = new ReplyParser();
  parser.feed(Buffer.from(wire, 'latin1'));
  return parser.next()!;
}

describe('reply formatting as redis-cli prints it', () => {
  it('indents nested arrays by the width of the index', () => {
    const reply = parse('*10\r\n' + ':1\r\n'.repeat(9) + '*2\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n');
    expect(formatTTY(reply)).toBe(
      ' 1) (integer) 1\n' +
        [2, 3, 4, 5, 6, 7, 8, 9].map((i) => ` ${i}) (integer) 1\n`).join('') +
        '10) 1) "a"\n    2) 1) "b"\n',
    );
  });

  it('prints maps with => and breaks before a multi-line value', () => {
    const reply = parse('%2\r\n+a\r\n:1\r\n+b\r\n*2\r\n:1\r\n:2\r\n');
    expect(formatTTY(reply)).toBe('1# a => (integer) 1\n2# b => \n   1) (integer) 1\n   2) (integer) 2\n');
  });

  it('names empty aggregates and quotes binary strings', () => {
    expect(formatTTY(parse('*0\r\n'))).toBe('(empty array)\n');
    expect(formatTTY(parse('%0\r\n'))).toBe('(empty hash)\n');
    expect(formatTTY(parse('~0\r\n'))).toBe('(empty set)\n');
    expect(formatTTY(parse('$3\r\n\x00\xff"\r\n'))).toBe('"\\x00\\xff\\""\n');
  });

  it('raw and CSV', () => {
    expect(formatRaw(parse('-ERR x\r\n'))).toBe('ERR x\n');
    expect(formatRaw(parse('%1\r\n+k\r\n,1.5\r\n'))).toBe('k 1.5');
    expect(formatCSV(parse('*3\r\n$1\r\na\r\n:2\r\n_\r\n'))).toBe('"a",2,NULL');
  });
});
