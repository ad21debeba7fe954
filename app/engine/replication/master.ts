/**
 * The master side of replication (replication.c): the replication ID and offset,
 * the backlog, the replicas attached to us, and replicationFeedSlaves(), which turns
 * every propagated write into the replication stream.
 *
 * A replica's link goes through Redis's states: wait_bgsave_start (a full sync was
 * asked for, no snapshot serves it yet), wait_bgsave_end (a snapshot for it is being
 * produced: the stream from the snapshot's offset accumulates for it), send_bulk (a
 * disk snapshot is being sent) and online. full-sync.ts produces the snapshots;
 * failover.ts coordinates FAILOVER.
 */
import type { Client } from '../client.js';
import type { Server } from '../server.js';
import { parseMemory } from '../server.js';
import { ReplicationBacklog } from './backlog.js';
import { Failover } from './failover.js';
import { FullSync } from './full-sync.js';

export type ReplicaState = 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk' | 'online';

/** replstateToString(): what INFO replication shows for a link's state. */
export function replicaStateName(state: ReplicaState): string {
  return state === 'wait_bgsave_start' || state === 'wait_bgsave_end' ? 'wait_bgsave' : state;
}

export interface ReplicaLink {
  client: Client;
  state: ReplicaState;
  /** REPLCONF listening-port (0 until announced). */
  listeningPort: number;
  /** Last offset acknowledged with REPLCONF ACK (repl_ack_off). */
  ackOffset: number;
  /** When the last ACK arrived, in ms (repl_ack_time). */
  ackTime: number;
  /** The offset the replica's snapshot corresponds to (psync_initial_offset). */
  initialOffset: number;
  /** An old-style SYNC (CLIENT_PRE_PSYNC): no +FULLRESYNC line, no ACKs expected. */
  prePsync: boolean;
  /** After a diskless transfer the stream starts on the replica's first ACK (repl_start_cmd_stream_on_ack). */
  startStreamOnAck: boolean;
  /** The stream since the snapshot's offset, held back until the replica can take it (its output buffer). */
  pendingStream: string[];
  pendingBytes: number;
  /** When pendingBytes first went over the soft limit (0 when under it). */
  softLimitSince: number;
}

/** What the master needs from the server hosting it. */
export type MasterHost = Server;

/** Encodes one command as a RESP multibulk byte string. */
export function encodeCommand(argv: readonly string[]): string {
  let s = '*' + argv.length + '\r\n';
  for (const a of argv) s += '$' + a.length + '\r\n' + a + '\r\n';
  return s;
}

/** replicationGetSlaveName(): ip:listening-port as Redis names a replica in its log. */
export function replicaName(c: Client): string {
  const addr = c.addr;
  const ip = c.replicaAnnouncedIp || addr.slice(0, addr.lastIndexOf(':'));
  if (!ip) return `client id #${c.id}`;
  if (c.replicaListeningPort === 0) return `${ip}:<unknown-replica-port>`;
  return ip.includes(':') ? `[${ip}]:${c.replicaListeningPort}` : `${ip}:${c.replicaListeningPort}`;
}

