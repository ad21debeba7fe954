/**
 * Streaming parser for server replies, RESP2 and RESP3, as a client (redis-cli,
 * the lab's poller, tests) reads them. Replies keep the distinctions a client
 * needs to print them the way redis-cli does: a status reply is not a bulk
 * string, a verbatim string carries its format, a map is not an array, and the
 * three nulls (`$-1`, `*-1`, `_`) stay apart.
 *
 * Strings are byte strings (latin1 JS strings, one char per byte), the engine's
 * convention: `Buffer.from(value, 'latin1')` gives the exact bytes back.
 *
 * The parser is resumable: a reply split over any number of reads is assembled
 * without re-parsing what was already parsed, and a large bulk payload is copied
 * once into a buffer of its final size.
 */

export type RespValue =
  | { type: 'simple'; value: string; attributes?: RespMapEntry[] }
  | { type: 'error'; value: string; attributes?: RespMapEntry[] }
  /** `text` is the exact decimal: int64 replies beyond 2^53 lose precision in `value`. */
  | { type: 'integer'; value: number; text: string; attributes?: RespMapEntry[] }
  | { type: 'bulk'; value: string; attributes?: RespMapEntry[] }
  | { type: 'verbatim'; format: string; value: string; attributes?: RespMapEntry[] }
  /** `$-1` (bulk), `*-1` (array) or RESP3's `_`. */
  | { type: 'null'; kind: 'bulk' | 'array' | 'resp3'; attributes?: RespMapEntry[] }
  | { type: 'array'; items: RespValue[]; attributes?: RespMapEntry[] }
  | { type: 'set'; items: RespValue[]; attributes?: RespMapEntry[] }
  | { type: 'push'; items: RespValue[]; attributes?: RespMapEntry[] }
  | { type: 'map'; entries: RespMapEntry[]; attributes?: RespMapEntry[] }
  /** `text` is the wire form (`inf`, `-inf`, `nan`, `3.14`) redis-cli prints. */
  | { type: 'double'; value: number; text: string; attributes?: RespMapEntry[] }
  | { type: 'boolean'; value: boolean; attributes?: RespMapEntry[] }
  | { type: 'bignum'; value: string; attributes?: RespMapEntry[] };

export type RespMapEntry = [RespValue, RespValue];

/** The server sent something that is not RESP: the connection cannot continue. */
export class RespSyntaxError extends Error {}

const CR = 13;
const LF = 10;

/** An aggregate being filled: array/set/push count items, map/attribute count pairs. */
interface Frame {
  type: 'array' | 'set' | 'push' | 'map' | 'attribute';
  /** Elements still to read (2 per pair for maps and attributes). */
  remaining: number;
  items: RespValue[];
  /** Attributes already read, waiting for the value they annotate. */
  pendingAttributes: RespMapEntry[] | undefined;
}

