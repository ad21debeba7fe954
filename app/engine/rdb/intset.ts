/** Intsets (intset.c) as stored in RDB files: SET_INTSET values. */
import { RdbFormatError } from './byte-codec.js';

/** Members must be canonical integers; they are written sorted, in the narrowest width. */
export function encodeIntset(members: Iterable<string>): Buffer {
  const values = Array.from(members, (m) => BigInt(m));
  values.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) {
      width = 8;
      break;
    }
    if (v < -32768n || v > 32767n) width = 4;
  }
  const out = Buffer.allocUnsafe(8 + width * values.length);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(values.length, 4);
  let p = 8;
  for (const v of values) {
    if (width === 2) out.writeInt16LE(Number(v), p);
    else if (width === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
    p += width;
  }
  return out;
}

/** intsetValidateIntegrity(deep): a valid width, a matching size, strictly ascending. */
export function decodeIntset(bytes: Uint8Array): string[] {
  if (bytes.length < 8) throw new RdbFormatError('intset too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(0, true);
  if (width !== 2 && width !== 4 && width !== 8) throw new RdbFormatError('intset encoding is invalid');
  const count = view.getUint32(4, true);
  if (count === 0) throw new RdbFormatError('intset is empty');
  if (8 + count * width !== bytes.length) throw new RdbFormatError('intset size does not match its header');
  const members: string[] = [];
  let previous: bigint | undefined;
  for (let i = 0, p = 8; i < count; i++, p += width) {
    const v =
      width === 2
        ? BigInt(view.getInt16(p, true))
        : width === 4
          ? BigInt(view.getInt32(p, true))
          : view.getBigInt64(p, true);
    if (previous !== undefined && v <= previous) throw new RdbFormatError('intset is not sorted');
    previous = v;
    members.push(v.toString());
  }
  return members;
}
