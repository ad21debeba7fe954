/**
 * Server-side RESP encoder.
 *
 * Replies are accumulated as one "byte string" (a JS string whose char codes are all
 * 0..255, i.e. latin1) and written to the socket once per event-loop turn, the way
 * Redis fills a client's reply buffer and flushes it in beforeSleep(). Every value
 * inside the engine is such a byte string, so a bulk reply is a plain concatenation.
 *
 * The same call produces RESP2 or RESP3 depending on the protocol the client chose
 * with HELLO, mirroring addReplyMapLen(), addReplyNull(), addReplyDouble()... in
 * Redis's networking.c.
 */
export type RespVersion = 2 | 3;

const CRLF = '\r\n';

export class RespWriter {
  /** Pending output, not yet handed to the socket. */
  out = '';

  constructor(public protocol: RespVersion = 2) {}

  take(): string {
    const pending = this.out;
    this.out = '';
    return pending;
  }

  /** Raw protocol bytes, already encoded. */
  raw(bytes: string): void {
    this.out += bytes;
  }

  simple(text: string): void {
    this.out += '+' + text + CRLF;
  }

  ok(): void {
    this.out += '+OK\r\n';
  }

  /**
   * An error reply. `text` carries its own code ("ERR syntax error",
   * "WRONGTYPE Operation ..."); newlines are replaced as Redis does so the reply
   * stays one line.
   */
  error(text: string): void {
    this.out += '-' + sanitizeErrorText(text) + CRLF;
  }

  integer(n: number | bigint): void {
    this.out += ':' + String(n) + CRLF;
  }

  bulk(value: string): void {
    this.out += '$' + value.length + CRLF + value + CRLF;
  }

  /** A bulk string for a number (Redis's addReplyBulkLongLong). */
  bulkNumber(n: number | bigint): void {
    this.bulk(String(n));
  }

  /** Null bulk string: `$-1` in RESP2, `_` in RESP3 (addReplyNull). */
  null(): void {
    this.out += this.protocol === 2 ? '$-1\r\n' : '_\r\n';
  }

  /** Null array: `*-1` in RESP2, `_` in RESP3 (addReplyNullArray). */
  nullArray(): void {
    this.out += this.protocol === 2 ? '*-1\r\n' : '_\r\n';
  }

  arrayLen(n: number): void {
    this.out += '*' + n + CRLF;
  }

  /** A map of n pairs: a flat array of 2n items in RESP2. */
  mapLen(n: number): void {
    this.out += this.protocol === 2 ? '*' + n * 2 + CRLF : '%' + n + CRLF;
  }

  setLen(n: number): void {
    this.out += (this.protocol === 2 ? '*' : '~') + n + CRLF;
  }

  /** Attribute-free out-of-band push (pub/sub messages in RESP3). */
  pushLen(n: number): void {
    this.out += (this.protocol === 2 ? '*' : '>') + n + CRLF;
  }

  bulkArray(values: readonly string[]): void {
    let s = '*' + values.length + CRLF;
    for (const v of values) s += '$' + v.length + CRLF + v + CRLF;
    this.out += s;
  }

  /** A double: a bulk string in RESP2, `,` in RESP3 (addReplyDouble). */
  double(d: number): void {
    if (this.protocol === 2) {
      this.bulk(formatDouble(d));
    } else {
      this.out += ',' + formatDouble(d) + CRLF;
    }
  }

  /** A boolean: `:1`/`:0` in RESP2, `#t`/`#f` in RESP3. */
  bool(b: boolean): void {
    if (this.protocol === 2) this.out += b ? ':1\r\n' : ':0\r\n';
    else this.out += b ? '#t\r\n' : '#f\r\n';
  }

  /** Verbatim string (`=`), a bulk string in RESP2. `format` is three chars: txt, mkd. */
  verbatim(text: string, format = 'txt'): void {
    if (this.protocol === 2) this.bulk(text);
    else this.out += '=' + (text.length + 4) + CRLF + format + ':' + text + CRLF;
  }

  bigNumber(digits: string): void {
    if (this.protocol === 2) this.bulk(digits);
    else this.out += '(' + digits + CRLF;
  }
}

/** Redis replaces \r and \n inside error strings with spaces (addReplyErrorLength). */
export function sanitizeErrorText(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text;
}

/**
 * Formats a double the way Redis 7.0 prints scores and INCRBYFLOAT results in
 * replies: "%.17g" semantics, with inf/-inf spelled as Redis does.
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  return formatG17(d);
}

/**
 * C's printf("%.17g"). JS's shortest round-trip representation is not what Redis
 * prints (Redis prints 17 significant digits, e.g. 3.1000000000000001), so this
 * reproduces %g: exponent form when exp < -4 or exp >= precision, trailing zeros trimmed.
 */
export function formatG17(d: number): string {
  return formatG(d, 17);
}

export function formatG(d: number, precision: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // toExponential gives exactly `precision` significant digits, correctly rounded.
  const expForm = d.toExponential(precision - 1);
  const eIndex = expForm.indexOf('e');
  const realExp = parseInt(expForm.slice(eIndex + 1), 10);
  if (realExp < -4 || realExp >= precision) {
    let mantissa = expForm.slice(0, eIndex);
    if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
    const sign = realExp < 0 ? '-' : '+';
    const absExp = Math.abs(realExp);
    return mantissa + 'e' + sign + (absExp < 10 ? '0' + absExp : String(absExp));
  }
  let fixed = d.toFixed(Math.max(0, precision - 1 - realExp));
  if (fixed.includes('.')) fixed = fixed.replace(/0+$/, '').replace(/\.$/, '');
  return fixed;
}
