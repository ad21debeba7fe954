/**
 * The RDB of a diskless full sync (rdbSaveToSlavesSockets + rdbSaveRioWithEOFMark):
 * `$EOF:<40 random hex chars>\r\n`, the RDB file, then the same 40 chars, produced
 * in slices across event-loop turns so the master keeps serving its clients.
 *
 * Without fork(), the point-in-time view is the one BGSAVE uses (rdb/persistence.ts):
 * the entries of every db are captured when the transfer starts, and an aggregate
 * about to change in place (Database.beforeWrite) is copied first, so the replica
 * receives the data set exactly as of the offset its +FULLRESYNC announced.
 */
import { randomBytes } from 'node:crypto';
import { duplicateValue } from '../keyspace/duplicate.js';
import type { RedisObject, RedisValue } from '../keyspace/types.js';
import { usedMemory } from '../info.js';
import { Crc64 } from '../rdb/crc64.js';
import { writeDbHeader, writeHeader, writeKeyValue } from '../rdb/file-codec.js';
import { newWriter } from '../rdb/persistence.js';
import type { RdbWriter } from '../rdb/writer.js';
import type { Server } from '../server.js';
import { REDIS_VERSION } from '../server.js';

/** RDB_EOF_MARK_SIZE. */
export const EOF_MARK_SIZE = 40;
/** How long one slice may hold the event loop. */
const SLICE_MS = 4;
/** Bytes handed to the sink before the producer yields, so sockets get a chance to drain. */
const CHUNK_BYTES = 1 << 20;

export interface RdbStreamSink {
  /** Takes the next bytes; false asks the producer to wait for `resume()`. */
  write(chunk: Buffer): boolean;
  /** The last byte was written (error undefined), or production failed. */
  end(error: Error | undefined): void;
}

export interface ReplicationInfo {
  replId: string;
  replOffset: number;
  streamDb: number;
}

export class RdbStreamProducer {
  private readonly preserved = new Map<RedisObject, RedisValue>();
  private readonly keys: string[][];
  private readonly values: RedisValue[][];
  private readonly expires: Map<string, number>[];
  private readonly writer: RdbWriter;
  private readonly crc: Crc64 | undefined;
  private readonly mark = randomBytes(EOF_MARK_SIZE / 2).toString('hex');
  private readonly keyDelayMs: number;
  private dbIndex = 0;
  private entryIndex = 0;
  private dbHeaderWritten = false;
  private waitingForSink = false;
  private stopped = false;

  constructor(
    private readonly server: Server,
    private readonly repl: ReplicationInfo,
    private readonly sink: RdbStreamSink,
  ) {
    this.keys = server.dbs.map((db) => Array.from(db.dict.keys()));
    this.values = server.dbs.map((db) => Array.from(db.dict.values()));
    this.expires = server.dbs.map((db) => new Map(db.expires));
    this.crc = server.config.bool('rdbchecksum') ? new Crc64() : undefined;
    // rdb-key-save-delay (microseconds) slows the transfer down in tests, as in Redis.
    this.keyDelayMs = Math.max(0, server.config.num('rdb-key-save-delay')) / 1000;
    this.writer = newWriter(server, CHUNK_BYTES);
    for (const db of server.dbs) db.beforeWrite = (value) => this.keepOriginal(value);
  }

  start(): void {
    this.emitRaw(Buffer.from(`$EOF:${this.mark}\r\n`, 'latin1'));
    writeHeader(this.writer, {
      redisVer: REDIS_VERSION,
      ctime: Math.floor(Date.now() / 1000),
      usedMem: usedMemory(),
      repl: this.repl,
      aofBase: false,
    });
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
    this.releaseHook();
  }

  private keepOriginal(value: RedisObject): void {
    if (!this.preserved.has(value)) this.preserved.set(value, duplicateValue(value));
  }

  private releaseHook(): void {
    for (const db of this.server.dbs) db.beforeWrite = undefined;
    this.preserved.clear();
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
    this.stopped = true;
    this.releaseHook();
    this.emitRaw(Buffer.concat([body, trailer, Buffer.from(this.mark, 'latin1')]));
    this.sink.end(undefined);
  }

  /** Hands the encoded bytes to the sink; false when it asked us to wait. */
  private flush(): boolean {
    const chunk = this.writer.take();
    if (chunk.length === 0) return true;
    this.crc?.update(chunk);
    return this.emitRaw(chunk);
  }

  private emitRaw(chunk: Buffer): boolean {
    const accepted = this.sink.write(chunk);
    if (!accepted) this.waitingForSink = true;
    return accepted;
  }
}
