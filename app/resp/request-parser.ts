/**
 * Streaming parser for client requests: RESP multibulk (`*N\r\n$len\r\n...`) and
 * inline commands (telnet style). Mirrors processMultibulkBuffer() and
 * processInlineBuffer() in Redis 7.0's networking.c, including their quirks,
 * limits and error texts:
 *
 * - length headers are found by searching for '\r' (as strchr does, stopping at
 *   a NUL byte), and the byte after it is skipped without being checked;
 * - `*0` and negative multibulk counts are requests with no arguments (skipped);
 * - an inline line is split with sdssplitargs() (inline.ts), and an inline line
 *   holding a NUL byte is never complete (strchr stops there) until the limit;
 * - a length header is refused (proto-max-bulk-len, unauthenticated limits)
 *   before anything is allocated for it.
 *
 * This is the hot path of the server. Input chunks are parsed in place when a
 * chunk holds whole commands; only a command split across reads is copied into
 * a parser-owned buffer, which grows geometrically so a large argument arriving
 * in many reads is copied O(1) times per byte, never re-concatenated per read.
 *
 * Arguments come out as byte strings (latin1 JS strings).
 */
import { splitInlineArgs } from './inline.js';
import { MBULK_BIG_ARG, QueryBufferAccounting } from './query-buffer.js';

/** Redis's PROTO_INLINE_MAX_SIZE: the longest inline request or length header. */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Multibulk count and bulk length above which authRequired() clients are refused. */
const UNAUTH_MAX_MULTIBULK = 10;
const UNAUTH_MAX_BULK = 16384;
const INT_MAX = 2147483647;
/** The smallest value proto-max-bulk-len accepts: shorter bulks need no limit lookup. */
const MIN_PROTO_MAX_BULK_LEN = 1024 * 1024;
/** Owned buffers larger than this are released once drained (clientsCronResizeQueryBuffer's job). */
const KEEP_OWNED_BUFFER_MAX = 64 * 1024;

export interface RequestLimits {
  /** proto-max-bulk-len, read only for bulks of 1 MB and more. The master link is exempt. */
  maxBulkLen(): number;
  /** When true, Redis refuses multibulk > 10 and bulk > 16384 before AUTH. */
  authRequired(): boolean;
  /** The replication link from our master is trusted with any bulk length. */
  isMaster?(): boolean;
}

/**
 * A protocol violation: the server replies `-ERR <message>` (unless `silent`)
 * and closes the connection. `reason` is the text Redis logs.
 */
export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly reason: string = message,
    /** The master's stream is closed without a reply (Redis logs and drops it). */
    readonly silent = false,
  ) {
    super(message);
  }
}

const CR = 13;
const LF = 10;
const NUL = 0;
const STAR = 0x2a;
const DOLLAR = 0x24;
const EMPTY = Buffer.alloc(0);

export class RequestParser {
  /** Exactly the bytes received and not yet discarded; `pos` is the parse position. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /**
   * Parser-owned storage when a command spanned reads; while set, `buf` is a view
   * of its first bytes (its capacity is the room to append).
   */
  private store: Buffer | undefined;
  /** Arguments still to read of the multibulk being parsed; 0 between commands. */
  private multibulkLen = 0;
  /** Length of the bulk whose header was read, -1 when the next thing is a header. */
  private bulkLen = -1;
  private args: string[] = [];
  /**
   * Start of the bytes Redis would still hold in its query buffer: it trims
   * what it parsed only once the whole read is processed, so a command running
   * now still counts in CLIENT LIST's qbuf.
   */
  private trimPos = 0;
  /** Redis's sizing of this client's query buffer (CLIENT LIST qbuf-free). */
  readonly queryBuffer = new QueryBufferAccounting();
  /** Bytes consumed before the start of `buf` (see consumedBytes()). */
  private consumedBefore = 0;

  /** Commands handed back by the server to be run again later (CLIENT PAUSE). */
  private readonly pushedBack: string[][] = [];

