/**
 * HyperLogLog as Redis 7.0 stores it (hyperloglog.c): a string value with a 16-byte
 * header ("HYLL", encoding, 3 unused bytes, the cached cardinality in 8 little-endian
 * bytes whose top bit marks it stale), then either the sparse opcodes or the dense
 * 6-bit registers. The byte layout is Redis's own, so values move between this engine
 * and Redis (replication, RDB, DUMP/RESTORE) and stay valid on both sides.
 *
 * Values are byte strings in the keyspace; a write works on a Uint8Array copy and
 * the caller stores the string it returns.
 */

const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
const HLL_HDR_SIZE = 16;
const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS * HLL_BITS + 7) / 8);
const HLL_DENSE = 0;
const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;
/** 0.721347520444481703680 in hyperloglog.c, as close as a double gets. */
const HLL_ALPHA_INF = 0.7213475204444817;

const SPARSE_XZERO_BIT = 0x40;
const SPARSE_VAL_BIT = 0x80;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;

export const ERR_INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';
export const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

const isZero = (op: number): boolean => (op & 0xc0) === 0;
const isXzero = (op: number): boolean => (op & 0xc0) === SPARSE_XZERO_BIT;
const isVal = (op: number): boolean => (op & SPARSE_VAL_BIT) !== 0;
const zeroLen = (op: number): number => (op & 0x3f) + 1;
const xzeroLen = (op: number, next: number): number => (((op & 0x3f) << 8) | next) + 1;
const valValue = (op: number): number => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number): number => (op & 0x3) + 1;
const valOp = (value: number, len: number): number => (((value - 1) << 2) | (len - 1) | SPARSE_VAL_BIT) & 0xff;

/** isHLLObjectOrReply()'s checks on a string value. */
export function isHll(value: string): boolean {
  if (value.length < HLL_HDR_SIZE || !value.startsWith('HYLL')) return false;
  const encoding = value.charCodeAt(4);
  if (encoding > HLL_MAX_ENCODING) return false;
  return encoding !== HLL_DENSE || value.length === HLL_DENSE_SIZE;
}

/** createHLLObject(): an empty sparse HLL, one XZERO run over every register. */
export function emptyHll(): string {
  const bytes = new Uint8Array(HLL_HDR_SIZE + 2);
  bytes.set([72, 89, 76, 76, HLL_SPARSE]); // "HYLL"
  const run = HLL_REGISTERS - 1;
  bytes[HLL_HDR_SIZE] = (run >> 8) | SPARSE_XZERO_BIT;
  bytes[HLL_HDR_SIZE + 1] = run & 0xff;
  return bytesToString(bytes, bytes.length);
}

const M64 = (1n << 64n) - 1n;
const MURMUR_M = 0xc6a4a7935bd1e995n;

/** MurmurHash64A as in hyperloglog.c (little-endian reads), seeded with 0xadc83b19. */
function murmurHash64A(value: string): bigint {
  const len = value.length;
  let h = (0xadc83b19n ^ ((BigInt(len) * MURMUR_M) & M64)) & M64;
  const whole = len - (len & 7);
  for (let i = 0; i < whole; i += 8) {
    let k = 0n;
    for (let b = 7; b >= 0; b--) k = (k << 8n) | BigInt(value.charCodeAt(i + b));
    k = (k * MURMUR_M) & M64;
    k ^= k >> 47n;
    k = (k * MURMUR_M) & M64;
    h ^= k;
    h = (h * MURMUR_M) & M64;
  }
  const rest = len & 7;
  if (rest !== 0) {
    for (let b = rest - 1; b >= 0; b--) h ^= BigInt(value.charCodeAt(whole + b)) << BigInt(8 * b);
    h = (h * MURMUR_M) & M64;
  }
  h ^= h >> 47n;
  h = (h * MURMUR_M) & M64;
  h ^= h >> 47n;
  return h;
}

/** hllPatLen(): the register an element maps to and the length of its 000..1 pattern. */
function patternOf(element: string): { index: number; count: number } {
  const hash = murmurHash64A(element);
  const index = Number(hash & BigInt(HLL_P_MASK));
  // The bit at Q ends the loop, so count is at most Q+1.
  let rest = (hash >> BigInt(HLL_P)) | (1n << BigInt(HLL_Q));
  let count = 1;
  while ((rest & 1n) === 0n) {
    count++;
    rest >>= 1n;
  }
  return { index, count };
}

