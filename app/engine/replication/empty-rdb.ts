/**
 * The fallback loader used while the RDB module is not plugged in: it accepts an
 * RDB file (version <= 10) that holds no keys, functions or module data — what a
 * master with an empty data set sends — reads its aux fields (repl-stream-db)
 * and refuses anything else, clearly.
 */
import type { Server } from '../server.js';
import type { RdbLoadResult } from './replica.js';

const OPCODE_AUX = 0xfa;
const OPCODE_EOF = 0xff;

export function loadEmptyRdb(_server: Server, payload: Buffer): RdbLoadResult {
  const magic = payload.toString('latin1', 0, 5);
  const version = Number(payload.toString('latin1', 5, 9));
  if (magic !== 'REDIS' || !Number.isInteger(version) || version < 1 || version > 10) {
    throw new Error('Wrong signature trying to load DB from file');
  }
  let pos = 9;
  const result: RdbLoadResult = {};
  const readString = (): string => {
    const { value, encoded, next } = readLength(payload, pos);
    pos = next;
    if (!encoded) {
      const s = payload.toString('latin1', pos, pos + value);
      pos += value;
      return s;
    }
    // Integer encodings: 0 = int8, 1 = int16, 2 = int32 (little endian).
    if (value === 0) return String(payload.readInt8(pos++));
    if (value === 1) {
      const n = payload.readInt16LE(pos);
      pos += 2;
      return String(n);
    }
    if (value === 2) {
      const n = payload.readInt32LE(pos);
      pos += 4;
      return String(n);
    }
    throw new Error('Unknown RDB string encoding type ' + value);
  };
  for (;;) {
    if (pos >= payload.length) throw new Error('Short read or OOM loading DB. Unrecoverable error, aborting now.');
    const opcode = payload[pos++]!;
    if (opcode === OPCODE_EOF) return result;
    if (opcode !== OPCODE_AUX) {
      throw new Error(
        `the data set is not empty (RDB opcode 0x${opcode.toString(16)}) and this engine has no RDB loader yet`,
      );
    }
    const key = readString();
    const value = readString();
    if (key === 'repl-stream-db') result.replStreamDb = Number(value);
  }
}

/** rdbLoadLen(): 6-bit, 14-bit, 32-bit or 64-bit length, or an encoded-string marker. */
function readLength(buf: Buffer, pos: number): { value: number; encoded: boolean; next: number } {
  const first = buf[pos]!;
  const type = first >> 6;
  if (type === 0) return { value: first & 0x3f, encoded: false, next: pos + 1 };
  if (type === 1) return { value: ((first & 0x3f) << 8) | buf[pos + 1]!, encoded: false, next: pos + 2 };
  if (type === 3) return { value: first & 0x3f, encoded: true, next: pos + 1 };
  if (first === 0x80) return { value: buf.readUInt32BE(pos + 1), encoded: false, next: pos + 5 };
  if (first === 0x81) return { value: Number(buf.readBigUInt64BE(pos + 1)), encoded: false, next: pos + 9 };
  throw new Error(`Unknown length encoding ${first} in rdbLoadLen()`);
}
