/**
 * CRC-64/Jones as Redis's crc64.c computes it (reflected, polynomial
 * 0xad93d23594c935a9, initial value 0, no final xor): the checksum at the end of
 * an RDB file and of a DUMP payload. The 64-bit state is kept as two uint32 halves
 * so that the hot loop stays in small integers (a BigInt per byte is far slower).
 */
const TABLE_LO = new Uint32Array(256);
const TABLE_HI = new Uint32Array(256);

(function buildTables(): void {
  // The reflected polynomial: bit-reversed 0xad93d23594c935a9.
  const polyHi = 0x95ac9329;
  const polyLo = 0xac4bc9b5;
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ polyLo) >>> 0;
        hi = (hi ^ polyHi) >>> 0;
      }
    }
    TABLE_LO[n] = lo;
    TABLE_HI[n] = hi;
  }
})();

/** A running CRC64: update() with successive chunks, then value(). */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  update(bytes: Uint8Array, start = 0, end = bytes.length): this {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = start; i < end; i++) {
      const index = (lo ^ bytes[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index]!;
      hi = (hi >>> 8) ^ TABLE_HI[index]!;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The checksum as Redis stores it: 8 bytes, little endian. */
  bytesLE(): Buffer {
    const out = Buffer.alloc(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

export function crc64(bytes: Uint8Array, start = 0, end = bytes.length): Crc64 {
  return new Crc64().update(bytes, start, end);
}
