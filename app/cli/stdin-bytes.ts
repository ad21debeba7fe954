/**
 * Standard input as a stream of bytes to await one at a time (the line editor)
 * or line by line (commands piped in, read as linenoise reads a non-tty).
 */
import type { Readable } from 'node:stream';
import type { ByteSource } from './line-editor.js';

export class StdinBytes implements ByteSource {
  private chunks: Buffer[] = [];
  private offset = 0;
  private ended = false;
  private waiter: (() => void) | undefined;

  constructor(stream: Readable) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private async available(): Promise<boolean> {
    while (this.chunks.length === 0) {
      if (this.ended) return false;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    return true;
  }

  async nextByte(): Promise<number | undefined> {
    if (!(await this.available())) return undefined;
    const chunk = this.chunks[0]!;
    const byte = chunk[this.offset++]!;
    if (this.offset >= chunk.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    return byte;
  }

  /** linenoiseNoTTY: a line without its "\n" (a "\r" stays); null at the end of input. */
  async nextLine(): Promise<string | null> {
    let line = '';
    for (;;) {
      if (!(await this.available())) return line === '' ? null : line;
      const chunk = this.chunks[0]!;
      const newline = chunk.indexOf(0x0a, this.offset);
      const end = newline === -1 ? chunk.length : newline;
      line += chunk.toString('latin1', this.offset, end);
      this.offset = newline === -1 ? chunk.length : newline + 1;
      if (this.offset >= chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      if (newline !== -1) return line;
    }
  }

  /** Everything until the end of input (-x). */
  async readAll(): Promise<string> {
    let all = '';
    while (await this.available()) {
      const chunk = this.chunks.shift()!;
      all += chunk.toString('latin1', this.offset);
      this.offset = 0;
    }
    return all;
  }
}