export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private readonly stack: Frame[] = [];
  /** Attributes read at top level, waiting for the top-level reply they annotate. */
  private topAttributes: RespMapEntry[] | undefined;
  /** A bulk/verbatim/blob-error payload of known size being received. */
  private pendingBulk: { type: '$' | '=' | '!'; data: Buffer; filled: number } | undefined;
  private readonly replies: RespValue[] = [];
  private replyHead = 0;

  feed(chunk: Buffer): void {
    if (this.pendingBulk) {
      chunk = this.fillBulk(chunk);
      if (this.pendingBulk) return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
    this.parse();
  }

  /** The next complete reply, or undefined when more input is needed. */
  next(): RespValue | undefined {
    if (this.replyHead >= this.replies.length) return undefined;
    const reply = this.replies[this.replyHead++]!;
    if (this.replyHead === this.replies.length) {
      this.replies.length = 0;
      this.replyHead = 0;
    }
    return reply;
  }

  /** Copies bytes into the pending bulk; returns what is left of the chunk. */
  private fillBulk(chunk: Buffer): Buffer {
    const bulk = this.pendingBulk!;
    // `data` holds the payload plus its trailing CRLF.
    const take = Math.min(chunk.length, bulk.data.length - bulk.filled);
    chunk.copy(bulk.data, bulk.filled, 0, take);
    bulk.filled += take;
    if (bulk.filled < bulk.data.length) return chunk.subarray(chunk.length);
    this.pendingBulk = undefined;
    this.completeBulk(bulk.type, bulk.data, 0, bulk.data.length - 2);
    return chunk.subarray(take);
  }

  private parse(): void {
    const buf = this.buf;
    while (this.pos < buf.length) {
      const nl = buf.indexOf(LF, this.pos);
      if (nl === -1) return;
      const lineEnd = nl > this.pos && buf[nl - 1] === CR ? nl - 1 : nl;
      const prefix = buf[this.pos]!;
      const start = this.pos + 1;
      switch (prefix) {
        case 0x2b /* + */:
          this.pos = nl + 1;
          this.emit({ type: 'simple', value: buf.toString('latin1', start, lineEnd) });
          break;
        case 0x2d /* - */:
          this.pos = nl + 1;
          this.emit({ type: 'error', value: buf.toString('latin1', start, lineEnd) });
          break;
        case 0x3a /* : */: {
          const text = buf.toString('latin1', start, lineEnd);
          this.pos = nl + 1;
          this.emit({ type: 'integer', value: parseIntStrict(text), text });
          break;
        }
        case 0x2c /* , */: {
          const text = buf.toString('latin1', start, lineEnd);
          this.pos = nl + 1;
          this.emit({ type: 'double', value: parseDouble(text), text });
          break;
        }
        case 0x23 /* # */: {
          const text = buf.toString('latin1', start, lineEnd);
          if (text !== 't' && text !== 'f') throw new RespSyntaxError(`Bad boolean reply '${text}'`);
          this.pos = nl + 1;
          this.emit({ type: 'boolean', value: text === 't' });
          break;
        }
        case 0x28 /* ( */:
          this.pos = nl + 1;
          this.emit({ type: 'bignum', value: buf.toString('latin1', start, lineEnd) });
          break;
        case 0x5f /* _ */:
          this.pos = nl + 1;
          this.emit({ type: 'null', kind: 'resp3' });
          break;
        case 0x24 /* $ */:
        case 0x3d /* = */:
        case 0x21 /* ! */: {
          const len = parseLength(buf, start, lineEnd);
          if (len === -1 && prefix === 0x24) {
            this.pos = nl + 1;
            this.emit({ type: 'null', kind: 'bulk' });
            break;
          }
          if (!(len >= 0)) throw new RespSyntaxError('Bad bulk length');
          const type = String.fromCharCode(prefix) as '$' | '=' | '!';
          const dataStart = nl + 1;
          if (buf.length - dataStart >= len + 2) {
            this.pos = dataStart + len + 2;
            this.completeBulk(type, buf, dataStart, dataStart + len);
          } else {
            // Gather the payload in one buffer of its final size: no repeated concatenation.
            const data = Buffer.allocUnsafe(len + 2);
            const have = buf.length - dataStart;
            buf.copy(data, 0, dataStart);
            this.pos = buf.length;
            this.pendingBulk = { type, data, filled: have };
            return;
          }
          break;
        }
        case 0x2a /* * */:
        case 0x25 /* % */:
        case 0x7e /* ~ */:
        case 0x3e /* > */:
        case 0x7c /* | */: {
          const count = parseLength(buf, start, lineEnd);
          this.pos = nl + 1;
          if (count === -1 && prefix === 0x2a) {
            this.emit({ type: 'null', kind: 'array' });
            break;
          }
          if (!(count >= 0)) throw new RespSyntaxError('Bad aggregate length');
          const type = AGGREGATE_TYPES[prefix]!;
          const pairs = type === 'map' || type === 'attribute';
          this.stack.push({ type, remaining: pairs ? count * 2 : count, items: [], pendingAttributes: undefined });
          if (count === 0) this.closeFrames();
          break;
        }
        default:
          throw new RespSyntaxError(
            `Protocol error, got ${JSON.stringify(String.fromCharCode(prefix))} as reply type byte`,
          );
      }
    }
  }

  private completeBulk(type: '$' | '=' | '!', data: Buffer, from: number, to: number): void {
    const text = data.toString('latin1', from, to);
    if (type === '$') {
      this.emit({ type: 'bulk', value: text });
    } else if (type === '!') {
      this.emit({ type: 'error', value: text });
    } else {
      // A verbatim string is "fmt:payload" with a three-character format.
      this.emit({ type: 'verbatim', format: text.slice(0, 3), value: text.slice(4) });
    }
  }

  /** Delivers a complete value to the aggregate being filled, or as a top-level reply. */
  private emit(value: RespValue): void {
    const frame = this.stack[this.stack.length - 1];
    if (frame === undefined) {
      if (this.topAttributes) {
        value.attributes = this.topAttributes;
        this.topAttributes = undefined;
      }
      this.replies.push(value);
      return;
    }
    if (frame.pendingAttributes) {
      value.attributes = frame.pendingAttributes;
      frame.pendingAttributes = undefined;
    }
    frame.items.push(value);
    frame.remaining--;
    if (frame.remaining === 0) this.closeFrames();
  }

  /** Pops every finished aggregate, handing each to its parent. */
  private closeFrames(): void {
    while (this.stack.length > 0) {
      const frame = this.stack[this.stack.length - 1]!;
      if (frame.remaining > 0) return;
      this.stack.pop();
      if (frame.type === 'attribute') {
        const entries = toEntries(frame.items);
        const parent = this.stack[this.stack.length - 1];
        if (parent) parent.pendingAttributes = entries;
        else this.topAttributes = entries;
        // An attribute is not an element of its parent: nothing else to close yet.
        return;
      }
      const value: RespValue =
        frame.type === 'map'
          ? { type: 'map', entries: toEntries(frame.items) }
          : { type: frame.type, items: frame.items };
      const parent = this.stack[this.stack.length - 1];
      if (parent === undefined) {
        this.emit(value);
        return;
      }
      if (parent.pendingAttributes) {
        value.attributes = parent.pendingAttributes;
        parent.pendingAttributes = undefined;
      }
      parent.items.push(value);
      parent.remaining--;
    }
  }
}

