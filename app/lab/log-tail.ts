/**
 * The last lines of a node's log file (a crashed node's last words), and a
 * bounded line buffer for what a process writes to stdout/stderr before its
 * log file is open.
 */
import { open, stat } from 'node:fs/promises';

/** At most this much of the file's end is read: a tail, never a whole log. */
const TAIL_BYTES = 64 * 1024;

/** The last `count` non-empty lines written at or after byte `fromOffset`; [] when there is no file. */
export async function readLogTail(path: string, count: number, fromOffset = 0): Promise<string[]> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return [];
  }
  // A log truncated since the offset was taken is read from its start.
  const from = Math.max(fromOffset > size ? 0 : fromOffset, size - TAIL_BYTES);
  if (size <= from) return [];
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size - from);
    await file.read(buffer, 0, buffer.length, from);
    const lines = buffer.toString('utf8').split('\n');
    // A read that started mid-file begins with a partial line.
    if (from > fromOffset && from > 0) lines.shift();
    return lines.filter((line) => line.trim() !== '').slice(-count);
  } finally {
    await file.close();
  }
}

export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Keeps the last `capacity` lines of a stream. */
export class LineBuffer {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly capacity: number) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  /** The buffered lines, the unterminated last one included. */
  tail(): string[] {
    const lines = this.partial.trim() === '' ? this.lines : [...this.lines, this.partial];
    return lines.slice(-this.capacity);
  }

  private add(line: string): void {
    if (line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }
}
