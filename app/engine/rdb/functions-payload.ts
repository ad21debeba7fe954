/**
 * Function libraries in RDB form: RDB_OPCODE_FUNCTION2 followed by the library's
 * code as an RDB string (rdbSaveFunctions), the pre-7.0-GA RDB_OPCODE_FUNCTION form
 * on load, and the FUNCTION DUMP / RESTORE payload (those records, the RDB version
 * and a CRC64, like DUMP's).
 */
import type { Server } from '../server.js';
import { RdbFormatError } from './byte-codec.js';
import * as C from './constants.js';
import { Crc64 } from './crc64.js';
import { RdbReader } from './reader.js';
import { newWriter } from './snapshot.js';
import type { RdbWriter } from './writer.js';

export function writeFunctions(w: RdbWriter, codes: readonly string[]): void {
  for (const code of codes) {
    w.byte(C.RDB_OPCODE_FUNCTION2);
    w.string(code);
  }
}

/** rdbFunctionLoad(): the library code after a FUNCTION/FUNCTION2 opcode. */
export function readFunction(r: RdbReader, type: number): string {
  if (type === C.RDB_OPCODE_FUNCTION2) return r.string();
  // 7.0-rc1/rc2: name, engine, optional description, then the code without its shebang.
  const name = r.string();
  const engine = r.string();
  if (r.len() !== 0) r.string();
  const blob = r.string();
  return `#!${engine} name=${name}\n${blob}`;
}

export function encodeFunctionsPayload(server: Server, codes: readonly string[]): string {
  const w = newWriter(server, 256);
  writeFunctions(w, codes);
  w.byte(C.RDB_VERSION & 0xff);
  w.byte((C.RDB_VERSION >> 8) & 0xff);
  w.raw(new Crc64().update(w.contents()).bytesLE());
  return w.contents().toString('latin1');
}

export function decodeFunctionsPayload(payload: string): { codes: string[] } | { error: string } {
  const bytes = Buffer.from(payload, 'latin1');
  if (bytes.length < 10) return { error: 'DUMP payload version or checksum are wrong' };
  const footer = bytes.length - 10;
  const version = bytes[footer]! | (bytes[footer + 1]! << 8);
  const crc = new Crc64().update(bytes, 0, bytes.length - 8).bytesLE();
  if (version > C.RDB_VERSION || !crc.equals(bytes.subarray(bytes.length - 8))) {
    return { error: 'DUMP payload version or checksum are wrong' };
  }
  const r = new RdbReader(bytes.subarray(0, footer));
  const codes: string[] = [];
  try {
    while (r.remaining > 0) {
      const type = r.byte();
      if (type !== C.RDB_OPCODE_FUNCTION && type !== C.RDB_OPCODE_FUNCTION2) {
        return { error: 'given type is not a function' };
      }
      codes.push(readFunction(r, type));
    }
  } catch (err) {
    if (err instanceof RdbFormatError) return { error: 'failed loading the given functions payload' };
    throw err;
  }
  return { codes };
}
