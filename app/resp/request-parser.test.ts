import { describe, expect, it } from 'vitest';
import {
  PROTO_INLINE_MAX_SIZE,
  ProtocolError,
  RequestParser,
  parseStrictInt,
  string2ll,
  type RequestLimits,
} from './request-parser.js';

function limits(overrides: Partial<{ maxBulkLen: number; auth: boolean; master: boolean }> = {}): RequestLimits {
  return {
    maxBulkLen: () => overrides.maxBulkLen ?? 512 * 1024 * 1024,
    authRequired: () => overrides.auth ?? false,
    isMaster: () => overrides.master ?? false,
  };
}

/** Feeds `wire` in the given pieces and collects every command, or the protocol error. */
function run(
  pieces: (string | Buffer)[],
  parser = new RequestParser(limits()),
): { commands: string[][]; error?: string } {
  const commands: string[][] = [];
  try {
    for (const piece of pieces) {
      parser.feed(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
      for (let argv = parser.next(); argv !== null; argv = parser.next()) commands.push(argv);
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { commands, error: err.message };
  }
  return { commands };
}

function multibulk(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

describe('RequestParser: multibulk', () => {
  it('parses commands, binary arguments and empty arguments', () => {
    const binary = '\x00\r\n\xff$*';
    expect(run([multibulk('SET', 'k', binary) + multibulk('ECHO', '')]).commands).toEqual([
      ['SET', 'k', binary],
      ['ECHO', ''],
    ]);
  });

  it('assembles the same commands when split at every byte boundary', () => {
    const wire =
      multibulk('SET', 'key', 'x'.repeat(40)) +
      'PING\r\n' +
      '*0\r\n' +
      multibulk('A', 'bb', 'ccc', 'dddd', 'eeeee') +
      ' echo "a b" \n';
    const expected = run([wire]).commands;
    expect(expected).toEqual([
      ['SET', 'key', 'x'.repeat(40)],
      ['PING'],
      [],
      ['A', 'bb', 'ccc', 'dddd', 'eeeee'],
      ['echo', 'a b'],
    ]);
    for (let cut = 1; cut < wire.length; cut++) {
      expect(run([wire.slice(0, cut), wire.slice(cut)]).commands).toEqual(expected);
      expect(run([wire.slice(0, cut), wire.slice(cut, cut + 3), wire.slice(cut + 3)]).commands).toEqual(expected);
    }
    expect(run([...wire]).commands).toEqual(expected);
  });

  it('parses thousands of pipelined commands in one chunk', () => {
    const wire = Array.from({ length: 5000 }, (_, i) => multibulk('SET', `key:${i}`, `value:${i}`)).join('');
    const { commands } = run([wire]);
    expect(commands).toHaveLength(5000);
    expect(commands[4999]).toEqual(['SET', 'key:4999', 'value:4999']);
  });

  it('receives a large argument over many reads', () => {
    const value = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const wire = Buffer.concat([
      Buffer.from(`*2\r\n$3\r\nSET\r\n$${value.length}\r\n`),
      value,
      Buffer.from('\r\nPING\r\n'),
    ]);
    const pieces: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 65536) pieces.push(wire.subarray(i, i + 65536));
    const parser = new RequestParser(limits());
    const { commands } = run(pieces, parser);
    expect(commands.map((c) => c.map((a) => a.length))).toEqual([[3, value.length], [4]]);
    expect(parser.bufferedBytes()).toBe(0);
  });

  it('treats *0 and negative counts as empty requests', () => {
    expect(run(['*0\r\n*-1\r\n*-10\r\n', multibulk('PING')]).commands).toEqual([[], [], [], ['PING']]);
  });

  it('skips the byte after \\r without checking it, as Redis does', () => {
    expect(run(['*1\rX$4\rYPINGZZ']).commands).toEqual([['PING']]);
  });

  it.each([
    ['*3000000000\r\n', 'Protocol error: invalid multibulk length'],
    ['*2147483648\r\n', 'Protocol error: invalid multibulk length'],
    ['*01\r\n', 'Protocol error: invalid multibulk length'],
    ['*-0\r\n', 'Protocol error: invalid multibulk length'],
    ['*+1\r\n', 'Protocol error: invalid multibulk length'],
    ['*\r\n', 'Protocol error: invalid multibulk length'],
    ['*1 \r\n', 'Protocol error: invalid multibulk length'],
    ['*99999999999999999999\r\n', 'Protocol error: invalid multibulk length'],
    ['*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', "Protocol error: expected '$', got 'f'"],
    ['*1\r\nfoo\r\n', "Protocol error: expected '$', got 'f'"],
    ['*1\r\n*1\r\n', "Protocol error: expected '$', got '*'"],
    ['*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$2000000000\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$blabla\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$04\r\n', 'Protocol error: invalid bulk length'],
    ['*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
    ['set """test-key""" test-value\r\nping\r\n', 'Protocol error: unbalanced quotes in request'],
    ['ECHO "a"b\r\n', 'Protocol error: unbalanced quotes in request'],
  ])('refuses %j', (wire, message) => {
    expect(run([wire]).error).toBe(message);
  });

  it('refuses a bulk over proto-max-bulk-len before allocating it', () => {
    const parser = new RequestParser(limits({ maxBulkLen: 2 * 1024 * 1024 }));
    expect(run(['*1\r\n$2097152\r\n'], parser).error).toBeUndefined();
    expect(parser.bufferedBytes()).toBe(0);
    expect(run(['*1\r\n$2097153\r\n'], new RequestParser(limits({ maxBulkLen: 2 * 1024 * 1024 }))).error).toBe(
      'Protocol error: invalid bulk length',
    );
    // The master link is exempt.
    expect(
      run(['*1\r\n$2097153\r\n'], new RequestParser(limits({ maxBulkLen: 2 * 1024 * 1024, master: true }))).error,
    ).toBeUndefined();
  });

  it('limits unauthenticated clients', () => {
    const auth = () => new RequestParser(limits({ auth: true }));
    expect(run(['*10\r\n'], auth()).error).toBeUndefined();
    expect(run(['*11\r\n'], auth()).error).toBe('Protocol error: unauthenticated multibulk length');
    expect(run(['*1\r\n$16384\r\n'], auth()).error).toBeUndefined();
    expect(run(['*1\r\n$16385\r\n'], auth()).error).toBe('Protocol error: unauthenticated bulk length');
    expect(run(['*11\r\n'], new RequestParser(limits())).error).toBeUndefined();
  });

  it('refuses length headers longer than 64 KB', () => {
    const filler = '1'.repeat(PROTO_INLINE_MAX_SIZE - 1);
    expect(run([`*${filler}`]).error).toBeUndefined();
    expect(run([`*${filler}1`]).error).toBe('Protocol error: too big mbulk count string');
    expect(run([`*1\r\n$${filler}`]).error).toBeUndefined();
    expect(run([`*1\r\n$${filler}1`]).error).toBe('Protocol error: too big bulk count string');
  });

  it('waits at a NUL before the \\r of a header, as strchr stops there', () => {
    expect(run(['*1\r\n$\x004\r\nPING\r\n']).commands).toEqual([]);
    expect(run(['*\x00' + 'A'.repeat(PROTO_INLINE_MAX_SIZE)]).error).toBe('Protocol error: too big mbulk count string');
  });
});

describe('RequestParser: inline', () => {
  it('splits with sdssplitargs quoting', () => {
    expect(run(['SET k "a\\x41\\n b"\r\n', "ECHO 'it\\'s'\n", 'ECHO a"b c"\r\n', 'ECHO a\vb\r\n']).commands).toEqual([
      ['SET', 'k', 'aA\n b'],
      ['ECHO', "it's"],
      ['ECHO', 'ab c'],
      ['ECHO', 'a\vb'],
    ]);
  });

  it('yields empty requests for empty lines and a lone \\n', () => {
    expect(run(['\r\n', '\n', '   \r\n', 'PING\r\r\n']).commands).toEqual([[], [], [], ['PING']]);
  });

  it('never completes a line holding a NUL, until it is too big', () => {
    expect(run(['PI\x00NG\r\nPING\r\n']).commands).toEqual([]);
    expect(run(['\x00' + 'payload'.repeat(10000)]).error).toBe('Protocol error: too big inline request');
  });

  it('refuses an inline request longer than 64 KB without a newline', () => {
    expect(run(['x'.repeat(PROTO_INLINE_MAX_SIZE)]).error).toBeUndefined();
    expect(run(['x'.repeat(PROTO_INLINE_MAX_SIZE + 1)]).error).toBe('Protocol error: too big inline request');
    expect(run(['ECHO ' + 'x'.repeat(PROTO_INLINE_MAX_SIZE) + '\r\n']).commands[0]![1]!.length).toBe(
      PROTO_INLINE_MAX_SIZE,
    );
  });

  it('drops a master that sends inline commands, silently; newlines are keepalives', () => {
    const master = () => new RequestParser(limits({ master: true }));
    expect(run(['\n\r\n'], master()).commands).toEqual([[], []]);
    const parser = master();
    parser.feed(Buffer.from('PING\r\n'));
    try {
      parser.next();
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).silent).toBe(true);
    }
  });
});

describe('RequestParser: bookkeeping', () => {
  it('returns pushed-back commands first', () => {
    const parser = new RequestParser(limits());
    parser.feed(Buffer.from(multibulk('B')));
    parser.unshift(['A']);
    expect(parser.next()).toEqual(['A']);
    expect(parser.next()).toEqual(['B']);
    expect(parser.next()).toBeNull();
  });

  it('counts consumed bytes across reads and buffer changes', () => {
    const parser = new RequestParser(limits());
    const big = 'x'.repeat(100_000);
    const wire = multibulk('SET', 'k', big) + '\n' + multibulk('PING') + 'PING\r\n';
    const offsets: number[] = [];
    for (let i = 0; i < wire.length; i += 7000) {
      parser.feed(Buffer.from(wire.slice(i, i + 7000), 'latin1'));
      for (let argv = parser.next(); argv !== null; argv = parser.next()) offsets.push(parser.consumedBytes());
    }
    const first = multibulk('SET', 'k', big).length;
    expect(offsets).toEqual([first, first + 1, first + 1 + 14, wire.length]);
  });

  it('reports buffered bytes', () => {
    const parser = new RequestParser(limits());
    parser.feed(Buffer.from('*1\r\n$4\r\nPI'));
    expect(parser.next()).toBeNull();
    expect(parser.bufferedBytes()).toBe(2);
    parser.feed(Buffer.from('NG\r\n'));
    expect(parser.next()).toEqual(['PING']);
    expect(parser.bufferedBytes()).toBe(0);
  });
});

describe('string2ll', () => {
  it('accepts what Redis accepts', () => {
    const parse = (s: string) => string2ll(Buffer.from(s), 0, s.length);
    expect(parse('0')).toBe(0);
    expect(parse('-1')).toBe(-1);
    expect(parse('9223372036854775807')).toBe(2 ** 63);
    expect(parse('-9223372036854775808')).toBe(-9223372036854775808);
    for (const bad of [
      '',
      '-',
      '-0',
      '00',
      '01',
      '+1',
      ' 1',
      '1 ',
      '1a',
      '9223372036854775808',
      '-9223372036854775809',
      '1'.repeat(21),
    ]) {
      expect(parse(bad), bad).toBeNaN();
    }
    expect(parseStrictInt('42')).toBe(42);
    expect(parseStrictInt('4 2')).toBeNull();
  });
});
