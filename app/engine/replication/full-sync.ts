/**
 * Full synchronisation on the master (replication.c syncCommand's second half,
 * startBgsaveForReplication, replicationStartPendingFork, updateSlavesWaitingBgsave,
 * sendBulkToSlave). A replica needing everything waits for a snapshot:
 *
 * - diskless (repl-diskless-sync yes and the replica announced `capa eof`): the
 *   RDB is streamed to the sockets of every replica waiting when it starts,
 *   `$EOF:<mark>` framed (rdb-stream.ts). The start waits repl-diskless-sync-delay
 *   seconds so replicas arriving together share one snapshot, unless
 *   repl-diskless-sync-max-replicas of them are already waiting;
 * - disk: a BGSAVE writes dbfilename, then each replica receives `$<len>` and the
 *   file. A replica arriving while such a BGSAVE runs for another replica shares
 *   it, with a copy of the stream that accumulated for that replica.
 *
 * Either way the snapshot is produced across event-loop turns, as BGSAVE is.
 */
import { closeSync, createReadStream, existsSync, fstatSync, openSync, rm } from 'node:fs';
import type { Client } from '../client.js';
import type { Server } from '../server.js';
import type { ReplicaLink, ReplicationMaster } from './master.js';
import { replicaName } from './master.js';
import { RdbStreamProducer } from './rdb-stream.js';

/** Unsent bytes a replica socket may hold before the diskless producer waits for it. */
const SOCKET_HIGH_WATER = 4 << 20;

export class FullSync {
  /** RDBGeneratedByReplication: dbfilename was written only to feed replicas. */
  private rdbGeneratedByReplication = false;
  /** The diskless transfer in progress (an RDB child with socket target). */
  private producer: RdbStreamProducer | undefined;
  private socketTargets = new Set<ReplicaLink>();

  constructor(
    private readonly server: Server,
    private readonly master: ReplicationMaster,
  ) {}

  /** Wires the disk BGSAVE's completion to the replicas waiting for it (called once persistence exists). */
  private hooked = false;
  private hookPersistence(): void {
    if (this.hooked) return;
    this.hooked = true;
    this.server.persistence.onBgsaveDone = (ok) => this.diskSnapshotDone(ok);
  }

