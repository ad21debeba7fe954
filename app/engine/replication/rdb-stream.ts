/**
 * The RDB of a diskless full sync (rdbSaveToSlavesSockets + rdbSaveRioWithEOFMark):
 * `$EOF:<40 random hex chars>\r\n`, the RDB file, then the same 40 chars. The file
 * is the point-in-time snapshot BGSAVE writes (rdb/snapshot.ts), so the replica
 * receives the data set exactly as of the offset its +FULLRESYNC announced.
 */
import { randomBytes } from 'node:crypto';
import { auxFields } from '../rdb/persistence.js';
import { RdbSnapshot, type SnapshotSink } from '../rdb/snapshot.js';
import type { Server } from '../server.js';

/** RDB_EOF_MARK_SIZE. */
export const EOF_MARK_SIZE = 40;

export type RdbStreamSink = SnapshotSink;

export interface ReplicationInfo {
  replId: string;
  replOffset: number;
  streamDb: number;
}

export class RdbStreamProducer {
  private readonly mark = randomBytes(EOF_MARK_SIZE / 2).toString('hex');
  private readonly snapshot: RdbSnapshot;

  constructor(
    server: Server,
    repl: ReplicationInfo,
    private readonly sink: RdbStreamSink,
  ) {
    this.snapshot = new RdbSnapshot(server, auxFields(repl, server), {
      write: (chunk) => sink.write(chunk),
      end: (error) => {
        if (!error) sink.write(Buffer.from(this.mark, 'latin1'));
        sink.end(error);
      },
    });
  }

  start(): void {
    this.sink.write(Buffer.from(`$EOF:${this.mark}\r\n`, 'latin1'));
    this.snapshot.start();
  }

  /** The sink drained: carry on. */
  resume(): void {
    this.snapshot.resume();
  }

  /** killRDBChild(): stop producing; the copy-on-write hook goes away. */
  stop(): void {
    this.snapshot.stop();
  }
}