  constructor(private readonly limits: RequestLimits) {}

  /** Puts a command back at the head of the queue; next() returns it first. */
  unshift(argv: string[]): void {
    this.pushedBack.unshift(argv);
  }

  feed(chunk: Buffer): void {
    const leftover = this.buf.length - this.pos;
    this.trimPos = this.pos;
    const isMaster = this.limits.isMaster?.() ?? false;
    const readingBigArg = this.multibulkLen > 0 && this.bulkLen >= MBULK_BIG_ARG;
    this.queryBuffer.receive(leftover, chunk.length, readingBigArg ? this.bulkLen + 2 - leftover : -1, isMaster);
    if (leftover === 0) {
      // The common case: nothing pending, parse the chunk where it lies.
      this.consumedBefore += this.pos;
      this.buf = chunk;
      this.pos = 0;
      this.trimPos = 0;
      this.store = undefined;
      return;
    }
    const needed = leftover + chunk.length;
    const store = this.store;
    if (store !== undefined && store.length >= this.buf.length + chunk.length) {
      // Append in place: the pending bytes stay where they are.
      chunk.copy(store, this.buf.length);
      this.buf = store.subarray(0, this.buf.length + chunk.length);
      return;
    }
    let target: Buffer;
    if (store !== undefined && store.length >= needed) {
      target = store;
      this.buf.copy(target, 0, this.pos);
    } else {
      target = Buffer.allocUnsafe(this.growCapacity(needed));
      this.buf.copy(target, 0, this.pos);
    }
    chunk.copy(target, leftover);
    this.consumedBefore += this.pos;
    this.store = target;
    this.buf = target.subarray(0, needed);
    this.pos = 0;
    this.trimPos = 0;
  }

  /**
   * Room for what is pending plus what is likely to come: twice the need, but no
   * more than the rest of a bulk being received (whose length was already checked).
   */
  private growCapacity(needed: number): number {
    let capacity = Math.max(needed * 2, 16 * 1024);
    if (this.bulkLen >= 0) {
      const bulkEnd = this.bulkLen + 2;
      if (bulkEnd >= needed) capacity = Math.min(capacity, bulkEnd + 1024);
    }
    return capacity;
  }

  /**
   * Every byte parsed since the connection opened: on the link from our master,
   * the replication offset applied so far is where this stood after a command
   * (commandProcessed()'s reploff).
   */
  consumedBytes(): number {
    return this.consumedBefore + this.pos;
  }

  /** Bytes received and not yet consumed. */
  bufferedBytes(): number {
    return this.buf.length - this.pos;
  }

  /** sdslen(c->querybuf): CLIENT LIST's qbuf, including the command being run. */
  queryBufferLength(): number {
    return this.buf.length - this.trimPos;
  }

  /** sdsavail(c->querybuf): CLIENT LIST's qbuf-free. */
  queryBufferFree(): number {
    return Math.max(0, this.queryBuffer.alloc - this.queryBufferLength());
  }

  /** clientsCronResizeQueryBuffer(): called by the server cron. */
  cronResizeQueryBuffer(idleSeconds: number): void {
    const bulkLen = this.multibulkLen > 0 ? this.bulkLen : -1;
    this.queryBuffer.cronResize(this.queryBufferLength(), idleSeconds, bulkLen);
  }

  /** The first bytes not yet consumed, for log lines (sdscatrepr of the query buffer). */
  pendingPreview(maxBytes: number): string {
    return this.buf.toString('latin1', this.pos, Math.min(this.buf.length, this.pos + maxBytes));
  }

  /**
   * The next complete command, or null when more input is needed. A request
   * with no arguments (an empty inline line, `*0`, `*-1`) yields an empty array,
   * which callers skip (a replica's empty line refreshes its ACK time).
   * Throws ProtocolError; the parser must not be used after that.
   */
  next(): string[] | null {
    if (this.pushedBack.length > 0) return this.pushedBack.shift()!;
    const argv = this.parseNext();
    // Waiting for input ends processing of this read: Redis trims its buffer here.
    if (argv === null) this.trimPos = this.pos;
    return argv;
  }

