/**
 * A point-in-time RDB of the whole data set, produced in slices across event-loop
 * turns so the server keeps answering: what BGSAVE writes to a file and what a
 * diskless full sync streams to replicas' sockets (Redis forks for both; we cannot).
 *
 * The entries of every db are captured when the snapshot is created, and an aggregate
 * about to change in place (Database.beforeWrite) is copied first, so the bytes
 * describe the data set exactly as it was at that moment.
 */
import { duplicateValue } from '../keyspace/duplicate.js';
import type { RedisObject, RedisValue } from '../keyspace/types.js';
import type { Server } from '../server.js';
import { Crc64 } from './crc64.js';
import { writeDbHeader, writeHeader, writeKeyValue, type AuxFields } from './file-codec.js';
import { RdbWriter } from './writer.js';

/** An RDB writer with the server's compression and list-node settings. */
export function newWriter(server: Server, initialSize?: number): RdbWriter {
  return new RdbWriter(
    { compression: server.config.bool('rdbcompression'), listFill: server.config.num('list-max-listpack-size') },
    initialSize,
  );
}

/** How long one slice may hold the event loop. */
const SLICE_MS = 4;
/** Bytes handed to the sink before the producer checks back, so sockets get a chance to drain. */
const CHUNK_BYTES = 1 << 20;

export interface SnapshotSink {
  /** Takes the next bytes; false asks the producer to wait for `resume()`. */
  write(chunk: Buffer): boolean;
  /** The file's last byte (the checksum) was written (error undefined), or production failed. */
  end(error: Error | undefined): void;
}

export class RdbSnapshot {
  private readonly preserved = new Map<RedisObject, RedisValue>();
  // Two flat arrays per db: far cheaper to build than an array of pairs or a Map copy.
  private readonly keys: string[][];
  private readonly values: RedisValue[][];
  private readonly expires: Map<string, number>[];
  private readonly writer: RdbWriter;
  private readonly crc: Crc64 | undefined;
  private readonly keyDelayMs: number;
  private dbIndex = 0;
  private entryIndex = 0;
  private dbHeaderWritten = false;
  private waitingForSink = false;
  private stopped = false;

  constructor(
    private readonly server: Server,
    private readonly aux: AuxFields,
    private readonly sink: SnapshotSink,
  ) {
    this.keys = server.dbs.map((db) => Array.from(db.dict.keys()));
    this.values = server.dbs.map((db) => Array.from(db.dict.values()));
    this.expires = server.dbs.map((db) => new Map(db.expires));
    this.crc = server.config.bool('rdbchecksum') ? new Crc64() : undefined;
    // rdb-key-save-delay (microseconds) slows saving down in tests, as in Redis;
    // negative values (statistical tiny sleeps in Redis) are ignored.
    this.keyDelayMs = Math.max(0, server.config.num('rdb-key-save-delay')) / 1000;
    this.writer = newWriter(server, CHUNK_BYTES);
    for (const db of server.dbs) db.beforeWrite = (value) => this.keepOriginal(value);
  }

  start(): void {
    writeHeader(this.writer, this.aux);
    setImmediate(() => this.slice());
  }

  /** The sink drained: carry on. */
  resume(): void {
    if (!this.waitingForSink || this.stopped) return;
    this.waitingForSink = false;
    setImmediate(() => this.slice());
  }

  /** killRDBChild(): stop producing; the copy-on-write hook goes away. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const db of this.server.dbs) db.beforeWrite = undefined;
    this.preserved.clear();
  }

  private keepOriginal(value: RedisObject): void {
    if (!this.preserved.has(value)) this.preserved.set(value, duplicateValue(value));
  }

  private slice(): void {
    if (this.stopped) return;
    try {
      const deadline = performance.now() + SLICE_MS;
      let n = 0;
      while (this.dbIndex < this.keys.length) {
        const keys = this.keys[this.dbIndex]!;
        const values = this.values[this.dbIndex]!;
        const expires = this.expires[this.dbIndex]!;
        if (!this.dbHeaderWritten) {
          if (keys.length > 0) writeDbHeader(this.writer, this.dbIndex, keys.length, expires.size);
          this.dbHeaderWritten = true;
        }
        while (this.entryIndex < keys.length) {
          const key = keys[this.entryIndex]!;
          const live = values[this.entryIndex++]!;
          const value = typeof live === 'string' ? live : (this.preserved.get(live) ?? live);
          writeKeyValue(this.writer, key, value, expires.get(key));
          if (this.keyDelayMs > 0) {
            // A pause after every key, without blocking the server.
            if (!this.flush()) return;
            setTimeout(() => this.slice(), this.keyDelayMs);
            return;
          }
          if ((++n & 255) !== 0) continue;
          if (this.writer.length >= CHUNK_BYTES && !this.flush()) return;
          if (performance.now() > deadline) {
            this.flush();
            if (!this.waitingForSink) setImmediate(() => this.slice());
            return;
          }
        }
        this.dbIndex++;
        this.entryIndex = 0;
        this.dbHeaderWritten = false;
      }
      this.finish();
    } catch (err) {
      this.stop();
      this.sink.end(err as Error);
    }
  }

  private finish(): void {
    this.writer.byte(255);
    const body = this.writer.take();
    this.crc?.update(body);
    const trailer = this.crc ? this.crc.bytesLE() : Buffer.alloc(8);
    this.stop();
    this.sink.write(Buffer.concat([body, trailer]));
    this.sink.end(undefined);
  }

  /** Hands the encoded bytes to the sink; false when it asked us to wait. */
  private flush(): boolean {
    const chunk = this.writer.take();
    if (chunk.length === 0) return true;
    this.crc?.update(chunk);
    const accepted = this.sink.write(chunk);
    if (!accepted) this.waitingForSink = true;
    return accepted;
  }
}
