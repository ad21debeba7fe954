/**
 * Comparing redis-cli transcripts for the interop test: the one legitimate
 * difference (client ids), a unified diff, and locating the first command whose
 * output differs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * HELLO replies carry the connection's id. Redis hands ids 1 and 2 to its internal
 * Lua and functions clients at start-up and counts every connection (including
 * the test's readiness probes), so the id is not part of the contract.
 */
export function normalizeClientIds(output: string): string {
  return output
    .replace(/^(proto [23]\nid )\d+$/gm, '$1<id>') // raw, RESP3 map
    .replace(/^(proto\n[23]\nid\n)\d+$/gm, '$1<id>') // raw, RESP2 array
    .replace(/^(\d+# "id" => \(integer\) )\d+$/gm, '$1<id>') // --no-raw, RESP3 map
    .replace(/^( 7\) "id"\n 8\) \(integer\) )\d+$/gm, '$1<id>'); // --no-raw, RESP2 array
}

const MAX_DIFF_LINES = 150;

/** `diff -u` of two transcripts, cut to its first MAX_DIFF_LINES lines. */
export function unifiedDiff(expected: string, actual: string, expectedLabel: string, actualLabel: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'interop-diff-'));
  try {
    writeFileSync(join(dir, 'a'), expected, 'latin1');
    writeFileSync(join(dir, 'b'), actual, 'latin1');
    const result = spawnSync(
      'diff',
      ['-u', '--label', expectedLabel, '--label', actualLabel, join(dir, 'a'), join(dir, 'b')],
      { encoding: 'latin1' },
    );
    if (result.error) return `(diff unavailable: ${result.error.message})`;
    const lines = result.stdout.split('\n');
    const more = lines.length > MAX_DIFF_LINES ? `\n... ${lines.length - MAX_DIFF_LINES} more diff lines` : '';
    return lines.slice(0, MAX_DIFF_LINES).join('\n') + more;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MARKER = /^"?@@interop-line-(\d+)@@"?$/;

/** Output of each session line, read from a run where every command is preceded by an ECHO marker. */
function outputsByLine(markedOutput: string): Map<number, string> {
  const byLine = new Map<number, string>();
  let current = -1;
  let buffer: string[] = [];
  for (const line of markedOutput.split('\n')) {
    const marker = MARKER.exec(line);
    if (marker) {
      if (current >= 0) byLine.set(current, buffer.join('\n'));
      current = Number(marker[1]);
      buffer = [];
    } else {
      buffer.push(line);
    }
  }
  if (current >= 0) byLine.set(current, buffer.join('\n'));
  return byLine;
}

/**
 * Re-runs the session with an ECHO marker before each command on both servers
 * and describes the first command whose output differs. (Inside MULTI the
 * markers are queued too, so there the blame lands on EXEC.)
 */
export function firstDifferingCommand(
  session: string,
  runExpected: (input: string) => string,
  runActual: (input: string) => string,
): string {
  const lines = session.split('\n');
  const marked = lines
    .map((line, index) => (line.trim() === '' ? line : `ECHO @@interop-line-${index + 1}@@\n${line}`))
    .join('\n');
  const expected = outputsByLine(runExpected(marked));
  const actual = outputsByLine(runActual(marked));
  for (let lineNumber = 1; lineNumber <= lines.length; lineNumber++) {
    const want = expected.get(lineNumber);
    const got = actual.get(lineNumber);
    if (want !== got) {
      return (
        `First differing command: session.txt line ${lineNumber}: ${lines[lineNumber - 1]}\n` +
        `  redis-server: ${JSON.stringify(want ?? '(no output)')}\n` +
        `  engine:       ${JSON.stringify(got ?? '(no output)')}`
      );
    }
  }
  return 'Could not pin the difference to one command (it does not show when each command is preceded by ECHO).';
}
