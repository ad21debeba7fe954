/**
 * Bit operations on strings (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
 * BITFIELD and BITFIELD_RO. Bit 0 is the most significant bit of byte 0, as in
 * Redis. Strings are immutable byte strings here, so a write builds the new value
 * from slices of the old one plus the changed bytes.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import type { Database } from '../keyspace/db.js';
import { markRaw } from '../keyspace/string-encoding.js';
import { WRONGTYPE } from '../keyspace/types.js';
import { CommandError, ERR_NOT_INTEGER, ERR_SYNTAX, intArg, is, toInt } from './args.js';
import { MAX_JS_STRING, readString, writableString } from './strings.js';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BITFIELD_TYPE =
  'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/** Set bits in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/**
 * getBitOffsetFromArgument(): a bit offset within proto-max-bulk-len bytes. With
 * `bits` (BITFIELD), "#N" means the N-th field of that width.
 */
function bitOffsetArg(c: Client, text: string, bits = 0): number {
  const useHash = bits > 0 && text.charCodeAt(0) === 35; /* # */
  let offset = toInt(useHash ? text.slice(1) : text);
  if (offset === null) throw new CommandError(ERR_BIT_OFFSET);
  if (useHash) offset *= bits;
  if (offset < 0 || (!c.isMaster && Math.floor(offset / 8) >= c.server.config.num('proto-max-bulk-len'))) {
    throw new CommandError(ERR_BIT_OFFSET);
  }
  return offset;
}

/** `base` zero-padded to at least `length` bytes (sdsgrowzero). */
function growZero(base: string, length: number): string {
  if (base.length >= length) return base;
  // Redis could go a few bytes further (512MB); JS strings stop just short of it.
  if (length > MAX_JS_STRING) throw new CommandError('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  return base + '\0'.repeat(length - base.length);
}

/** The value of the bit at `offset` (0 beyond the end). */
function bitAt(value: string, offset: number): number {
  const byte = Math.floor(offset / 8);
  if (byte >= value.length) return 0;
  return (value.charCodeAt(byte) >> (7 - (offset % 8))) & 1;
}

/** A string's bytes with some of them replaced; the new string is built once at the end. */
class PatchedBytes {
  private readonly patches = new Map<number, number>();

  constructor(readonly base: string) {}

  byte(i: number): number {
    const patched = this.patches.get(i);
    if (patched !== undefined) return patched;
    return i < this.base.length ? this.base.charCodeAt(i) : 0;
  }

  setByte(i: number, value: number): void {
    this.patches.set(i, value);
  }

  /** The patched string (bytes must be within the base's length). */
  result(): string {
    if (this.patches.size === 0) return this.base;
    const indexes = [...this.patches.keys()].sort((x, y) => x - y);
    let out = '';
    let from = 0;
    for (const i of indexes) {
      out += this.base.slice(from, i) + String.fromCharCode(this.patches.get(i)!);
      from = i + 1;
    }
    return out + this.base.slice(from);
  }
}

/** getUnsignedBitfield(): `bits` bits from `offset`, most significant first. */
function getUnsignedBits(bytes: PatchedBytes, offset: number, bits: number): bigint {
  let value = 0n;
  for (let j = 0; j < bits; j++, offset++) {
    const bit = (bytes.byte(Math.floor(offset / 8)) >> (7 - (offset % 8))) & 1;
    value = (value << 1n) | BigInt(bit);
  }
  return value;
}

function getSignedBits(bytes: PatchedBytes, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsignedBits(bytes, offset, bits));
}

/** setUnsignedBitfield(): writes the low `bits` bits of `value` (two's complement for negatives). */
function setBits(bytes: PatchedBytes, offset: number, bits: number, value: bigint): void {
  for (let j = 0; j < bits; j++, offset++) {
    const bitval = Number((value >> BigInt(bits - 1 - j)) & 1n);
    const byte = Math.floor(offset / 8);
    const shift = 7 - (offset % 8);
    bytes.setByte(byte, (bytes.byte(byte) & ~(1 << shift)) | (bitval << shift));
  }
}

type Overflow = 'wrap' | 'sat' | 'fail';

/** An overflow check's outcome: `limit` replaces the result when it overflowed (WRAP/SAT). */
interface OverflowCheck {
  overflow: boolean;
  limit: bigint | undefined;
}

const asInt64 = (n: bigint): bigint => BigInt.asIntN(64, n);