  private parseNext(): string[] | null {
    if (this.multibulkLen === 0) {
      if (this.pos >= this.buf.length) {
        this.releaseDrained();
        return null;
      }
      if (this.buf[this.pos] !== STAR) return this.parseInline();
      if (!this.parseMultibulkHeader()) return null;
      if (this.multibulkLen === 0) return [];
    }
    return this.parseBulks();
  }

  private releaseDrained(): void {
    if (this.store !== undefined && this.store.length > KEEP_OWNED_BUFFER_MAX) {
      this.consumedBefore += this.pos;
      this.store = undefined;
      this.buf = EMPTY;
      this.pos = 0;
    }
  }

  /** strchr(p, '\r') on the pending bytes: -1 if absent or if a NUL comes first. */
  private findCR(from: number): number {
    const buf = this.buf;
    const end = buf.length;
    for (let i = from; i < end; i++) {
      const b = buf[i]!;
      if (b === CR) return i;
      if (b === NUL) return -1;
    }
    return -1;
  }

  private parseInline(): string[] | null {
    const buf = this.buf;
    const start = this.pos;
    const nl = buf.indexOf(LF, start);
    // strchr(p, '\n') stops at a NUL: such a line is never complete.
    const complete = nl !== -1 && !containsNul(buf, start, nl);
    if (!complete) {
      if (buf.length - start > PROTO_INLINE_MAX_SIZE) {
        throw new ProtocolError('Protocol error: too big inline request', 'too big inline request');
      }
      return null;
    }
    const lineEnd = nl > start && buf[nl - 1] === CR ? nl - 1 : nl;
    const argv = splitInlineArgs(buf.toString('latin1', start, lineEnd));
    if (argv === null) {
      throw new ProtocolError('Protocol error: unbalanced quotes in request', 'unbalanced quotes in inline request');
    }
    if (lineEnd > start && this.limits.isMaster?.()) {
      // A master never sends inline commands, only newlines as keepalives.
      throw new ProtocolError(
        'Master using the inline protocol. Desync?',
        'Master using the inline protocol. Desync?',
        true,
      );
    }
    this.pos = nl + 1;
    return argv;
  }

  /** Reads `*<count>\r\n`; false when more input is needed. */
  private parseMultibulkHeader(): boolean {
    const buf = this.buf;
    const cr = this.findCR(this.pos);
    if (cr === -1) {
      if (buf.length - this.pos > PROTO_INLINE_MAX_SIZE) {
        throw new ProtocolError('Protocol error: too big mbulk count string', 'too big mbulk count string');
      }
      return false;
    }
    // Redis waits for the byte after '\r' and skips it unchecked.
    if (cr + 1 >= buf.length) return false;
    const count = string2ll(buf, this.pos + 1, cr);
    if (Number.isNaN(count) || count > INT_MAX) {
      throw new ProtocolError('Protocol error: invalid multibulk length', 'invalid mbulk count');
    }
    if (count > UNAUTH_MAX_MULTIBULK && this.limits.authRequired()) {
      throw new ProtocolError('Protocol error: unauthenticated multibulk length', 'unauth mbulk count');
    }
    this.pos = cr + 2;
    if (count > 0) this.multibulkLen = count;
    return true;
  }

