/**
 * The master side of replication (replication.c): the replication ID and offset,
 * the backlog, the replicas attached to us, and replicationFeedSlaves(), which turns
 * every propagated write into the replication stream.
 *
 * Full synchronisation takes a point-in-time RDB snapshot (the RDB module provides
 * it through `snapshot`) and then streams every later write, exactly what a Redis
 * master sends after `+FULLRESYNC` or to an old-style `SYNC`.
 */
import type { Client } from '../client.js';
import { ReplicationBacklog } from './backlog.js';

export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

export interface ReplicaLink {
  client: Client;
  state: ReplicaState;
  /** REPLCONF listening-port (0 until announced). */
  listeningPort: number;
  /** Last offset acknowledged with REPLCONF ACK. */
  ackOffset: number;
  ackTime: number;
}

/** What the master needs from the server hosting it. */
export interface MasterHost {
  config: { num(name: string): number; str(name: string): string };
  log: { notice(m: string): void; warning(m: string): void };
  scheduleWrite(c: Client): void;
  /** A replica proxies its master's stream instead of producing one (replicationFeedSlaves). */
  isReplica(): boolean;
}

/** Encodes one command as a RESP multibulk byte string. */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

export class ReplicationMaster {
  replId = randomReplId();
  replId2 = '0'.repeat(40);
  secondReplOffset = -1;
  /** master_repl_offset: bytes of replication stream produced so far. */
  offset = 0;
  backlog: ReplicationBacklog | undefined;
  readonly replicas = new Map<Client, ReplicaLink>();
  /** The db the stream last SELECTed (server.slaveseldb); -1 forces a SELECT. */
  selectedDb = -1;
  /** Set by the RDB module: a snapshot of the whole data set as an RDB file. */
  snapshot: ((replId: string, offset: number) => Buffer) | undefined;

  constructor(private readonly host: MasterHost) {}

  /** replicationFeedSlaves(): append a write to the stream, with SELECT when the db changes. */
  feed(dbId: number, argv: readonly string[]): void {
    // Redis keeps no stream at all until a replica has attached once; a replica
    // only proxies the stream of its own master.
    if (this.host.isReplica() || (!this.backlog && this.replicas.size === 0)) return;
    let bytes = '';
    if (dbId !== this.selectedDb && dbId >= 0) {
      bytes += encodeCommand(['SELECT', String(dbId)]);
      this.selectedDb = dbId;
    }
    bytes += encodeCommand(argv);
    this.appendToStream(bytes);
  }

  /** feedReplicationBuffer(): bytes of stream (ours, or our master's when proxying) to the backlog and replicas. */
  appendToStream(bytes: string): void {
    this.offset += bytes.length;
    this.backlog?.append(Buffer.from(bytes, 'latin1'));
    for (const link of this.replicas.values()) {
      if (link.state !== 'online') continue;
      link.client.raw(bytes);
      this.host.scheduleWrite(link.client);
    }
  }

  private ensureBacklog(): void {
    if (!this.backlog) this.backlog = new ReplicationBacklog(this.host.config.num('repl-backlog-size'), this.offset);
  }

  /**
   * SYNC (and the full-resync path of PSYNC): snapshot the data set, send it as one
   * bulk payload, then stream from the snapshot's offset. The snapshot is taken
   * synchronously, so no write can fall between it and the stream.
   */
  fullSync(c: Client, replyPrefix: string): void {
    if (!this.snapshot) {
      c.error('ERR this server cannot produce an RDB snapshot yet');
      return;
    }
    this.ensureBacklog();
    const link: ReplicaLink = {
      client: c,
      state: 'send_bulk',
      listeningPort: c.replicaListeningPort,
      ackOffset: 0,
      ackTime: Date.now(),
    };
    this.replicas.set(c, link);
    c.isReplica = true;
    const rdb = this.snapshot(this.replId, this.offset);
    // A full sync restarts the stream's db context: the next write re-SELECTs.
    this.selectedDb = -1;
    c.raw(replyPrefix + '$' + rdb.length + '\r\n' + rdb.toString('latin1'));
    link.state = 'online';
    this.host.log.notice(`Synchronization with replica ${c.addr} succeeded`);
    this.host.scheduleWrite(c);
  }