function denseGet(bytes: Uint8Array, regnum: number): number {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const b0 = bytes[byte]!;
  const b1 = byte + 1 < bytes.length ? bytes[byte + 1]! : 0;
  return ((b0 >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseSetRegister(bytes: Uint8Array, regnum: number, value: number): void {
  const byte = HLL_HDR_SIZE + ((regnum * HLL_BITS) >> 3);
  const fb = (regnum * HLL_BITS) & 7;
  const fb8 = 8 - fb;
  bytes[byte] = (bytes[byte]! & ~(HLL_REGISTER_MAX << fb)) | (value << fb);
  if (byte + 1 < bytes.length) {
    bytes[byte + 1] = (bytes[byte + 1]! & ~(HLL_REGISTER_MAX >> fb8)) | (value >> fb8);
  }
}

/** hllDenseSet(): true when the register grew. */
function denseSet(bytes: Uint8Array, index: number, count: number): boolean {
  if (count <= denseGet(bytes, index)) return false;
  denseSetRegister(bytes, index, count);
  return true;
}

/**
 * A mutable HLL: the bytes of one value, of which the first `length` are in use
 * (the sparse form grows and shrinks in place, as the sds string does in Redis).
 */
export class HllBuffer {
  bytes: Uint8Array;
  length: number;

  constructor(value: string) {
    this.length = value.length;
    this.bytes = new Uint8Array(value.length + 8);
    for (let i = 0; i < value.length; i++) this.bytes[i] = value.charCodeAt(i);
  }

  get dense(): boolean {
    return this.bytes[4] === HLL_DENSE;
  }

  toString(): string {
    return bytesToString(this.bytes, this.length);
  }

  invalidateCache(): void {
    this.bytes[15] = this.bytes[15]! | 0x80;
  }

  get cacheValid(): boolean {
    return (this.bytes[15]! & 0x80) === 0;
  }

  get cachedCardinality(): number {
    let card = 0;
    for (let i = 7; i >= 0; i--) card = card * 256 + this.bytes[8 + i]!;
    return card;
  }

  setCachedCardinality(card: number): void {
    let rest = card;
    for (let i = 0; i < 8; i++) {
      this.bytes[8 + i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }

  /** hllAdd(): 1 when a register changed, 0 when not, -1 for a corrupt sparse form. */
  add(element: string, sparseMaxBytes: number): number {
    const { index, count } = patternOf(element);
    return this.set(index, count, sparseMaxBytes);
  }

  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.dense) return denseSet(this.bytes, index, count) ? 1 : 0;
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  private ensureRoom(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.length + extra, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** hllSparseToDense(); false for a corrupt sparse form. */
  toDense(): boolean {
    if (this.dense) return true;
    const dense = new Uint8Array(HLL_DENSE_SIZE);
    dense.set(this.bytes.subarray(0, HLL_HDR_SIZE));
    dense[4] = HLL_DENSE;
    const p = this.bytes;
    let idx = 0;
    for (let i = HLL_HDR_SIZE; i < this.length;) {
      const op = p[i]!;
      if (isZero(op)) {
        idx += zeroLen(op);
        i++;
      } else if (isXzero(op)) {
        idx += xzeroLen(op, p[i + 1] ?? 0);
        i += 2;
      } else {
        const runlen = valLen(op);
        const value = valValue(op);
        if (runlen + idx > HLL_REGISTERS) break;
        for (let j = 0; j < runlen; j++) denseSetRegister(dense, idx++, value);
        i++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.bytes = dense;
    this.length = HLL_DENSE_SIZE;
    return true;
  }

  /** hllSparseSet(), step for step: find the opcode covering `index`, split it, merge neighbours. */
  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promoteAndSet(index, count);
    this.ensureRoom(3);
    const sparse = HLL_HDR_SIZE;
    let end = this.length;
    let p = sparse;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = this.bytes[p]!;
      let oplen = 1;
      if (isZero(op)) span = zeroLen(op);
      else if (isVal(op)) span = valLen(op);
      else {
        span = xzeroLen(op, this.bytes[p + 1]!);
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const bytes = this.bytes;
    const op = bytes[p]!;
    const opIsXzero = isXzero(op);
    const opIsZero = isZero(op);
    let next = opIsXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = opIsZero ? zeroLen(op) : opIsXzero ? xzeroLen(op, bytes[p + 1]!) : valLen(op);

    let updatedInPlace = false;
    if (isVal(op)) {
      if (valValue(op) >= count) return 0;
      if (runlen === 1) {
        bytes[p] = valOp(count, 1);
        updatedInPlace = true;
      }
    }
    if (!updatedInPlace && opIsZero && runlen === 1) {
      bytes[p] = valOp(count, 1);
      updatedInPlace = true;
    }
    if (!updatedInPlace) {
      const seq: number[] = [];
      const last = first + span - 1;
      const pushZeros = (len: number): void => {
        if (len > SPARSE_ZERO_MAX_LEN) seq.push(((len - 1) >> 8) | SPARSE_XZERO_BIT, (len - 1) & 0xff);
        else seq.push(len - 1);
      };
      if (opIsZero || opIsXzero) {
        if (index !== first) pushZeros(index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZeros(last - index);
      } else {
        const current = valValue(op);
        if (index !== first) seq.push(valOp(current, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(current, last - index));
      }
      const oldlen = opIsXzero ? 2 : 1;
      const deltalen = seq.length - oldlen;
      if (deltalen > 0 && this.length + deltalen > sparseMaxBytes) return this.promoteAndSet(index, count);
      if (deltalen !== 0 && next !== -1) bytes.copyWithin(next + deltalen, next, end);
      this.length += deltalen;
      for (let i = 0; i < seq.length; i++) bytes[p + i] = seq[i]!;
      end += deltalen;
    }

    // Adjacent VAL opcodes with the same value may now merge into one.
    p = prev !== -1 ? prev : sparse;
    let scanlen = 5;
    while (p < end && scanlen-- > 0) {
      const cur = bytes[p]!;
      if (isXzero(cur)) {
        p += 2;
        continue;
      } else if (isZero(cur)) {
        p++;
        continue;
      }
      if (p + 1 < end && isVal(bytes[p + 1]!)) {
        const v1 = valValue(cur);
        const v2 = valValue(bytes[p + 1]!);
        if (v1 === v2) {
          const len = valLen(cur) + valLen(bytes[p + 1]!);
          if (len <= SPARSE_VAL_MAX_LEN) {
            bytes[p + 1] = valOp(v1, len);
            bytes.copyWithin(p, p + 1, end);
            this.length--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  private promoteAndSet(index: number, count: number): number {
    if (!this.toDense()) return -1;
    // A register needed to change for the promotion to happen, so this always reports 1.
    denseSet(this.bytes, index, count);
    return 1;
  }

  /** hllMerge(): raises `max` to this HLL's registers; false for a corrupt sparse form. */
  mergeInto(max: Uint8Array): boolean {
    if (this.dense) {
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const value = denseGet(this.bytes, i);
        if (value > max[i]!) max[i] = value;
      }
      return true;
    }
    const p = this.bytes;
    let idx = 0;
    for (let i = HLL_HDR_SIZE; i < this.length;) {
      const op = p[i]!;
      if (isZero(op)) {
        idx += zeroLen(op);
        i++;
      } else if (isXzero(op)) {
        idx += xzeroLen(op, p[i + 1] ?? 0);
        i += 2;
      } else {
        const runlen = valLen(op);
        const value = valValue(op);
        if (runlen + idx > HLL_REGISTERS) break;
        for (let j = 0; j < runlen; j++, idx++) if (value > max[idx]!) max[idx] = value;
        i++;
      }
    }
    return idx === HLL_REGISTERS;
  }

  /** hllCount(); undefined for a corrupt sparse form. */
  count(): number | undefined {
    const histogram = new Array<number>(64).fill(0);
    if (this.dense) {
      for (let i = 0; i < HLL_REGISTERS; i++) histogram[denseGet(this.bytes, i)]!++;
      return estimate(histogram);
    }
    const p = this.bytes;
    let idx = 0;
    for (let i = HLL_HDR_SIZE; i < this.length;) {
      const op = p[i]!;
      if (isZero(op)) {
        const len = zeroLen(op);
        idx += len;
        histogram[0]! += len;
        i++;
      } else if (isXzero(op)) {
        const len = xzeroLen(op, p[i + 1] ?? 0);
        idx += len;
        histogram[0]! += len;
        i += 2;
      } else {
        const len = valLen(op);
        idx += len;
        histogram[valValue(op)]! += len;
        i++;
      }
    }
    return idx === HLL_REGISTERS ? estimate(histogram) : undefined;
  }
}

/** hllCount() over raw registers (PFCOUNT of several keys). */
export function countRegisters(registers: Uint8Array): number {
  const histogram = new Array<number>(64).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histogram[registers[i]!]!++;
  return estimate(histogram);
}

/** The estimator of "New cardinality estimation algorithms for HyperLogLog sketches" (Ertl), as Redis uses it. */
function estimate(histogram: number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histogram[j]!;
    z *= 0.5;
  }
  z += m * sigma(histogram[0]! / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let zPrime: number;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let zPrime: number;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  } while (zPrime !== z);
  return z / 3;
}

function bytesToString(bytes: Uint8Array, length: number): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < length; i += CHUNK) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, Math.min(length, i + CHUNK))));
  }
  return out;
}