const AGGREGATE_TYPES: Record<number, Frame['type']> = {
  0x2a: 'array',
  0x25: 'map',
  0x7e: 'set',
  0x3e: 'push',
  0x7c: 'attribute',
};

function toEntries(items: RespValue[]): RespMapEntry[] {
  const entries: RespMapEntry[] = [];
  for (let i = 0; i < items.length; i += 2) entries.push([items[i]!, items[i + 1]!]);
  return entries;
}

/** A length header's value (-1 for nulls) without building a string; NaN if malformed. */
function parseLength(buf: Buffer, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === 0x2d; /* - */
  if (negative) i++;
  if (i === end || end - i > 15) return NaN;
  let value = 0;
  for (; i < end; i++) {
    const digit = buf[i]! - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

function parseIntStrict(text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new RespSyntaxError(`Bad integer '${text}'`);
  return Number(text);
}

function parseDouble(text: string): number {
  if (text === 'inf' || text === '+inf') return Infinity;
  if (text === '-inf') return -Infinity;
  if (text === 'nan' || text === '-nan') return NaN;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new RespSyntaxError(`Bad double '${text}'`);
  return n;
}

/** An error reply, as a JS value (toPlain) or a rejected call(). */
export class RespReplyError extends Error {
  override name = 'RespReplyError';
  /** The first word of the message: ERR, WRONGTYPE, NOSCRIPT... */
  get code(): string {
    const space = this.message.indexOf(' ');
    return space === -1 ? this.message : this.message.slice(0, space);
  }
}

export type PlainValue =
  string | number | bigint | boolean | null | RespReplyError | PlainValue[] | { [key: string]: PlainValue };

/**
 * Plain JS for tests and simple callers: strings for simple/bulk/verbatim and
 * big numbers as bigint, numbers for integers and doubles, null for every null,
 * arrays for arrays/sets/pushes, objects for maps (keys stringified), and a
 * RespReplyError for an error. Attributes are dropped.
 */
export function toPlain(value: RespValue): PlainValue {
  switch (value.type) {
    case 'simple':
    case 'bulk':
    case 'verbatim':
      return value.value;
    case 'error':
      return new RespReplyError(value.value);
    case 'integer':
      return Number.isSafeInteger(value.value) ? value.value : BigInt(value.text);
    case 'double':
    case 'boolean':
      return value.value;
    case 'bignum':
      return BigInt(value.value);
    case 'null':
      return null;
    case 'array':
    case 'set':
    case 'push':
      return value.items.map(toPlain);
    case 'map': {
      const object: { [key: string]: PlainValue } = {};
      for (const [k, v] of value.entries) object[String(toPlain(k))] = toPlain(v);
      return object;
    }
  }
}

/** A scalar reply as text (a bulk or simple string, an error's message, a number as sent); '' for anything else. */
export function scalarText(value: RespValue): string {
  switch (value.type) {
    case 'bulk':
    case 'simple':
    case 'verbatim':
    case 'error':
    case 'bignum':
      return value.value;
    case 'integer':
    case 'double':
      return value.text;
    default:
      return '';
  }
}
