import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSize, LineBuffer, readLogTail } from './log-tail.js';

describe('log tail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replica-lab-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the last lines written since an offset', async () => {
    const path = join(dir, 'logfile-6379');
    writeFileSync(path, 'old run 1\nold run 2\n');
    const offset = await fileSize(path);
    appendFileSync(path, 'new 1\n\nnew 2\nnew 3\n');
    expect(await readLogTail(path, 2, offset)).toEqual(['new 2', 'new 3']);
    expect(await readLogTail(path, 10, offset)).toEqual(['new 1', 'new 2', 'new 3']);
    expect(await readLogTail(path, 10)).toEqual(['old run 1', 'old run 2', 'new 1', 'new 2', 'new 3']);
    expect(await readLogTail(join(dir, 'missing'), 5)).toEqual([]);
  });

  it('reads only the end of a big log', async () => {
    const path = join(dir, 'big');
    writeFileSync(path, 'x'.repeat(200_000) + '\nlast\n');
    expect(await readLogTail(path, 5)).toEqual(['last']);
  });

  it('keeps the last lines of a stream', () => {
    const buffer = new LineBuffer(2);
    buffer.push('a\nb');
    buffer.push('c\nd\ne');
    expect(buffer.tail()).toEqual(['d', 'e']);
  });
});