/** checkUnsignedBitfieldOverflow(), with the C casts made explicit. */
function checkUnsigned(value: bigint, incr: bigint, bits: number, owtype: Overflow): OverflowCheck {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = asInt64(max - value);
  const minincr = asInt64(-value);
  if (value > max || (incr > 0n && incr > maxincr)) {
    if (owtype === 'wrap') return { overflow: true, limit: BigInt.asUintN(bits, value + incr) };
    return { overflow: true, limit: owtype === 'sat' ? max : undefined };
  }
  if (incr < 0n && incr < minincr) {
    if (owtype === 'wrap') return { overflow: true, limit: BigInt.asUintN(bits, value + incr) };
    return { overflow: true, limit: owtype === 'sat' ? 0n : undefined };
  }
  return { overflow: false, limit: undefined };
}

/** checkSignedBitfieldOverflow(), with the C casts made explicit. */
function checkSigned(value: bigint, incr: bigint, bits: number, owtype: Overflow): OverflowCheck {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = asInt64(max - value);
  const minincr = asInt64(min - value);
  const wrapped = (): bigint => BigInt.asIntN(bits, value + incr);
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    if (owtype === 'wrap') return { overflow: true, limit: wrapped() };
    return { overflow: true, limit: owtype === 'sat' ? max : undefined };
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    if (owtype === 'wrap') return { overflow: true, limit: wrapped() };
    return { overflow: true, limit: owtype === 'sat' ? min : undefined };
  }
  return { overflow: false, limit: undefined };
}

/** The value after lookupStringForBitCommand(): created or zero-padded as needed. */
interface BitTarget {
  value: string;
  existed: boolean;
  /** Created, or grown to reach the highest bit. */
  grown: boolean;
}

/** lookupStringForBitCommand(): the string at `key`, zero-padded so `maxbit` exists. */
function stringForBitWrite(db: Database, key: string, maxbit: number): BitTarget {
  const current = writableString(db, key);
  const needed = Math.floor(maxbit / 8) + 1;
  if (current === undefined) return { value: growZero('', needed), existed: false, grown: true };
  const value = growZero(current, needed);
  return { value, existed: true, grown: value.length !== current.length };
}

/**
 * Stores the result of a bit write. A changed value signals WATCHers; an unchanged
 * one still becomes "raw", as dbUnshareStringValue() makes it.
 */
function storeBitWrite(db: Database, key: string, target: BitTarget, value: string, changed: boolean): void {
  if (changed || !target.existed) db.setKey(key, value, true);
  else if (target.grown) db.overwriteValue(key, value);
  markRaw(db, key, value);
}

function setbit(c: Client, argv: readonly string[]): void {
  const key = argv[1]!;
  const offset = bitOffsetArg(c, argv[2]!);
  const on = toInt(argv[3]!);
  if (on === null || (on !== 0 && on !== 1)) throw new CommandError('ERR bit is not an integer or out of range');
  const db = c.db;
  const target = stringForBitWrite(db, key, offset);
  const byte = Math.floor(offset / 8);
  const shift = 7 - (offset % 8);
  const byteval = target.value.charCodeAt(byte);
  const bitval = (byteval >> shift) & 1;
  const changed = target.grown || bitval !== on;
  let value = target.value;
  if (changed) {
    const updated = (byteval & ~(1 << shift)) | (on << shift);
    value = value.slice(0, byte) + String.fromCharCode(updated) + value.slice(byte + 1);
  }
  storeBitWrite(db, key, target, value, changed);
  if (changed) {
    c.server.notify('$', 'setbit', key, db.id);
    c.server.dirty++;
  }
  c.integer(bitval);
}

function getbit(c: Client, argv: readonly string[]): void {
  const offset = bitOffsetArg(c, argv[2]!);
  const value = readString(c.db, argv[1]!);
  c.integer(value === undefined ? 0 : bitAt(value, offset));
}

/** Below this many bytes a byte-wise loop beats copying into a typed array. */
const POPCOUNT_WORDS_MIN = 256;
/** A reused buffer: allocating one per call costs far more than the copy itself. */
let scratch = Buffer.allocUnsafeSlow(1 << 16);
/** The scratch buffer never grows beyond this; longer ranges get a one-off copy. */
const SCRATCH_MAX = 16 * 1024 * 1024;

/** Bytes start..end (inclusive) of `value` in a transient buffer, 4-byte aligned. */
function copyBytes(value: string, start: number, end: number): Buffer {
  const length = end - start + 1;
  if (length > SCRATCH_MAX) return Buffer.from(value.slice(start, end + 1), 'latin1');
  if (scratch.length < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, scratch.length * 2));
  scratch.write(value.slice(start, end + 1), 0, 'latin1');
  return scratch.subarray(0, length);
}

