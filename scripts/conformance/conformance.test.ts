import { describe, expect, it } from 'vitest';
import { checkFloor, notRunCount, raiseFloor } from './report.mjs';
import { parseRuntestOutput } from './run-file.mjs';
import { debSrcTwin } from './suite-source.mjs';

const output = [
  '[ready]: 1234',
  '[ok]: SET and GET an item (1 ms)',
  '[err]: GETDEL propagate as DEL command to replica in tests/unit/type/string.tcl',
  "Expected 'foo' to equal 'bar'",
  '[ignore]: Not supported on external server',
  '[ok]: MGET (0 ms)',
  "[exception]: Executing test client: ERR unknown command 'dump', with args beginning with: 'k'.",
  "ERR unknown command 'dump'",
  '    while executing',
  '"r dump k"',
].join('\n');

describe('conformance runner', () => {
  it('counts ok, err, exception and ignored lines of runtest output', () => {
    const result = parseRuntestOutput(output);
    expect(result).toMatchObject({ ok: 2, err: 1, exception: 1, ignored: 1, timedOut: false });
    expect(result.failures).toEqual(["GETDEL propagate as DEL command to replica -- Expected 'foo' to equal 'bar'"]);
    expect(result.exceptionText).toContain("unknown command 'dump'");
    expect(result.exceptionText).not.toContain('while executing');
  });

  it('notices a stalled run', () => {
    const stalled = parseRuntestOutput(
      '[ok]: a (1 ms)\n[TIMEOUT]: clients state report follows.\nsock1 => (IN PROGRESS) b\n',
    );
    expect(stalled.timedOut).toBe(true);
    expect(stalled.exceptionText).toContain('(IN PROGRESS) b');
  });

  it('counts tests never reached against the reference, else against the test blocks after an abort', () => {
    const aborted = { ok: 5, err: 1, exception: 1, timedOut: false };
    expect(notRunCount(aborted, { ok: 20, err: 0 }, 12)).toBe(14);
    expect(notRunCount(aborted, undefined, 12)).toBe(6);
    expect(notRunCount({ ...aborted, exception: 0 }, undefined, 12)).toBe(0);
  });

  it('checks the floor over the files run and only ever raises it', () => {
    const results = { files: { a: { engine: { ok: 10 } }, b: { engine: { ok: 3 } } } };
    const floor = { files: { a: 8, b: 4, c: 50 }, total: 62 };
    expect(checkFloor(floor, results, ['a', 'b'])).toMatchObject({ ok: true, okSum: 13, floorSum: 12 });
    expect(checkFloor(floor, results, ['b']).ok).toBe(false);
    expect(raiseFloor(floor, results, ['a', 'b'])).toMatchObject({ files: { a: 10, b: 4, c: 50 }, total: 64 });
  });

  it('writes a deb-src twin of debian.sources with the same URIs, suites and keys', () => {
    const debianSources = [
      'Types: deb',
      '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
      'URIs: http://deb.debian.org/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      '',
      'Types: deb-src',
      'URIs: http://example.org/other',
    ].join('\n');
    expect(debSrcTwin(debianSources)).toEqual([
      [
        'Types: deb-src',
        'URIs: http://deb.debian.org/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      ].join('\n'),
    ]);
  });
});