  /** syncCommand() once a full resync is decided: the replica waits for a snapshot. */
  begin(c: Client, prePsync: boolean): void {
    this.hookPersistence();
    const server = this.server;
    const log = server.log;
    server.stats.syncFull++;
    const link = this.master.addReplica(c, 'wait_bgsave_start', prePsync);
    this.master.createBacklogForFirstReplica();
    const persistence = server.persistence;
    if (persistence.bgsaveInProgress && !this.producer) {
      // CASE 1: a disk BGSAVE runs; usable if it was started for a replica, whose stream we copy.
      const sharing = [...this.master.replicas.values()].find((l) => l !== link && l.state === 'wait_bgsave_end');
      if (sharing && capabilitiesCover(c, sharing.client)) {
        link.pendingStream = sharing.pendingStream.slice();
        link.pendingBytes = sharing.pendingBytes;
        this.setupForFullResync(link, sharing.initialOffset);
        log.notice('Waiting for end of BGSAVE for SYNC');
      } else {
        log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (this.producer) {
      log.notice('Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (
      server.config.bool('repl-diskless-sync') &&
      c.replicaCapabilities.has('eof') &&
      server.config.num('repl-diskless-sync-delay') > 0
    ) {
      // replicationCron() starts it, once more replicas had the time to arrive.
      log.notice('Delay next BGSAVE for diskless SYNC');
    } else if (!persistence.bgsaveInProgress) {
      this.startBgsaveForReplication(c.replicaCapabilities.has('eof'));
    } else {
      log.notice('No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    }
  }

  /** replicationCron()'s full sync part, once a second. */
  cron(): void {
    this.hookPersistence();
    // Replicas waiting for a snapshot get a newline now and then, so they do not time out.
    for (const link of this.master.replicas.values()) {
      const presync =
        link.state === 'wait_bgsave_start' || (link.state === 'wait_bgsave_end' && !this.socketTargets.has(link));
      if (presync) link.client.socket?.write('\n');
    }
    this.disconnectStuckSocketTargets();
    this.startPendingSnapshot();
    this.removeRdbUsedToSyncReplicas();
  }

  /** removeRDBUsedToSyncReplicas(): with rdb-del-sync-files, no persistence and nobody syncing, the file goes. */
  private removeRdbUsedToSyncReplicas(): void {
    const server = this.server;
    if (!server.config.bool('rdb-del-sync-files')) {
      this.rdbGeneratedByReplication = false;
      return;
    }
    const persistenceOff = server.persistence.saveRules().length === 0 && !server.config.bool('appendonly');
    if (!persistenceOff || !this.rdbGeneratedByReplication) return;
    for (const link of this.master.replicas.values()) if (link.state !== 'online') return;
    const path = server.persistence.rdbPath();
    if (!existsSync(path)) return;
    this.rdbGeneratedByReplication = false;
    server.log.notice('Removing the RDB file used to feed replicas in a persistence-less instance');
    rm(path, { force: true }, () => {});
  }

  /**
   * replicationStartPendingFork() / shouldStartChildReplication(): start a snapshot
   * for the replicas in wait_bgsave_start once no other snapshot runs and, for a
   * diskless one, the delay passed or enough replicas are waiting.
   */
  startPendingSnapshot(): void {
    if (this.server.persistence.bgsaveInProgress || this.producer) return;
    const now = Math.floor(Date.now() / 1000);
    let waiting = 0;
    let maxIdle = 0;
    let allEof = true;
    for (const link of this.master.replicas.values()) {
      if (link.state !== 'wait_bgsave_start') continue;
      waiting++;
      maxIdle = Math.max(maxIdle, now - Math.floor(link.client.lastInteraction / 1000));
      if (!link.client.replicaCapabilities.has('eof')) allEof = false;
    }
    if (waiting === 0) return;
    const config = this.server.config;
    const maxReplicas = config.num('repl-diskless-sync-max-replicas');
    if (
      !config.bool('repl-diskless-sync') ||
      (maxReplicas > 0 && waiting >= maxReplicas) ||
      maxIdle >= config.num('repl-diskless-sync-delay')
    ) {
      this.startBgsaveForReplication(allEof);
    }
  }

  /** startBgsaveForReplication(): `allEof` is whether every waiting replica takes an EOF-marked payload. */
  private startBgsaveForReplication(allEof: boolean): void {
    const server = this.server;
    const socketTarget = server.config.bool('repl-diskless-sync') && allEof;
    server.log.notice(`Starting BGSAVE for SYNC with target: ${socketTarget ? 'replicas sockets' : 'disk'}`);
    const started = socketTarget ? this.startSocketTransfer() : server.persistence.startBgsave();
    if (!started) {
      server.log.warning('BGSAVE for replication failed');
      for (const link of [...this.master.replicas.values()]) {
        if (link.state !== 'wait_bgsave_start') continue;
        this.master.replicas.delete(link.client);
        link.client.isReplica = false;
        link.client.error("ERR BGSAVE failed, replication can't continue");
        link.client.closeAfterFlush();
      }
      return;
    }
    if (socketTarget) return;
    // Remembered so the file can go once served, in an instance otherwise without persistence.
    if (server.config.bool('rdb-del-sync-files')) this.rdbGeneratedByReplication = true;
    for (const link of this.master.replicas.values()) {
      if (link.state === 'wait_bgsave_start') this.setupForFullResync(link, this.master.offset);
    }
  }

  /**
   * replicationSetupSlaveForFullResync(): the replica's snapshot is the data set at
   * `offset`; from now on the stream accumulates for it, starting with a SELECT.
   */
  private setupForFullResync(link: ReplicaLink, offset: number): void {
    link.initialOffset = offset;
    link.state = 'wait_bgsave_end';
    this.master.selectedDb = -1;
    // SYNC (old replicas, redis-cli --replica) gets no +FULLRESYNC line.
    if (!link.prePsync) link.client.socket?.write(`+FULLRESYNC ${this.master.replId} ${offset}\r\n`, 'latin1');
  }

  // ------------------------------------------------------------ diskless

  /** rdbSaveToSlavesSockets(). */
  private startSocketTransfer(): boolean {
    const server = this.server;
    const master = this.master;
    const repl = {
      replId: master.replId,
      replOffset: master.offset,
      // On a replica, the db its master's stream is in: the stream we proxy carries no SELECT for it.
      streamDb: server.replica.streamDb(),
    };
    for (const link of master.replicas.values()) {
      if (link.state !== 'wait_bgsave_start') continue;
      this.setupForFullResync(link, master.offset);
      this.socketTargets.add(link);
    }
    const producer = new RdbStreamProducer(server, repl, {
      write: (chunk) => this.writeToTargets(chunk),
      end: (error) => this.socketTransferDone(error),
    });
    this.producer = producer;
    server.persistence.socketChild = { kill: () => this.killSocketTransfer() };
    this.transferStart = Date.now();
    server.log.notice(`Background RDB transfer started by pid ${process.pid}`);
    producer.start();
    return true;
  }

  private transferStart = 0;
  private readonly lastPartialWrite = new Map<ReplicaLink, number>();

  /**
   * replicationCron(): a diskless replica that has not read what we wrote for
   * repl-timeout seconds holds the transfer up for everybody: it goes.
   */
  private disconnectStuckSocketTargets(): void {
    const timeoutMs = this.server.config.num('repl-timeout') * 1000;
    const now = Date.now();
    for (const [link, since] of [...this.lastPartialWrite]) {
      if ((link.client.socket?.writableLength ?? 0) === 0) {
        this.lastPartialWrite.delete(link);
        continue;
      }
      if (now - since <= timeoutMs || link.client.closed) continue;
      this.server.log.warning(`Disconnecting timedout replica (full sync): ${replicaName(link.client)}`);
      this.server.freeClient(link.client);
    }
  }

  /** rdbPipeReadHandler(): the same bytes to every replica still there; false to wait for slow sockets. */
  private writeToTargets(chunk: Buffer): boolean {
    const stats = this.server.stats;
    let mustWait = false;
    for (const link of this.socketTargets) {
      const socket = link.client.socket;
      if (!socket || link.client.closed) continue;
      socket.write(chunk);
      stats.netOutputBytes += chunk.length;
      stats.netReplOutputBytes += chunk.length;
      // repl_last_partial_write: since when this replica has not taken everything written to it.
      if (socket.writableLength === 0) this.lastPartialWrite.delete(link);
      else if (!this.lastPartialWrite.has(link)) this.lastPartialWrite.set(link, Date.now());
      if (socket.writableLength > SOCKET_HIGH_WATER) {
        mustWait = true;
        socket.once('drain', () => {
          this.lastPartialWrite.delete(link);
          this.resumeWhenDrained();
        });
      }
    }
    return !mustWait;
  }

  private resumeWhenDrained(): void {
    for (const link of this.socketTargets) {
      const socket = link.client.socket;
      if (socket && !link.client.closed && socket.writableLength > SOCKET_HIGH_WATER) return;
    }
    this.producer?.resume();
  }

  /** The RDB child with socket target exited: backgroundSaveDoneHandlerSocket() + updateSlavesWaitingBgsave(). */
  private socketTransferDone(error: Error | undefined): void {
    const server = this.server;
    const log = server.log;
    const targets = [...this.socketTargets];
    this.clearSocketTransfer();
    if (error) {
      log.warning('Background transfer error');
    } else {
      log.warning(`Diskless rdb transfer, done reading from pipe, ${targets.length} replicas still up.`);
      log.notice('Background RDB transfer terminated with success');
    }
    server.persistence.lastBgsaveTimeSec = Math.round((Date.now() - this.transferStart) / 1000);
    for (const link of targets) {
      if (link.state !== 'wait_bgsave_end' || link.client.closed) continue;
      if (error) {
        log.warning('SYNC failed. BGSAVE child returned an error');
        server.freeClient(link.client);
        continue;
      }
      log.notice(
        `Streamed RDB transfer with replica ${replicaName(link.client)} succeeded (socket). ` +
          'Waiting for REPLCONF ACK from slave to enable streaming',
      );
      if (!this.master.putOnline(link)) {
        this.closeWhenSent(link.client);
        continue;
      }
      link.startStreamOnAck = true;
    }
    this.startPendingSnapshot();
  }

  private clearSocketTransfer(): void {
    this.producer = undefined;
    this.socketTargets = new Set();
    this.lastPartialWrite.clear();
    this.server.persistence.socketChild = undefined;
  }

  /** killRDBChild() of a diskless transfer: the replicas it was for must sync again. */
  private killSocketTransfer(): void {
    const producer = this.producer;
    if (!producer) return;
    producer.stop();
    const targets = [...this.socketTargets];
    this.clearSocketTransfer();
    this.server.log.warning('Background transfer terminated by signal 10');
    for (const link of targets) {
      if (link.client.closed) continue;
      this.server.log.warning('SYNC failed. BGSAVE child returned an error');
      this.server.freeClient(link.client);
    }
  }

  /** A replica went away; a snapshot with nobody left to receive it stops. */
  replicaGone(link: ReplicaLink): void {
    this.lastPartialWrite.delete(link);
    if (link.state === 'wait_bgsave_end' && !this.socketTargets.has(link)) {
      this.diskSnapshotUnwanted();
      return;
    }
    if (!this.socketTargets.delete(link) || this.socketTargets.size > 0 || !this.producer) return;
    this.server.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
    const producer = this.producer;
    this.clearSocketTransfer();
    producer.stop();
    this.server.log.warning('Background transfer terminated by signal 10');
  }

  // ------------------------------------------------------------ disk

  /**
   * freeClient(): a disk BGSAVE that only replicas were waiting for stops when the
   * last of them goes, unless save rules make the file worth having anyway.
   */
  private diskSnapshotUnwanted(): void {
    const persistence = this.server.persistence;
    if (this.producer || !persistence.bgsaveInProgress || persistence.saveRules().length > 0) return;
    for (const other of this.master.replicas.values()) if (other.state === 'wait_bgsave_end') return;
    persistence.killBgsave();
  }

  /** updateSlavesWaitingBgsave() after a disk BGSAVE: send the file to every replica that waited for it. */
  private diskSnapshotDone(ok: boolean): void {
    const server = this.server;
    for (const link of [...this.master.replicas.values()]) {
      if (link.state !== 'wait_bgsave_end') continue;
      if (!ok) {
        server.log.warning('SYNC failed. BGSAVE child returned an error');
        server.freeClient(link.client);
        continue;
      }
      this.sendBulk(link);
    }
    // Others may be waiting for the next snapshot.
    setImmediate(() => this.startPendingSnapshot());
  }

  /** sendBulkToSlave(): `$<len>\r\n` and the file, then the replica is online and its stream flows. */
  private sendBulk(link: ReplicaLink): void {
    const server = this.server;
    const c = link.client;
    const socket = c.socket;
    if (!socket) return;
    let fd: number;
    let size: number;
    try {
      fd = openSync(server.persistence.rdbPath(), 'r');
      size = fstatSync(fd).size;
    } catch (err) {
      server.freeClient(c);
      server.log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(err as Error).message}`);
      return;
    }
    link.state = 'send_bulk';
    const preamble = `$${size}\r\n`;
    socket.write(preamble, 'latin1');
    this.countOutput(preamble.length);
    if (size === 0) {
      closeSync(fd);
      this.bulkSent(link);
      return;
    }
    // The fd stays the file we announced, even if a later BGSAVE replaces dbfilename.
    const file = createReadStream('', { fd, autoClose: true, highWaterMark: 1 << 16 });
    let sent = 0;
    file.on('data', (chunk) => {
      if (c.closed) {
        file.destroy();
        return;
      }
      const bytes = chunk as Buffer;
      sent += bytes.length;
      this.countOutput(bytes.length);
      if (!socket.write(bytes)) {
        file.pause();
        socket.once('drain', () => file.resume());
      }
    });
    file.on('error', (err) => {
      server.log.warning(`Read error sending DB to replica: ${err.message}`);
      server.freeClient(c);
    });
    file.on('end', () => {
      if (c.closed) return;
      if (sent !== size) {
        server.log.warning('Read error sending DB to replica: premature EOF');
        server.freeClient(c);
        return;
      }
      this.bulkSent(link);
    });
    c.socket?.once('close', () => file.destroy());
  }

  private bulkSent(link: ReplicaLink): void {
    if (link.client.closed) return;
    if (!this.master.putOnline(link)) {
      this.closeWhenSent(link.client);
      return;
    }
    this.master.startCommandStream(link);
  }

  /** freeClientAsync() once what was written has gone out. */
  private closeWhenSent(c: Client): void {
    const socket = c.socket;
    if (!socket) return;
    socket.end(() => this.server.freeClient(c));
  }

  private countOutput(n: number): void {
    this.server.stats.netOutputBytes += n;
    this.server.stats.netReplOutputBytes += n;
  }
}

/** A replica may share another's snapshot when it has at least that replica's capabilities. */
function capabilitiesCover(c: Client, other: Client): boolean {
  for (const capa of other.replicaCapabilities) if (!c.replicaCapabilities.has(capa)) return false;
  return true;
}
