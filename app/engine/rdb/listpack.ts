/**
 * Listpacks (listpack.c) as they appear in RDB files: the quicklist nodes of a
 * list, small hashes and small sorted sets. Entries that are canonical integers
 * use the integer encodings, as lpAppend() chooses them.
 */
import { canonicalInt, latin1, RdbFormatError } from './byte-codec.js';

const HEADER_SIZE = 6;
const EOF_BYTE = 0xff;

/** The bytes lpAppend() would produce for one entry, without the backlen. */
function encodeEntry(value: string, out: number[]): void {
  const n = value.length <= 20 ? canonicalInt(value) : null;
  if (n !== null) {
    if (n >= 0n && n <= 127n) {
      out.push(Number(n));
    } else if (n >= -4096n && n <= 4095n) {
      const v = Number(n < 0n ? (1n << 13n) + n : n);
      out.push((v >> 8) | 0xc0, v & 0xff);
    } else if (n >= -32768n && n <= 32767n) {
      pushIntLE(out, 0xf1, n, 2);
    } else if (n >= -8388608n && n <= 8388607n) {
      pushIntLE(out, 0xf2, n, 3);
    } else if (n >= -2147483648n && n <= 2147483647n) {
      pushIntLE(out, 0xf3, n, 4);
    } else {
      pushIntLE(out, 0xf4, n, 8);
    }
    return;
  }
  const len = value.length;
  if (len < 64) out.push(0x80 | len);
  else if (len < 4096) out.push((len >> 8) | 0xe0, len & 0xff);
  else out.push(0xf0, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, (len >>> 24) & 0xff);
  for (let i = 0; i < len; i++) out.push(value.charCodeAt(i));
}

function pushIntLE(out: number[], tag: number, n: bigint, bytes: number): void {
  const unsigned = BigInt.asUintN(bytes * 8, n);
  out.push(tag);
  for (let i = 0; i < bytes; i++) out.push(Number((unsigned >> BigInt(8 * i)) & 0xffn));
}

/** lpEncodeBacklen(): the entry length, written so it can be read backwards. */
function pushBacklen(out: number[], l: number): void {
  if (l <= 127) out.push(l);
  else if (l < 16383) out.push(l >> 7, (l & 127) | 128);
  else if (l < 2097151) out.push(l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128);
  else if (l < 268435455) out.push(l >> 21, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128);
  else
    out.push(
      Math.floor(l / 2 ** 28),
      ((l >>> 21) & 127) | 128,
      ((l >>> 14) & 127) | 128,
      ((l >>> 7) & 127) | 128,
      (l & 127) | 128,
    );
}

/** One entry's encoded size (with backlen), for quicklist node sizing. */
export function listpackEntrySize(value: string): number {
  const out: number[] = [];
  encodeEntry(value, out);
  const l = out.length;
  return l + (l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5);
}

export function encodeListpack(values: readonly string[]): Buffer {
  const body: number[] = [];
  const entry: number[] = [];
  for (const value of values) {
    entry.length = 0;
    encodeEntry(value, entry);
    for (const b of entry) body.push(b);
    pushBacklen(body, entry.length);
  }
  const total = HEADER_SIZE + body.length + 1;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(Math.min(values.length, 65535), 4);
  out.set(body, HEADER_SIZE);
  out[total - 1] = EOF_BYTE;
  return out;
}

/** Reads every entry, validating the structure as lpValidateIntegrity(deep) does. */
export function decodeListpack(bytes: Uint8Array): string[] {
  if (bytes.length < HEADER_SIZE + 1) throw new RdbFormatError('listpack too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = view.getUint32(0, true);
  if (total !== bytes.length) throw new RdbFormatError('listpack size does not match its header');
  const declared = view.getUint16(4, true);
  if (bytes[total - 1] !== EOF_BYTE) throw new RdbFormatError('listpack has no terminator');
  const values: string[] = [];
  let p = HEADER_SIZE;
  const end = total - 1;
  const need = (n: number): void => {
    if (p + n > end) throw new RdbFormatError('listpack entry out of range');
  };
  while (p < end) {
    const start = p;
    const b = bytes[p]!;
    if ((b & 0x80) === 0) {
      values.push(String(b));
      p += 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      need(1 + len);
      values.push(latin1(bytes, p + 1, p + 1 + len));
      p += 1 + len;
    } else if ((b & 0xe0) === 0xc0) {
      need(2);
      let v = ((b & 0x1f) << 8) | bytes[p + 1]!;
      if (v >= 1 << 12) v -= 1 << 13;
      values.push(String(v));
      p += 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(2);
      const len = ((b & 0x0f) << 8) | bytes[p + 1]!;
      need(2 + len);
      values.push(latin1(bytes, p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0xf0) {
      need(5);
      const len = view.getUint32(p + 1, true);
      need(5 + len);
      values.push(latin1(bytes, p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xf1) {
      need(3);
      values.push(String(view.getInt16(p + 1, true)));
      p += 3;
    } else if (b === 0xf2) {
      need(4);
      let v = bytes[p + 1]! | (bytes[p + 2]! << 8) | (bytes[p + 3]! << 16);
      if (v >= 1 << 23) v -= 1 << 24;
      values.push(String(v));
      p += 4;
    } else if (b === 0xf3) {
      need(5);
      values.push(String(view.getInt32(p + 1, true)));
      p += 5;
    } else if (b === 0xf4) {
      need(9);
      values.push(view.getBigInt64(p + 1, true).toString());
      p += 9;
    } else {
      throw new RdbFormatError(`invalid listpack entry encoding 0x${b.toString(16)}`);
    }
    // The backlen that follows must be exactly the one lpEncodeBacklen() writes for this entry.
    const expected: number[] = [];
    pushBacklen(expected, p - start);
    if (p + expected.length > end) throw new RdbFormatError('listpack backlen out of range');
    for (let i = 0; i < expected.length; i++) {
      if (bytes[p + i] !== expected[i]) throw new RdbFormatError('listpack backlen does not match the entry');
    }
    p += expected.length;
  }
  if (declared !== 65535 && declared !== values.length) {
    throw new RdbFormatError('listpack entry count does not match its header');
  }
  return values;
}
