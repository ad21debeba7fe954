/**
 * Read-only codecs for the encodings older RDB files carry (Redis < 7.0):
 * ziplists (lists, hashes, sorted sets, quicklist v1 nodes) and zipmaps (hashes
 * from Redis < 2.6). Redis 7.0 converts them on load; so does this loader.
 */
import { latin1, RdbFormatError } from './byte-codec.js';

const ZIP_END = 0xff;
const ZIP_BIG_PREVLEN = 254;

export function decodeZiplist(bytes: Uint8Array): string[] {
  if (bytes.length < 11) throw new RdbFormatError('ziplist too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const total = view.getUint32(0, true);
  if (total !== bytes.length) throw new RdbFormatError('ziplist size does not match its header');
  const tail = view.getUint32(4, true);
  const declared = view.getUint16(8, true);
  if (bytes[total - 1] !== ZIP_END) throw new RdbFormatError('ziplist has no terminator');
  const end = total - 1;
  const values: string[] = [];
  let p = 10;
  let prevLen = 0;
  let lastStart = 10;
  const need = (n: number): void => {
    if (p + n > end) throw new RdbFormatError('ziplist entry out of range');
  };
  while (p < end) {
    const start = p;
    lastStart = start;
    need(1);
    let storedPrev = bytes[p]!;
    if (storedPrev === ZIP_BIG_PREVLEN) {
      need(5);
      storedPrev = view.getUint32(p + 1, true);
      p += 5;
    } else {
      p += 1;
    }
    if (storedPrev !== prevLen) throw new RdbFormatError('ziplist prevlen does not match');
    need(1);
    const enc = bytes[p]!;
    const kind = enc >> 6;
    if (kind === 0) {
      const len = enc & 0x3f;
      need(1 + len);
      values.push(latin1(bytes, p + 1, p + 1 + len));
      p += 1 + len;
    } else if (kind === 1) {
      need(2);
      const len = ((enc & 0x3f) << 8) | bytes[p + 1]!;
      need(2 + len);
      values.push(latin1(bytes, p + 2, p + 2 + len));
      p += 2 + len;
    } else if (enc === 0x80) {
      need(5);
      const len = view.getUint32(p + 1, false);
      need(5 + len);
      values.push(latin1(bytes, p + 5, p + 5 + len));
      p += 5 + len;
    } else if (enc === 0xc0) {
      need(3);
      values.push(String(view.getInt16(p + 1, true)));
      p += 3;
    } else if (enc === 0xd0) {
      need(5);
      values.push(String(view.getInt32(p + 1, true)));
      p += 5;
    } else if (enc === 0xe0) {
      need(9);
      values.push(view.getBigInt64(p + 1, true).toString());
      p += 9;
    } else if (enc === 0xf0) {
      need(4);
      let v = bytes[p + 1]! | (bytes[p + 2]! << 8) | (bytes[p + 3]! << 16);
      if (v >= 1 << 23) v -= 1 << 24;
      values.push(String(v));
      p += 4;
    } else if (enc === 0xfe) {
      need(2);
      values.push(String(view.getInt8(p + 1)));
      p += 2;
    } else if (enc >= 0xf1 && enc <= 0xfd) {
      values.push(String((enc & 0x0f) - 1));
      p += 1;
    } else {
      throw new RdbFormatError(`invalid ziplist entry encoding 0x${enc.toString(16)}`);
    }
    prevLen = p - start;
  }
  if (values.length > 0 && tail !== lastStart) throw new RdbFormatError('ziplist tail offset is wrong');
  if (declared !== 65535 && declared !== values.length) {
    throw new RdbFormatError('ziplist entry count does not match its header');
  }
  return values;
}

/** zipmap (zipmap.c): [field, value] pairs. */
export function decodeZipmap(bytes: Uint8Array): [string, string][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pairs: [string, string][] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= bytes.length) throw new RdbFormatError('zipmap entry out of range');
    const b = bytes[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > bytes.length) throw new RdbFormatError('zipmap entry out of range');
      const len = view.getUint32(p + 1, true);
      p += 5;
      return len;
    }
    throw new RdbFormatError('zipmap length is invalid');
  };
  const readBytes = (len: number): string => {
    if (p + len > bytes.length) throw new RdbFormatError('zipmap entry out of range');
    const s = latin1(bytes, p, p + len);
    p += len;
    return s;
  };
  if (bytes.length < 2) throw new RdbFormatError('zipmap too short');
  for (;;) {
    if (p >= bytes.length) throw new RdbFormatError('zipmap has no terminator');
    if (bytes[p] === ZIP_END) {
      p++;
      break;
    }
    const field = readBytes(readLen());
    const valueLen = readLen();
    if (p >= bytes.length) throw new RdbFormatError('zipmap entry out of range');
    const free = bytes[p++]!;
    const value = readBytes(valueLen);
    readBytes(free);
    pairs.push([field, value]);
  }
  if (p !== bytes.length) throw new RdbFormatError('zipmap has trailing bytes');
  return pairs;
}
