/**
 * Streaming parser for client requests: RESP multibulk (`*N\r\n$len\r\n...`) and
 * inline commands (telnet style). Mirrors processMultibulkBuffer() and
 * processInlineBuffer() in Redis's networking.c, including their limits and
 * error texts. Arguments come out as byte strings (latin1 JS strings).
 */
import { splitInlineArgs } from './inline.js';

/** Redis's PROTO_INLINE_MAX_SIZE: the longest inline request or length header. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;

export interface RequestLimits {
  /** proto-max-bulk-len; the master link is exempt, as in Redis. */
  maxBulkLen: number;
  /** When true, Redis refuses multibulk > 10 and bulk > 16384 before AUTH. */
  authRequired(): boolean;
  /** The replication link from our master is trusted with any bulk length. */
  isMaster?(): boolean;
}

/** A protocol violation: the server replies `-ERR <message>` and closes the connection. */
export class ProtocolError extends Error {}

const CR = 13;
const LF = 10;

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Remaining arguments of the multibulk being read, 0 when between commands. */
  private multibulkLen = 0;
  private bulkLen = -1;
  private args: string[] = [];
  /** Large bulk payloads are gathered in chunks to avoid re-copying the buffer. */
  private bulkChunks: Buffer[] = [];
  private bulkChunksLen = 0;

  /** Commands handed back by the server to be run again later (CLIENT PAUSE). */
  private pushedBack: string[][] = [];

  constructor(private readonly limits: RequestLimits) {}

  /** Puts a command back at the head of the queue; next() returns it first. */
  unshift(argv: string[]): void {
    this.pushedBack.unshift(argv);
  }

  feed(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  /** Bytes received and not yet consumed (CLIENT LIST's qbuf). */
  bufferedBytes(): number {
    return this.buf.length - this.pos + this.bulkChunksLen;
  }

  /**
   * The next complete command, or null when more input is needed. An empty
   * inline line yields an empty array (callers skip it). Throws ProtocolError.
   */
  next(): string[] | null {
    if (this.pushedBack.length > 0) return this.pushedBack.shift()!;
    if (this.multibulkLen === 0 && this.args.length === 0) {
      if (this.pos >= this.buf.length) return null;
      if (this.buf[this.pos] !== 0x2a /* '*' */) return this.parseInline();
    }
    return this.parseMultibulk();
  }

  private findNewline(from: number): number {
    return this.buf.indexOf(LF, from);
  }

  private parseInline(): string[] | null {
    const nl = this.findNewline(this.pos);
    if (nl === -1) {
      if (this.buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
        throw new ProtocolError('Protocol error: too big inline request');
      }
      return null;
    }
    let end = nl;
    if (end > this.pos && this.buf[end - 1] === CR) end--;
    const line = this.buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    const argv = splitInlineArgs(line);
    if (argv === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return argv;
  }

  private readLengthLine(kind: 'mbulk' | 'bulk'): number | null {
    const nl = this.findNewline(this.pos);
    if (nl === -1) {
      if (this.buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
        throw new ProtocolError(
          kind === 'mbulk'
            ? 'Protocol error: too big mbulk count string'
            : 'Protocol error: too big bulk count string',
        );
      }
      return null;
    }
    // The header is "<type><digits>\r\n"; Redis requires the \r (string2ll on the range).
    const end = nl > this.pos && this.buf[nl - 1] === CR ? nl - 1 : nl;
    const text = this.buf.toString('latin1', this.pos + 1, end);
    const value = parseStrictInt(text);
    this.pos = nl + 1;
    return value === null ? NaN : value;
  }

  private parseMultibulk(): string[] | null {
    if (this.multibulkLen === 0) {
      const count = this.readLengthLine('mbulk');
      if (count === null) return null;
      if (Number.isNaN(count) || count > 2147483647) {
        throw new ProtocolError('Protocol error: invalid multibulk length');
      }
      if (count > 10 && this.limits.authRequired()) {
        throw new ProtocolError('Protocol error: unauthenticated multibulk length');
      }
      if (count <= 0) return []; // "*0" and "*-1" are skipped like empty lines
      this.multibulkLen = count;
      this.args = [];
    }
    while (this.multibulkLen > 0) {
      if (this.bulkLen === -1) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] !== 0x24 /* '$' */) {
          const got = String.fromCharCode(this.buf[this.pos]!);
          throw new ProtocolError(`Protocol error: expected '$', got '${got}'`);
        }
        const len = this.readLengthLine('bulk');
        if (len === null) return null;
        const maxLen = this.limits.isMaster?.() ? Infinity : this.limits.maxBulkLen;
        if (Number.isNaN(len) || len < 0 || len > maxLen) {
          throw new ProtocolError('Protocol error: invalid bulk length');
        }
        if (len > 16384 && this.limits.authRequired()) {
          throw new ProtocolError('Protocol error: unauthenticated bulk length');
        }
        this.bulkLen = len;
      }
      const available = this.buf.length - this.pos;
      const needed = this.bulkLen + 2 - this.bulkChunksLen;
      if (available < needed) {
        // Keep a large partial payload aside instead of concatenating on every read.
        if (this.bulkLen >= 32 * 1024 && available > 0) {
          this.bulkChunks.push(this.buf.subarray(this.pos));
          this.bulkChunksLen += available;
          this.pos = this.buf.length;
        }
        return null;
      }
      let arg: string;
      if (this.bulkChunks.length > 0) {
        this.bulkChunks.push(this.buf.subarray(this.pos, this.pos + needed));
        const whole = Buffer.concat(this.bulkChunks, this.bulkChunksLen + needed);
        arg = whole.toString('latin1', 0, this.bulkLen);
        this.bulkChunks = [];
        this.bulkChunksLen = 0;
      } else {
        arg = this.buf.toString('latin1', this.pos, this.pos + this.bulkLen);
      }
      this.pos += needed;
      this.args.push(arg);
      this.bulkLen = -1;
      this.multibulkLen--;
    }
    const argv = this.args;
    this.args = [];
    return argv;
  }
}

/** string2ll(): an optional '-', digits, no leading zeros, no spaces, fits in int64. */
export function parseStrictInt(text: string): number | null {
  if (text.length === 0 || text.length > 20) return null;
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}