/** Set bits in bytes start..end (inclusive), as redisPopcount() does. */
function popcount(value: string, start: number, end: number): number {
  let count = 0;
  if (end - start + 1 < POPCOUNT_WORDS_MIN) {
    for (let i = start; i <= end; i++) count += POPCOUNT[value.charCodeAt(i)]!;
    return count;
  }
  // Long ranges: 32-bit words counted with SWAR arithmetic.
  const bytes = copyBytes(value, start, end);
  let i = 0;
  while (i < bytes.length && (bytes.byteOffset + i) % 4 !== 0) count += POPCOUNT[bytes[i++]!]!;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (bytes.length - i) >>> 2);
  for (let w = 0; w < words.length; w++) {
    let v = words[w]!;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    count += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  for (i += words.length * 4; i < bytes.length; i++) count += POPCOUNT[bytes[i]!]!;
  return count;
}

/** Masks of the bits outside a BIT range in its first and last bytes (bitcount/bitpos). */
interface BitRange {
  start: number;
  end: number;
  firstMask: number;
  lastMask: number;
}

/** Converts a BIT range (inclusive bit offsets, already clamped) to bytes and edge masks. */
function bitRangeToBytes(start: number, end: number): BitRange {
  return {
    firstMask: ~((1 << (8 - (start % 8))) - 1) & 0xff,
    lastMask: (1 << (7 - (end % 8))) - 1,
    start: Math.floor(start / 8),
    end: Math.floor(end / 8),
  };
}

function isBitUnit(arg: string): boolean {
  if (is(arg, 'bit')) return true;
  if (is(arg, 'byte')) return false;
  throw new CommandError(ERR_SYNTAX);
}

function bitcount(c: Client, argv: readonly string[]): void {
  const value = readString(c.db, argv[1]!);
  if (value === undefined) {
    c.integer(0);
    return;
  }
  let range: BitRange;
  if (argv.length === 4 || argv.length === 5) {
    const totlen = value.length;
    const start = intArg(argv[2]!);
    const end = intArg(argv[3]!);
    if (start < 0 && end < 0 && start > end) {
      c.integer(0);
      return;
    }
    const isBit = argv.length === 5 && isBitUnit(argv[4]!);
    range = clampRange(start, end, totlen, isBit);
  } else if (argv.length === 2) {
    range = { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    throw new CommandError(ERR_SYNTAX);
  }
  const { start, end, firstMask, lastMask } = range;
  if (start > end) {
    c.integer(0);
    return;
  }
  let count = popcount(value, start, end);
  if (firstMask !== 0) count -= POPCOUNT[value.charCodeAt(start) & firstMask]!;
  if (lastMask !== 0) count -= POPCOUNT[value.charCodeAt(end) & lastMask]!;
  c.integer(count);
}

/** redisBitpos() on one byte: 0..7, or -1 (no 1 bit) / 8 (no 0 bit). */
function bitposInByte(byte: number, bit: number): number {
  for (let k = 0; k < 8; k++) if (((byte >> (7 - k)) & 1) === bit) return k;
  return bit ? -1 : 8;
}

/**
 * redisBitpos(): the first `bit` in `count` bytes from `start`, relative to start.
 * Not found: -1 for a 1 bit, count*8 for a 0 bit (as if the string went on with zeros).
 */
function bitposInRange(value: string, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const byte = value.charCodeAt(start + i);
    if (byte !== skip) return i * 8 + bitposInByte(byte, bit);
  }
  return bit ? -1 : count * 8;
}

