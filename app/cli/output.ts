/**
 * Synchronous writes to stdout and stderr, in the order they are made, as
 * redis-cli's C stdio does at a terminal: a reply, an error on stderr and the
 * next prompt must reach a pty in that order. Strings are byte strings.
 */
import { writeSync } from 'node:fs';

function writeAll(fd: number, text: string): void {
  if (text.length === 0) return;
  const bytes = Buffer.from(text, 'latin1');
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      // A non-blocking pipe that is full: wait for the reader, as a blocking write would.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

export function writeOut(text: string): void {
  writeAll(1, text);
}

export function writeErr(text: string): void {
  writeAll(2, text);
}