  /**
   * masterTryPartialResynchronization(): continue from the backlog when the replica
   * follows our history (our id, or our previous id up to second_repl_offset) and
   * the bytes it misses are still held.
   */
  tryPartialResync(c: Client, replId: string, offset: number): boolean {
    const followsUs = replId === this.replId || (replId === this.replId2 && offset <= this.secondReplOffset);
    if (!followsUs || !this.backlog) return false;
    const missing = this.backlog.readFrom(offset, this.offset);
    if (!missing) return false;
    c.isReplica = true;
    this.replicas.set(c, {
      client: c,
      state: 'online',
      listeningPort: c.replicaListeningPort,
      ackOffset: offset - 1,
      ackTime: Date.now(),
    });
    const psync2 = c.replicaCapabilities.has('psync2');
    c.raw(psync2 ? `+CONTINUE ${this.replId}\r\n` : '+CONTINUE\r\n');
    c.raw(missing.toString('latin1'));
    this.host.log.notice(
      `Partial resynchronization request from ${c.addr} accepted. Sending ${missing.length} bytes of backlog starting from offset ${offset}.`,
    );
    this.host.scheduleWrite(c);
    return true;
  }

  /**
   * refreshGoodSlavesCount(): online replicas whose last ACK is at most
   * min-replicas-max-lag seconds old (computed when asked rather than each second).
   */
  goodReplicasCount(maxLagSeconds: number): number {
    const now = Math.floor(Date.now() / 1000);
    let good = 0;
    for (const link of this.replicas.values()) {
      if (link.state === 'online' && now - Math.floor(link.ackTime / 1000) <= maxLagSeconds) good++;
    }
    return good;
  }

  /** replicationCountAcksByOffset(): replicas that acknowledged at least `offset`. */
  countAcksByOffset(offset: number): number {
    let count = 0;
    for (const link of this.replicas.values()) if (link.state === 'online' && link.ackOffset >= offset) count++;
    return count;
  }

  /**
   * blockForReplication() + replicationRequestAckFromSlaves(): the client waits until
   * `wanted` replicas acknowledged `offset` or the deadline passes (0 = forever); the
   * replicas are asked for an ACK at once instead of at their next second.
   */
  waitForAcks(c: Client, offset: number, wanted: number, deadline: number): void {
    const waiter = { offset, wanted };
    this.waiting.set(c, waiter);
    c.block({
      keys: [],
      db: c.db,
      deadline,
      tryServe: () => false,
      onTimeout: () => {
        this.waiting.delete(c);
        c.integer(this.countAcksByOffset(offset));
      },
    });
    if (this.replicas.size > 0) this.appendToStream(encodeCommand(['REPLCONF', 'GETACK', '*']));
  }

  /** processClientsWaitingReplicas(): answer the WAITs that enough ACKs satisfy. */
  serveWaitingClients(): void {
    for (const [c, { offset, wanted }] of this.waiting) {
      if (c.closed) {
        this.waiting.delete(c);
        continue;
      }
      const acked = this.countAcksByOffset(offset);
      if (acked < wanted) continue;
      this.waiting.delete(c);
      c.integer(acked);
      c.server.blocking.unblock(c);
      c.scheduleFlush();
    }
  }

  /** Clients blocked in WAIT, with the offset and replica count they wait for. */
  private readonly waiting = new Map<Client, { offset: number; wanted: number }>();

  /** Called when a replica's connection goes away. */
  removeReplica(c: Client): void {
    if (!this.replicas.delete(c)) return;
    this.host.log.notice(`Connection with replica ${c.addr} lost.`);
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
  }

  /** When the last replica left (repl_no_slaves_since). */
  private noReplicasSince = Date.now();

  resetNoReplicasClock(): void {
    this.noReplicasSince = Date.now();
  }

  /**
   * replicationCron(): a master whose replicas have all been gone for repl-backlog-ttl
   * seconds frees its backlog and takes a new replication id, since nobody can
   * continue the old history from it any more.
   */
  expireBacklog(now: number): void {
    const ttl = this.host.config.num('repl-backlog-ttl');
    if (!this.backlog || this.replicas.size > 0 || ttl <= 0 || this.host.isReplica()) return;
    if (now - this.noReplicasSince <= ttl * 1000) return;
    this.replId = randomReplId();
    this.replId2 = '0'.repeat(40);
    this.secondReplOffset = -1;
    this.backlog = undefined;
    this.host.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
  }

  /** Pings replicas every repl-ping-replica-period seconds (replicationCron). */
  pingReplicas(): void {
    if (this.replicas.size === 0 || this.host.isReplica()) return;
    this.appendToStream(encodeCommand(['PING']));
  }
}

function randomReplId(): string {
  let s = '';
  for (let i = 0; i < 40; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