  private parseBulks(): string[] | null {
    const buf = this.buf;
    const end = buf.length;
    let pos = this.pos;
    while (this.multibulkLen > 0) {
      if (this.bulkLen === -1) {
        const cr = this.findCR(pos);
        if (cr === -1) {
          if (end - pos > PROTO_INLINE_MAX_SIZE) {
            throw new ProtocolError('Protocol error: too big bulk count string', 'too big bulk count string');
          }
          break;
        }
        if (cr + 1 >= end) break;
        if (buf[pos] !== DOLLAR) {
          const got = String.fromCharCode(buf[pos]!);
          throw new ProtocolError(`Protocol error: expected '$', got '${got}'`, 'expected $ but got something else');
        }
        const len = string2ll(buf, pos + 1, cr);
        if (Number.isNaN(len) || len < 0 || (len >= MIN_PROTO_MAX_BULK_LEN && this.exceedsMaxBulkLen(len))) {
          throw new ProtocolError('Protocol error: invalid bulk length', 'invalid bulk length');
        }
        if (len > UNAUTH_MAX_BULK && this.limits.authRequired()) {
          throw new ProtocolError('Protocol error: unauthenticated bulk length', 'unauth bulk length');
        }
        pos = cr + 2;
        this.bulkLen = len;
        if (len >= MBULK_BIG_ARG && !this.limits.isMaster?.()) this.queryBuffer.reserveBigArg(end - pos, len);
      }
      const bulkLen = this.bulkLen;
      if (end - pos < bulkLen + 2) break;
      if (bulkLen >= MBULK_BIG_ARG && end - pos === bulkLen + 2 && !this.limits.isMaster?.()) {
        this.queryBuffer.replaceAfterBigArg(bulkLen);
      }
      this.args.push(latin1(buf, pos, bulkLen));
      pos += bulkLen + 2;
      this.bulkLen = -1;
      this.multibulkLen--;
    }
    this.pos = pos;
    if (this.multibulkLen > 0) return null;
    const argv = this.args;
    this.args = [];
    return argv;
  }

  private exceedsMaxBulkLen(len: number): boolean {
    if (this.limits.isMaster?.()) return false;
    return len > this.limits.maxBulkLen();
  }
}

function containsNul(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === NUL) return true;
  return false;
}

/**
 * Short arguments (command names, keys, small values) decode several times
 * faster through String.fromCharCode than through a native Buffer call.
 */
function latin1(b: Buffer, s: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return chr(b[s]!);
    case 2:
      return chr(b[s]!, b[s + 1]!);
    case 3:
      return chr(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return chr(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return chr(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return chr(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return chr(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8:
      return chr(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9:
      return chr(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!);
    default:
      return sliceLatin1(b, s, s + len);
  }
}

const chr = String.fromCharCode;

/**
 * Buffer#latin1Slice is what toString('latin1', ...) calls after argument checks we
 * do not need; it is internal, so fall back to toString where it is missing.
 */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}
const hasLatin1Slice = typeof (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice === 'function';
function sliceLatin1(b: Buffer, start: number, end: number): string {
  return hasLatin1Slice ? (b as unknown as Latin1Slicer).latin1Slice(start, end) : b.toString('latin1', start, end);
}

/**
 * string2ll() over buf[from, to): an optional '-', then digits with no leading
 * zero (or exactly "0"), at most 20 characters, within int64. NaN otherwise.
 */
export function string2ll(buf: Buffer | Uint8Array, from: number, to: number): number {
  const len = to - from;
  if (len <= 0 || len > 20) return NaN;
  let i = from;
  let negative = false;
  if (buf[i] === 0x2d /* - */) {
    negative = true;
    i++;
    if (i === to) return NaN;
  }
  const first = buf[i]! - 0x30;
  if (first < 1 || first > 9) return len === 1 && first === 0 ? 0 : NaN;
  let value = first;
  for (i++; i < to; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  if (value >= 2 ** 53) {
    // Beyond exact doubles: decide int64 overflow exactly (never a valid length anyway).
    const exact = BigInt(Buffer.from(buf.subarray(from, to)).toString('latin1'));
    if (exact > 9223372036854775807n || exact < -9223372036854775808n) return NaN;
    return Number(exact);
  }
  return negative ? -value : value;
}

/** string2ll() on a JS string (config values, tests). */
export function parseStrictInt(text: string): number | null {
  const value = string2ll(Buffer.from(text, 'latin1'), 0, text.length);
  return Number.isNaN(value) ? null : value;
}