function bitpos(c: Client, argv: readonly string[]): void {
  const bit = intArg(argv[2]!);
  if (bit !== 0 && bit !== 1) throw new CommandError('ERR The bit argument must be 1 or 0.');
  const value = readString(c.db, argv[1]!);
  if (value === undefined) {
    c.integer(bit ? -1 : 0);
    return;
  }
  let endGiven = false;
  let range: BitRange;
  if (argv.length >= 4 && argv.length <= 6) {
    const totlen = value.length;
    const start = intArg(argv[3]!);
    const isBit = argv.length === 6 && isBitUnit(argv[5]!);
    let end: number;
    if (argv.length >= 5) {
      end = intArg(argv[4]!);
      endGiven = true;
    } else {
      end = isBit ? totlen * 8 + 7 : totlen - 1;
    }
    range = clampRange(start, end, totlen, isBit);
  } else if (argv.length === 3) {
    range = { start: 0, end: value.length - 1, firstMask: 0, lastMask: 0 };
  } else {
    throw new CommandError(ERR_SYNTAX);
  }
  let { start } = range;
  const { end, firstMask, lastMask } = range;
  if (start > end) {
    c.integer(-1);
    return;
  }
  let bytes = end - start + 1;
  let pos = -1;
  // The same steps as bitposCommand(): a partial first byte, whole bytes, a partial last byte.
  found: {
    if (firstMask) {
      let tmp = bit ? value.charCodeAt(start) & ~firstMask : value.charCodeAt(start) | firstMask;
      if (lastMask && bytes === 1) tmp = bit ? tmp & ~lastMask : tmp | lastMask;
      pos = bitposInByte(tmp & 0xff, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
      start++;
      bytes--;
    }
    const whole = bytes - (lastMask ? 1 : 0);
    if (whole > 0) {
      pos = bitposInRange(value, start, whole, bit);
      if (bytes === whole || (pos !== -1 && pos !== whole * 8)) break found;
      start += whole;
      bytes -= whole;
    }
    const tmp = bit ? value.charCodeAt(end) & ~lastMask : value.charCodeAt(end) | lastMask;
    pos = bitposInByte(tmp & 0xff, bit);
  }
  // With an explicit end, clear bits past the range do not count.
  if (endGiven && bit === 0 && pos === bytes * 8) {
    c.integer(-1);
    return;
  }
  if (pos !== -1) pos += start * 8;
  c.integer(pos);
}

type BitOp = 'and' | 'or' | 'xor' | 'not';

function bitop(c: Client, argv: readonly string[]): void {
  const opName = argv[1]!.toLowerCase();
  if (opName !== 'and' && opName !== 'or' && opName !== 'xor' && opName !== 'not') throw new CommandError(ERR_SYNTAX);
  const op: BitOp = opName;
  if (op === 'not' && argv.length !== 4)
    throw new CommandError('ERR BITOP NOT must be called with a single source key.');
  const db = c.db;
  const sources: Buffer[] = [];
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const value = db.lookupRead(argv[j]!);
    if (value !== undefined && typeof value !== 'string') throw new CommandError(WRONGTYPE);
    // Transient byte arrays for the byte-wise loop; the stored value stays a byte string.
    const bytes = Buffer.from(value ?? '', 'latin1');
    sources.push(bytes);
    if (bytes.length > maxlen) maxlen = bytes.length;
  }
  const dest = argv[2]!;
  const server = c.server;
  if (maxlen === 0) {
    db.lookupWrite(dest);
    if (db.delete(dest)) {
      server.notify('g', 'del', dest, db.id);
      server.dirty++;
    }
    c.integer(0);
    return;
  }
  const result = Buffer.alloc(maxlen);
  const first = sources[0]!;
  for (let i = 0; i < maxlen; i++) {
    let output = i < first.length ? first[i]! : 0;
    if (op === 'not') output = ~output & 0xff;
    for (let k = 1; k < sources.length; k++) {
      const src = sources[k]!;
      const byte = i < src.length ? src[i]! : 0;
      if (op === 'and') output &= byte;
      else if (op === 'or') output |= byte;
      else output ^= byte;
    }
    result[i] = output;
  }
  const value = result.toString('latin1');
  db.lookupWrite(dest);
  db.setKey(dest, value);
  markRaw(db, dest, value);
  server.notify('$', 'set', dest, db.id);
  server.dirty++;
  c.integer(maxlen);
}

interface BitfieldOp {
  opcode: 'get' | 'set' | 'incrby';
  offset: number;
  /** SET value or INCRBY increment. */
  i64: bigint;
  owtype: Overflow;
  bits: number;
  signed: boolean;
}

/** getBitfieldTypeFromArgument(): i1..i64 or u1..u63 (the prefix is case-sensitive). */
function bitfieldType(text: string): { signed: boolean; bits: number } {
  const prefix = text[0];
  if (prefix !== 'i' && prefix !== 'u') throw new CommandError(ERR_BITFIELD_TYPE);
  const signed = prefix === 'i';
  const bits = toInt(text.slice(1));
  if (bits === null || bits < 1 || (signed && bits > 64) || (!signed && bits > 63)) {
    throw new CommandError(ERR_BITFIELD_TYPE);
  }
  return { signed, bits };
}