/** Clients that sent REPLCONF rdb-only 1 (CLIENT_REPL_RDBONLY): the snapshot, then goodbye. */
export const rdbOnlyClients = new WeakSet<Client>();

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
  readonly fullSync: FullSync;
  readonly failover: Failover;
  /** When replicationCron last ran (it runs once a second, ten times during a FAILOVER). */
  private lastCron = 0;

  constructor(private readonly host: MasterHost) {
    this.fullSync = new FullSync(host, this);
    this.failover = new Failover(host, this);
  }

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
    const overLimit: ReplicaLink[] = [];
    this.offset += bytes.length;
    this.backlog?.append(Buffer.from(bytes, 'latin1'));
    for (const link of this.replicas.values()) {
      // A replica waiting for a snapshot to start gets the stream from that snapshot's offset.
      if (link.state === 'wait_bgsave_start') continue;
      if (link.state === 'online' && !link.startStreamOnAck) {
        link.client.raw(bytes);
        this.host.scheduleWrite(link.client);
      } else {
        link.pendingStream.push(bytes);
        link.pendingBytes += bytes.length;
        if (this.overOutputLimit(link)) overLimit.push(link);
      }
    }
    for (const link of overLimit) {
      this.host.log.warning(
        `Client ${this.host.clientInfoLine(link.client)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
      );
      this.host.freeClient(link.client);
    }
  }

  /**
   * checkClientOutputBufferLimits() for the stream held back while a replica syncs:
   * in Redis it sits in the replica's output buffer and counts against
   * client-output-buffer-limit replica (hard limit at least repl-backlog-size).
   */
  private overOutputLimit(link: ReplicaLink): boolean {
    const limit = this.replicaOutputLimit();
    if (limit.hard > 0 && link.pendingBytes >= Math.max(limit.hard, this.host.config.num('repl-backlog-size'))) {
      return true;
    }
    if (limit.soft <= 0 || link.pendingBytes < limit.soft) {
      link.softLimitSince = 0;
      return false;
    }
    const now = Date.now();
    if (link.softLimitSince === 0) link.softLimitSince = now;
    return now - link.softLimitSince > limit.softSeconds * 1000;
  }

  private replicaOutputLimit(): { hard: number; soft: number; softSeconds: number } {
    const text = this.host.config.str('client-output-buffer-limit');
    if (text !== this.outputLimitText) {
      this.outputLimitText = text;
      const parts = text.split(/\s+/);
      const at = Math.max(parts.indexOf('replica'), parts.indexOf('slave'));
      this.outputLimit =
        at >= 0
          ? { hard: parseMemory(parts[at + 1]!), soft: parseMemory(parts[at + 2]!), softSeconds: Number(parts[at + 3]) }
          : { hard: 0, soft: 0, softSeconds: 0 };
    }
    return this.outputLimit;
  }

  private outputLimitText = '';
  private outputLimit = { hard: 0, soft: 0, softSeconds: 0 };

  /** Adds a replica link (the client becomes CLIENT_SLAVE). */
  addReplica(c: Client, state: ReplicaState, prePsync: boolean): ReplicaLink {
    const link: ReplicaLink = {
      client: c,
      state,
      listeningPort: c.replicaListeningPort,
      ackOffset: 0,
      ackTime: Date.now(),
      initialOffset: -1,
      prePsync,
      startStreamOnAck: false,
      pendingStream: [],
      pendingBytes: 0,
      softLimitSince: 0,
    };
    c.isReplica = true;
    this.replicas.set(c, link);
    return link;
  }

  /**
   * createReplicationBacklog() for the first replica: a backlog created from
   * scratch starts a new history (new id, no id2), since nobody can continue
   * an old one from it.
   */
  /** CONFIG SET repl-backlog-size: resizeReplicationBacklog(), keeping the history that still fits. */
  resizeBacklog(): void {
    this.backlog?.resize(this.host.config.num('repl-backlog-size'), this.offset);
  }

  createBacklogForFirstReplica(): void {
    if (this.replicas.size !== 1 || this.backlog) return;
    this.replId = randomReplId();
    this.replId2 = '0'.repeat(40);
    this.secondReplOffset = -1;
    this.backlog = new ReplicationBacklog(this.host.config.num('repl-backlog-size'), this.offset);
    this.host.log.notice(
      `Replication backlog created, my new replication IDs are '${this.replId}' and '${this.replId2}'`,
    );
  }

  /** replicaPutOnline(): the snapshot is in; false for an rdb-only replica, which must go. */
  putOnline(link: ReplicaLink): boolean {
    if (rdbOnlyClients.has(link.client)) {
      this.host.log.notice(
        `RDB transfer completed, rdb only replica (${replicaName(link.client)}) should be disconnected asap`,
      );
      return false;
    }
    link.state = 'online';
    link.ackTime = Date.now();
    this.host.log.notice(`Synchronization with replica ${replicaName(link.client)} succeeded`);
    return true;
  }

  /** replicaStartCommandStream(): what accumulated since the snapshot goes out, then the live stream. */
  startCommandStream(link: ReplicaLink): void {
    link.startStreamOnAck = false;
    if (link.pendingBytes > 0) link.client.raw(link.pendingStream.join(''));
    link.pendingStream = [];
    link.pendingBytes = 0;
    this.host.scheduleWrite(link.client);
  }

  /**
   * masterTryPartialResynchronization(): continue from the backlog when the replica
   * follows our history (our id, or our previous id up to second_repl_offset) and
   * the bytes it misses are still held.
   */
  tryPartialResync(c: Client, replId: string, offset: number): boolean {
    const log = this.host.log;
    const sameId = replId.toLowerCase() === this.replId;
    const previousId = replId.toLowerCase() === this.replId2;
    if (!sameId && (!previousId || offset > this.secondReplOffset)) {
      if (replId[0] === '?') {
        log.notice(`Full resync requested by replica ${replicaName(c)}`);
      } else if (!previousId) {
        log.notice(
          `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replId}', ` +
            `my replication IDs are '${this.replId}' and '${this.replId2}')`,
        );
      } else {
        log.notice(
          `Partial resynchronization not accepted: Requested offset for second ID was ${offset}, ` +
            `but I can reply up to ${this.secondReplOffset}`,
        );
      }
      return false;
    }
    const missing = this.backlog?.readFrom(offset, this.offset);
    if (!missing) {
      log.notice(
        `Unable to partial resync with replica ${replicaName(c)} for lack of backlog (Replica request was: ${offset}).`,
      );
      if (offset > this.offset) {
        log.warning(
          `Warning: replica ${replicaName(c)} tried to PSYNC with an offset that is greater than the master replication offset.`,
        );
      }
      return false;
    }
    const link = this.addReplica(c, 'online', false);
    link.ackOffset = offset - 1;
    const psync2 = c.replicaCapabilities.has('psync2');
    c.raw(psync2 ? `+CONTINUE ${this.replId}\r\n` : '+CONTINUE\r\n');
    c.raw(missing.toString('latin1'));
    log.notice(
      `Partial resynchronization request from ${replicaName(c)} accepted. Sending ${missing.length} bytes of backlog starting from offset ${offset}.`,
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

  /** REPLCONF ACK <offset> from a replica. */
  acknowledged(c: Client, offset: number | null): void {
    const link = this.replicas.get(c);
    if (!link) return;
    if (offset !== null && offset > link.ackOffset) link.ackOffset = offset;
    link.ackTime = Date.now();
    if (link.startStreamOnAck && link.state === 'online') {
      // After the REPLCONF ACK returns: the stream written inside it would pass for a reply
      // to it, and a replica whose command got a reply is disconnected.
      queueMicrotask(() => {
        if (link.startStreamOnAck && this.replicas.get(c) === link) this.startCommandStream(link);
      });
    }
    this.serveWaitingClients();
    // Not from inside the command: a failover turns us into a replica, which frees clients.
    if (this.failover.state === 'waiting-for-sync') setImmediate(() => this.failover.update());
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
    const link = this.replicas.get(c);
    if (!link) return;
    this.replicas.delete(c);
    this.fullSync.replicaGone(link);
    this.host.log.warning(`Connection with replica ${replicaName(c)} lost.`);
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
  }

  /** When the last replica left (repl_no_slaves_since). */
  private noReplicasSince = Date.now();

  resetNoReplicasClock(): void {
    this.noReplicasSince = Date.now();
  }

  /** From serverCron, every tick: the master half of replicationCron() at its own period. */
  cron(now: number): void {
    this.expireBacklog(now);
    const period = this.failover.state === 'no-failover' ? 1000 : 100;
    if (now - this.lastCron < period) return;
    this.lastCron = now;
    this.failover.update();
    this.fullSync.cron();
    this.disconnectTimedOutReplicas();
  }

  /** replicationCron(): an online replica that stopped acknowledging for repl-timeout seconds is dropped. */
  private disconnectTimedOutReplicas(): void {
    const timeoutMs = this.host.config.num('repl-timeout') * 1000;
    const now = Math.floor(Date.now() / 1000);
    for (const link of [...this.replicas.values()]) {
      if (link.state !== 'online' || link.prePsync) continue;
      if (now - Math.floor(link.ackTime / 1000) > timeoutMs / 1000) {
        this.host.log.warning(`Disconnecting timedout replica (streaming sync): ${replicaName(link.client)}`);
        this.host.freeClient(link.client);
      }
    }
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

  /**
   * server.repl_buffer_mem: Redis keeps one buffer shared by the backlog and the
   * replicas' output, so it holds the larger of the backlog's history and what a
   * replica still has to receive.
   */
  replicationBufferMemory(): number {
    let largest = this.backlog?.histlen ?? 0;
    for (const link of this.replicas.values()) {
      const unsent = link.pendingBytes + link.client.out.length + (link.client.socket?.writableLength ?? 0);
      largest = Math.max(largest, unsent);
    }
    return largest;
  }

  /** mem_replication_backlog: the shared buffer up to repl-backlog-size. */
  backlogMemory(): number {
    return Math.min(this.replicationBufferMemory(), this.backlog?.size ?? 0);
  }

  /**
   * _addReplyToBufferOrList() on a replica client: a replication link carries the
   * stream only, so a replica whose command produced a reply is disconnected.
   */
  replicaGeneratedReply(c: Client, argv: readonly string[], outBefore: number): void {
    c.out = c.out.slice(0, outBefore);
    const name = this.host.commands.lookup(argv)?.fullName ?? '<unknown>';
    this.host.log.warning(
      `Replica generated a reply to command '${name}', disconnecting it: ${this.host.clientInfoLine(c)}`,
    );
    this.host.freeClient(c);
  }

  /** afterErrorReply(): an error on a replication link, either way, is logged and counted. */
  errorOnReplicationLink(c: Client, text: string): void {
    const [from, to] = c.isMaster ? ['replica', 'master'] : ['master', 'replica'];
    // Redis logs the message as its callers write it: mostly without the default ERR code.
    const message = text.startsWith('ERR ') ? text.slice(4) : text;
    const shown = message.length > 4096 ? message.slice(0, 4096) : message;
    const command = c.lastCommand === 'NULL' ? '<unknown>' : c.lastCommand;
    this.host.log.warning(
      `== CRITICAL == This ${from} is sending an error to its ${to}: '${shown}' after processing the command '${command}'`,
    );
    this.host.stats.unexpectedErrorReplies++;
  }

  /**
   * loadDataFromDisk(): an RDB with replication info (repl-id, repl-offset,
   * repl-stream-db) continues that history after a restart. A replica takes it as
   * its own and caches a master from it, to PSYNC; a master keeps it as its
   * secondary id, so its former replicas partially resync.
   */
  restoreFromRdb(saved: { replId?: string; replOffset?: number; replStreamDb?: number }): void {
    const { replId, replOffset, replStreamDb } = saved;
    const valid = replId !== undefined && replOffset !== undefined && replOffset !== -1;
    if (!valid || replStreamDb === undefined || replStreamDb === -1) {
      // Without a history to continue, the DELs fed while loading serve nobody.
      if (!this.host.isReplica()) this.backlog = undefined;
      return;
    }
    if (this.host.isReplica()) {
      this.replId = replId;
      this.offset = replOffset;
      this.host.replica.cacheMasterUsingMyself(replStreamDb);
      return;
    }
    this.replId2 = replId;
    this.secondReplOffset = replOffset + 1;
    // The DELs of keys expired while loading come after the file's offset.
    this.offset += replOffset;
    if (this.backlog) this.backlog.firstByteOffset = this.offset - this.backlog.histlen + 1;
    else this.backlog = new ReplicationBacklog(this.host.config.num('repl-backlog-size'), this.offset);
    this.noReplicasSince = Date.now();
  }

  /** rdbLoad() with RDBFLAGS_FEED_REPL: a master starting up replicates each key it drops as expired. */
  expiredWhileLoading(dbId: number, key: string): void {
    if (this.host.isReplica()) return;
    this.backlog ??= new ReplicationBacklog(this.host.config.num('repl-backlog-size'), this.offset);
    this.feed(dbId, [this.host.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  }

  /** Pings replicas every repl-ping-replica-period seconds (replicationCron). */
  pingReplicas(): void {
    if (this.replicas.size === 0 || this.host.isReplica()) return;
    // A FAILOVER with a deadline pauses the stream so the target can catch up with it exactly.
    if (this.failover.hasDeadline() && this.host.pauseType !== 'none') return;
    this.appendToStream(encodeCommand(['PING']));
  }
}

function randomReplId(): string {
  let s = '';
  for (let i = 0; i < 40; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
