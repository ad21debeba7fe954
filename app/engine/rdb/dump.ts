/**
 * DUMP / RESTORE payloads (cluster.c createDumpPayload / verifyDumpPayload): the
 * value's RDB type byte and serialisation, the RDB version (2 bytes, little
 * endian), then the CRC64 of all that (8 bytes, little endian).
 */
import type { RedisValue } from '../keyspace/types.js';
import type { Server } from '../server.js';
import { RdbFormatError } from './byte-codec.js';
import { RDB_VERSION } from './constants.js';
import { Crc64 } from './crc64.js';
import { loadLimits, newWriter } from './persistence.js';
import { RdbReader, readObject } from './reader.js';
import { objectTypeCode, writeObject } from './writer.js';

/** The DUMP reply, as a byte string. */
export function dumpPayload(server: Server, value: RedisValue): string {
  const w = newWriter(server, 256);
  w.byte(objectTypeCode(value));
  writeObject(w, value);
  w.byte(RDB_VERSION & 0xff);
  w.byte((RDB_VERSION >> 8) & 0xff);
  w.raw(new Crc64().update(w.contents()).bytesLE());
  return w.contents().toString('latin1');
}

/** verifyDumpPayload(): version not newer than ours and a matching CRC. */
function footerIsValid(bytes: Buffer): boolean {
  if (bytes.length < 10) return false;
  const footer = bytes.length - 10;
  const version = bytes[footer]! | (bytes[footer + 1]! << 8);
  if (version > RDB_VERSION) return false;
  const crc = new Crc64().update(bytes, 0, bytes.length - 8).bytesLE();
  return crc.equals(bytes.subarray(bytes.length - 8));
}

/** The value a RESTORE payload holds, or why it was refused. */
export function parseDumpPayload(server: Server, payload: string): RedisValue | 'bad-footer' | 'bad-data' {
  const bytes = Buffer.from(payload, 'latin1');
  if (!footerIsValid(bytes)) return 'bad-footer';
  const reader = new RdbReader(bytes.subarray(0, bytes.length - 10));
  try {
    const value = readObject(reader, reader.byte(), loadLimits(server));
    return value ?? 'bad-data';
  } catch (err) {
    if (err instanceof RdbFormatError) return 'bad-data';
    throw err;
  }
}