function parseBitfieldOps(c: Client, argv: readonly string[]): { ops: BitfieldOp[]; highestWrite: number } {
  const ops: BitfieldOp[] = [];
  let owtype: Overflow = 'wrap';
  let highestWrite = -1;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j]!.toLowerCase();
    let opcode: BitfieldOp['opcode'];
    if (sub === 'get' && remaining >= 2) opcode = 'get';
    else if (sub === 'set' && remaining >= 3) opcode = 'set';
    else if (sub === 'incrby' && remaining >= 3) opcode = 'incrby';
    else if (sub === 'overflow' && remaining >= 1) {
      const type = argv[++j]!.toLowerCase();
      if (type !== 'wrap' && type !== 'sat' && type !== 'fail') {
        throw new CommandError('ERR Invalid OVERFLOW type specified');
      }
      owtype = type;
      continue;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
    const { signed, bits } = bitfieldType(argv[j + 1]!);
    const offset = bitOffsetArg(c, argv[j + 2]!, bits);
    let i64 = 0n;
    if (opcode !== 'get') {
      highestWrite = Math.max(highestWrite, offset + bits - 1);
      const n = toInt(argv[j + 3]!);
      if (n === null) throw new CommandError(ERR_NOT_INTEGER);
      i64 = BigInt(argv[j + 3]!);
    }
    ops.push({ opcode, offset, i64, owtype, bits, signed });
    j += opcode === 'get' ? 2 : 3;
  }
  return { ops, highestWrite };
}

/** Runs one SET or INCRBY; returns whether the stored bits changed, or null when FAIL refused it. */
function bitfieldWrite(c: Client, bytes: PatchedBytes, op: BitfieldOp): { changed: boolean } | null {
  const oldval = op.signed ? getSignedBits(bytes, op.offset, op.bits) : getUnsignedBits(bytes, op.offset, op.bits);
  let newval: bigint;
  let retval: bigint;
  let check: OverflowCheck;
  const checkFn = op.signed ? checkSigned : checkUnsigned;
  if (op.opcode === 'incrby') {
    check = checkFn(oldval, op.i64, op.bits, op.owtype);
    newval = check.overflow ? (check.limit ?? 0n) : oldval + op.i64;
    retval = newval;
  } else {
    // A SET value is first taken as the field's type (uint64 cast for unsigned fields).
    const setValue = op.signed ? op.i64 : BigInt.asUintN(64, op.i64);
    check = checkFn(setValue, 0n, op.bits, op.owtype);
    newval = check.overflow ? (check.limit ?? 0n) : setValue;
    retval = oldval;
  }
  if (check.overflow && op.owtype === 'fail') {
    c.null();
    return null;
  }
  c.integer(retval);
  setBits(bytes, op.offset, op.bits, newval);
  return { changed: oldval !== newval };
}

function bitfieldGeneric(c: Client, argv: readonly string[], readOnlyCommand: boolean): void {
  const { ops, highestWrite } = parseBitfieldOps(c, argv);
  const key = argv[1]!;
  const db = c.db;
  if (highestWrite < 0) {
    const value = readString(db, key);
    const bytes = new PatchedBytes(value ?? '');
    c.arrayLen(ops.length);
    for (const op of ops) {
      c.integer(op.signed ? getSignedBits(bytes, op.offset, op.bits) : getUnsignedBits(bytes, op.offset, op.bits));
    }
    return;
  }
  if (readOnlyCommand) throw new CommandError('ERR BITFIELD_RO only supports the GET subcommand');
  const target = stringForBitWrite(db, key, highestWrite);
  const bytes = new PatchedBytes(target.value);
  let changes = 0;
  c.arrayLen(ops.length);
  for (const op of ops) {
    if (op.opcode === 'get') {
      c.integer(op.signed ? getSignedBits(bytes, op.offset, op.bits) : getUnsignedBits(bytes, op.offset, op.bits));
      continue;
    }
    const outcome = bitfieldWrite(c, bytes, op);
    if (outcome && (target.grown || outcome.changed)) changes++;
  }
  storeBitWrite(db, key, target, bytes.result(), changes > 0);
  if (changes > 0) {
    c.server.notify('$', 'setbit', key, db.id);
    c.server.dirty += changes;
  }
}

export const bitCommands: CommandModule = {
  setbit: setbit,
  getbit: getbit,
  bitcount: bitcount,
  bitpos: bitpos,
  bitop: bitop,
  bitfield(c, argv) {
    bitfieldGeneric(c, argv, false);
  },
  bitfield_ro(c, argv) {
    bitfieldGeneric(c, argv, true);
  },
};

/**
 * BITCOUNT/BITPOS start..end: negative indexes count from the end, both are clamped
 * to the string (in bits when `isBit`), and bit ranges become byte ranges with masks.
 */
function clampRange(start: number, end: number, byteLength: number, isBit: boolean): BitRange {
  const totlen = isBit ? byteLength * 8 : byteLength;
  if (start < 0) start = totlen + start;
  if (end < 0) end = totlen + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= totlen) end = totlen - 1;
  return isBit && start <= end ? bitRangeToBytes(start, end) : { start, end, firstMask: 0, lastMask: 0 };
}
