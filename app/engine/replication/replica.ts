/**
 * The replica side of replication (replication.c): REPLICAOF's state changes
 * (replicationSetMaster / replicationUnsetMaster), the non-blocking handshake with
 * the master (syncWithMaster), the RDB transfer (readSyncBulkPayload), the link
 * to the master as a client (replicationCreateMasterClient), the cached master
 * that makes PSYNC possible after a disconnection or a master switch, and the
 * once-a-second replicationCron.
 *
 * The stream received from the master runs through the server's normal command
 * path; the bytes of every command applied advance our replication offset and are
 * appended, exactly as received, to our backlog and to our own replicas (PSYNC2
 * chained replication: a sub-replica sees its master's master's stream).
 */
import { createConnection, type Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Client } from '../client.js';
import type { Database } from '../keyspace/db.js';
import type { Server } from '../server.js';
import { ReplicationBacklog } from './backlog.js';
import { encodeCommand } from './master.js';
import { loadEmptyRdb } from './empty-rdb.js';
import { MasterLink } from './master-link.js';
import { SyncPayloadReader } from './sync-payload.js';
import { WritableReplicaExpires } from './replica-expire.js';
import {
  SyncFileError,
  emptyData,
  installRdbFile,
  restoreDataAside,
  setDataAside,
  touchWatchersOfSwappedData,
  writeTempFile,
} from './sync-load.js';

/** server.repl_state; the SEND_* states of Redis are passed through synchronously. */
export type ReplState =
  | 'none'
  | 'connect'
  | 'connecting'
  | 'receive_ping_reply'
  | 'receive_auth_reply'
  | 'receive_port_reply'
  | 'receive_ip_reply'
  | 'receive_capa_reply'
  | 'receive_psync_reply'
  | 'transfer'
  | 'connected';

const HANDSHAKE_STATES: ReadonlySet<ReplState> = new Set([
  'receive_ping_reply',
  'receive_auth_reply',
  'receive_port_reply',
  'receive_ip_reply',
  'receive_capa_reply',
  'receive_psync_reply',
]);

/** What the RDB loader reports back: the db the master's stream continues in (repl-stream-db). */
export interface RdbLoadResult {
  replStreamDb?: number;
}

/** Loads an RDB payload into the server's databases; throws when the payload is invalid. */
export type RdbLoader = (server: Server, payload: Buffer) => RdbLoadResult | void;

/** server.cached_master: what a PSYNC needs to continue where a link stopped. */
interface CachedMaster {
  replId: string;
  reploff: number;
  /** The db the stream had selected, -1 when unknown (the master starts with SELECT). */
  dbId: number;
}

const RUN_ID_SIZE = 40;
const EMPTY = Buffer.alloc(0);

export class ReplicationReplica {
  masterPort = 0;
  state: ReplState = 'none';
  private link: MasterLink | undefined;
  private cached: CachedMaster | undefined;
  /** Keys with a TTL written by our own clients while replica-read-only is off. */
  readonly ownExpires = new WritableReplicaExpires();
  /** Set by the RDB module: loads a full-resync payload (until then, only empty data sets). */
  loadRdb: RdbLoader | undefined;

  // The connection while connecting, in the handshake and during the transfer.
  private transferSocket: Socket | undefined;
  private transferInput: Buffer = EMPTY;
  /** Seconds (unixtime) of the last I/O on the transfer socket (repl_transfer_lastio). */
  private transferLastIo = 0;
  private payload: SyncPayloadReader | undefined;
  private disklessLoad = false;
  private tempFile: string | undefined;
  /** The id and offset announced by +FULLRESYNC (master_replid, master_initial_offset). */
  private masterReplId = '';
  private masterInitialOffset = -1;
  /** unixtime the link went down (repl_down_since), 0 when never or up. */
  downSince = 0;
  private stopped = false;

  constructor(private readonly server: Server) {
    const configured = server.config.str('replicaof');
    server.config.provide('replicaof', () =>
      server.masterHost === undefined ? '' : `${server.masterHost} ${this.masterPort}`,
    );
    if (configured !== '') {
      // The replicaof directive: the first replicationCron tick connects.
      const space = configured.lastIndexOf(' ');
      server.masterHost = configured.slice(0, space);
      this.masterPort = Number(configured.slice(space + 1));
      this.state = 'connect';
    }
  }

  get masterClient(): Client | undefined {
    return this.link?.client;
  }

  /** ROLE's and INFO's view of the handshake. */
  inHandshake(): boolean {
    return HANDSHAKE_STATES.has(this.state);
  }

  /** slave_repl_offset / slave_read_repl_offset: the master's, the cached master's, or 1. */
  appliedOffset(): number {
    return this.link?.reploff ?? this.cached?.reploff ?? 1;
  }

  readOffset(): number {
    return this.link?.readReploff ?? this.cached?.reploff ?? 1;
  }

  /**
   * rdbPopulateSaveInfo()'s repl-stream-db for a snapshot: on a replica, the db
   * our master's stream is in (the stream we proxy carries no SELECT for it);
   * on a master, the db our stream last selected.
   */
  streamDb(): number {
    if (this.link) return this.link.client.db.id;
    if (this.server.masterHost !== undefined && this.cached && this.cached.dbId >= 0) return this.cached.dbId;
    return Math.max(0, this.server.replication.selectedDb);
  }

  transferProgress(): { size: number; read: number; lastIo: number } {
    const size = this.payload?.size ?? 0;
    return { size: Math.max(0, size), read: this.payload?.read ?? 0, lastIo: this.transferLastIo };
  }

  // ------------------------------------------------------------ REPLICAOF

  /** replicationSetMaster(). */
  setMaster(host: string, port: number): void {
    const server = this.server;
    const wasMaster = server.masterHost === undefined;
    // The log's role mark follows masterhost, which is unset while the old master goes.
    server.masterHost = undefined;
    server.log.role = 'M';
    if (this.link) server.freeClient(this.link.client);
    this.disconnectAllBlockedClients();
    // Set only after freeing the master: its disconnection would reconnect at once.
    server.masterHost = host;
    this.masterPort = port;
    server.log.role = 'S';
    // Our replicas stay: they may partially resync once we follow the new master.
    this.cancelHandshake(false);
    if (wasMaster) {
      this.discardCachedMaster();
      this.cacheMasterUsingMyself();
    }
    this.state = 'connect';
    server.log.notice(`Connecting to MASTER ${host}:${port}`);
    this.connectWithMaster();
  }

  /** replicationUnsetMaster(): become a master, keeping the data and the history. */
  unsetMaster(): void {
    const server = this.server;
    if (server.masterHost === undefined) return;
    server.masterHost = undefined;
    server.log.role = 'M';
    if (this.link) server.freeClient(this.link.client);
    this.discardCachedMaster();
    this.cancelHandshake(false);
    // Our history so far stays valid under replid2: replicas partially resync to us.
    this.shiftReplicationId();
    this.disconnectSlaves();
    this.state = 'none';
    // The new stream must start with a SELECT whatever the old one had selected.
    server.replication.selectedDb = -1;
    // repl-backlog-ttl counts from the promotion, not from when we last had replicas.
    server.replication.resetNoReplicasClock();
    this.downSince = 0;
  }

  private disconnectAllBlockedClients(): void {
    for (const c of this.server.clients.values()) {
      if (!c.blocked) continue;
      this.server.blocking.unblock(c);
      c.error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
      this.server.scheduleWrite(c);
    }
  }

  /** disconnectSlaves(): they must learn of a replication id change (they will PSYNC back). */
  private disconnectSlaves(): void {
    for (const c of [...this.server.replication.replicas.keys()]) this.server.freeClient(c);
  }

  private shiftReplicationId(): void {
    const repl = this.server.replication;
    repl.replId2 = repl.replId;
    // A replica asks for the first byte it lacks: the old history is valid up to offset+1.
    repl.secondReplOffset = repl.offset + 1;
    repl.replId = randomReplId();
    this.server.log.warning(
      `Setting secondary replication ID to ${repl.replId2}, valid up to offset: ${repl.secondReplOffset}. ` +
        `New replication ID is ${repl.replId}`,
    );
  }

  /** replicationCacheMasterUsingMyself(); `dbId` is the stream's db when known (an RDB's repl-stream-db). */
  cacheMasterUsingMyself(dbId = -1): void {
    this.server.log.notice(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: ' +
        'I may be able to synchronize with the new master with just a partial transfer.',
    );
    const repl = this.server.replication;
    this.cached = { replId: repl.replId, reploff: repl.offset, dbId };
  }

  private discardCachedMaster(): void {
    if (!this.cached) return;
    this.server.log.notice('Discarding previously cached master state.');
    this.cached = undefined;
  }

  // ------------------------------------------------------------ connecting

  /** connectWithMaster(): starts a non-blocking connect; syncWithMaster() continues. */
  private connectWithMaster(): void {
    const host = this.server.masterHost;
    if (host === undefined || this.stopped) return;
    const socket = createConnection({ host, port: this.masterPort });
    socket.setNoDelay(true);
    this.transferSocket = socket;
    this.transferInput = EMPTY;
    this.transferLastIo = unixtime();
    this.state = 'connecting';
    this.server.log.notice('MASTER <-> REPLICA sync started');
    socket.once('connect', () => this.onConnected(socket));
    socket.on('data', (chunk: Buffer) => this.onTransferData(socket, chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => this.onTransferError(socket, err));
    socket.on('close', () => this.onTransferError(socket, undefined));
  }

  private onConnected(socket: Socket): void {
    if (socket !== this.transferSocket || this.state !== 'connecting') return;
    this.server.log.notice('Non blocking connect for SYNC fired the event.');
    this.state = 'receive_ping_reply';
    // The reply is checked against repl-timeout by the cron.
    this.send(['PING']);
  }

  private send(argv: readonly string[]): void {
    this.transferSocket?.write(encodeCommand(argv), 'latin1');
  }

  private onTransferError(socket: Socket, err: NodeJS.ErrnoException | undefined): void {
    if (socket !== this.transferSocket) return;
    const log = this.server.log;
    if (this.state === 'connecting') {
      log.warning(`Error condition on socket for SYNC: ${socketErrorText(err)}`);
      this.abortHandshake();
    } else if (this.state === 'transfer') {
      log.warning(`I/O error trying to sync with MASTER: ${err ? socketErrorText(err) : 'connection lost'}`);
      this.cancelHandshake(true);
    } else if (this.inHandshake()) {
      log.warning('Master did not respond to command during SYNC handshake');
      this.abortHandshake();
    }
  }

  /** syncWithMaster()'s error path: close, and let the cron reconnect. */
  private abortHandshake(): void {
    this.undoConnect();
    this.state = 'connect';
  }

  private undoConnect(): void {
    const socket = this.transferSocket;
    this.transferSocket = undefined;
    this.transferInput = EMPTY;
    socket?.destroy();
  }

  /**
   * cancelReplicationHandshake(): abort a connect, handshake or transfer in
   * progress; with `reconnect`, try again at once. True when one was in progress.
   */
  private cancelHandshake(reconnect: boolean): boolean {
    if (this.state === 'transfer') {
      this.abortTransfer();
      this.state = 'connect';
    } else if (this.state === 'connecting' || this.inHandshake()) {
      this.undoConnect();
      this.state = 'connect';
    } else {
      return false;
    }
    if (!reconnect) return true;
    this.server.log.notice(`Reconnecting to MASTER ${this.server.masterHost}:${this.masterPort} after failure`);
    this.connectWithMaster();
    return true;
  }

  private abortTransfer(): void {
    this.undoConnect();
    this.payload = undefined;
    if (this.tempFile) {
      try {
        unlinkSync(this.tempFile);
      } catch {
        // Nothing was written yet.
      }
      this.tempFile = undefined;
    }
  }

  // ------------------------------------------------------------ handshake

  private onTransferData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.transferSocket) return;
    this.transferLastIo = unixtime();
    if (this.state === 'transfer') {
      // Redis counts the payload as replication traffic, and the handshake's replies not at all.
      this.server.stats.netInputBytes += chunk.length;
      this.server.stats.netReplInputBytes += chunk.length;
      this.payload!.push(chunk);
      this.readSyncBulkPayload();
      return;
    }
    this.transferInput = this.transferInput.length === 0 ? chunk : Buffer.concat([this.transferInput, chunk]);
    while (this.transferSocket === socket && this.inHandshake()) {
      const line = this.readLine();
      if (line === undefined) return;
      // The reply to PSYNC may move us on to the transfer.
      if (this.syncWithMaster(line) === 'transfer') {
        // What followed the PSYNC reply is the beginning of the payload.
        this.server.stats.netInputBytes += this.transferInput.length;
        this.server.stats.netReplInputBytes += this.transferInput.length;
        this.payload!.push(this.transferInput);
        this.transferInput = EMPTY;
        this.readSyncBulkPayload();
        return;
      }
    }
  }

  /** One reply line (connSyncReadLine), without its CRLF; undefined until complete. */
  private readLine(): string | undefined {
    const input = this.transferInput;
    const nl = input.indexOf(10);
    if (nl === -1) return undefined;
    const end = nl > 0 && input[nl - 1] === 13 ? nl - 1 : nl;
    const line = input.toString('latin1', 0, end);
    this.transferInput = input.subarray(nl + 1);
    return line;
  }

  /** syncWithMaster(): one reply of the handshake, in its state. */
  private syncWithMaster(reply: string): ReplState {
    this.handleHandshakeReply(reply);
    return this.state;
  }

  private handleHandshakeReply(reply: string): void {
    const server = this.server;
    const log = server.log;
    switch (this.state) {
      case 'receive_ping_reply':
        // Only +PONG or an authentication error (AUTH follows) is acceptable.
        if (
          reply[0] !== '+' &&
          !reply.startsWith('-NOAUTH') &&
          !reply.startsWith('-NOPERM') &&
          !reply.startsWith('-ERR operation not permitted')
        ) {
          log.warning(`Error reply to PING from master: '${reply}'`);
          this.abortHandshake();
          return;
        }
        log.notice('Master replied to PING, replication can continue...');
        this.sendHandshake();
        return;
      case 'receive_auth_reply':
        if (reply[0] === '-') {
          log.warning(`Unable to AUTH to MASTER: ${reply}`);
          this.abortHandshake();
          return;
        }
        this.state = 'receive_port_reply';
        return;
      case 'receive_port_reply':
        if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${reply}`);
        this.state = server.config.str('replica-announce-ip') !== '' ? 'receive_ip_reply' : 'receive_capa_reply';
        return;
      case 'receive_ip_reply':
        if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF ip-address: ${reply}`);
        this.state = 'receive_capa_reply';
        return;
      case 'receive_capa_reply':
        if (reply[0] === '-') log.notice(`(Non critical) Master does not understand REPLCONF capa: ${reply}`);
        this.sendPsync();
        return;
      case 'receive_psync_reply':
        // An empty line is the master keeping the link alive while it prepares.
        if (reply.length === 0) return;
        this.receivePsyncReply(reply);
        return;
      default:
        log.warning(`syncWithMaster(): state machine error, state should be RECEIVE_PSYNC but is ${this.state}`);
        this.abortHandshake();
    }
  }

  /** AUTH, REPLCONF listening-port / ip-address / capa, pipelined as Redis sends them. */
  private sendHandshake(): void {
    const config = this.server.config;
    const auth = config.str('masterauth');
    if (auth !== '') {
      const user = config.str('masteruser');
      this.send(user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]);
    }
    const announcedPort = config.num('replica-announce-port');
    const port = announcedPort !== 0 ? announcedPort : this.server.boundPort();
    this.send(['REPLCONF', 'listening-port', String(port)]);
    const announcedIp = config.str('replica-announce-ip');
    if (announcedIp !== '') this.send(['REPLCONF', 'ip-address', announcedIp]);
    // eof: we can parse a diskless payload; psync2: we understand +CONTINUE <id>.
    this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    this.state = auth !== '' ? 'receive_auth_reply' : 'receive_port_reply';
  }

  /** slaveTryPartialResynchronization(), the request half. */
  private sendPsync(): void {
    this.masterInitialOffset = -1;
    let replId = '?';
    let offset = '-1';
    if (this.cached) {
      replId = this.cached.replId;
      offset = String(this.cached.reploff + 1);
      this.server.log.notice(`Trying a partial resynchronization (request ${replId}:${offset}).`);
    } else {
      this.server.log.notice('Partial resynchronization not possible (no cached master)');
    }
    // A master handing its role over asks the target to become the master (FAILOVER).
    const failingOver = this.server.replication.failover.state === 'failover-in-progress';
    this.send(failingOver ? ['PSYNC', replId, offset, 'FAILOVER'] : ['PSYNC', replId, offset]);
    this.state = 'receive_psync_reply';
  }

  /** slaveTryPartialResynchronization(), the reply half, and what syncWithMaster() does with it. */
  private receivePsyncReply(reply: string): void {
    const log = this.server.log;
    if (reply.startsWith('+FULLRESYNC')) {
      const parts = reply.split(' ');
      if (parts.length < 3 || parts[1]!.length !== RUN_ID_SIZE) {
        log.warning('Master replied with wrong +FULLRESYNC syntax.');
        this.masterReplId = '';
      } else {
        this.masterReplId = parts[1]!;
        this.masterInitialOffset = Number.parseInt(parts[2]!, 10);
        log.notice(`Full resync from master: ${this.masterReplId}:${this.masterInitialOffset}`);
      }
      this.server.replication.failover.psyncAnswered(true);
      this.startTransfer();
      return;
    }
    // A +CONTINUE answers a PSYNC with our cached master's id; without one it is a protocol error.
    if (reply.startsWith('+CONTINUE') && this.cached) {
      log.notice('Successful partial resynchronization with master.');
      this.continueFromCachedMaster(reply.slice(10).trim());
      this.server.replication.failover.psyncAnswered(true);
      log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      return;
    }
    if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
      log.notice(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
      if (this.server.replication.failover.psyncAnswered(false)) this.abortHandshake();
      return;
    }
    if (!reply.startsWith('-ERR')) log.warning(`Unexpected reply to PSYNC from master: ${reply}`);
    else log.notice(`Master does not support PSYNC or is in error state (reply: ${reply})`);
    // A target refusing FAILOVER aborts it: we become a master again.
    if (!this.server.replication.failover.psyncAnswered(false)) return;
    // Old masters: fall back to SYNC, which always transfers everything.
    log.notice('Retrying with SYNC...');
    this.send(['SYNC']);
    this.startTransfer();
  }

  private startTransfer(): void {
    this.state = 'transfer';
    this.payload = new SyncPayloadReader();
    this.transferLastIo = unixtime();
    this.disklessLoad = this.useDisklessLoad();
    if (!this.disklessLoad) {
      this.tempFile = resolve(this.server.config.str('dir'), `temp-${unixtime()}.${process.pid}.rdb`);
    }
  }

  private useDisklessLoad(): boolean {
    const mode = this.server.config.str('repl-diskless-load');
    if (mode === 'swapdb') return true;
    if (mode === 'on-empty-db') return this.server.dbs.every((db) => db.size === 0);
    return false;
  }

  /** +CONTINUE [newid]: the stream continues from the cached master's offset. */
  private continueFromCachedMaster(newId: string): void {
    const cached = this.cached!;
    const repl = this.server.replication;
    if (newId.length === RUN_ID_SIZE && newId !== cached.replId) {
      // The master's history forked (a failover): the old id stays valid up to here.
      this.server.log.warning(`Master replication ID changed to ${newId}`);
      repl.replId2 = cached.replId;
      repl.secondReplOffset = repl.offset + 1;
      repl.replId = newId;
      cached.replId = newId;
      this.disconnectSlaves();
    }
    const socket = this.takeTransferSocket();
    this.cached = undefined;
    this.state = 'connected';
    this.downSince = 0;
    this.link = new MasterLink(this.server, socket.socket, cached.replId, cached.reploff, cached.dbId);
    // The backlog first: what follows +CONTINUE is already stream.
    this.ensureBacklog();
    if (socket.leftover.length > 0) this.link.onData(Buffer.from(socket.leftover));
  }

  // ------------------------------------------------------------ transfer

  /** readSyncBulkPayload(). */
  private readSyncBulkPayload(): void {
    const log = this.server.log;
    const target = this.disklessLoad ? 'to parser' : 'to disk';
    for (;;) {
      const step = this.payload!.next();
      switch (step.kind) {
        case 'more':
          return;
        case 'error':
          log.warning(step.message);
          this.cancelHandshake(true);
          return;
        case 'header':
          log.notice(
            step.eofMark
              ? `MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${target}`
              : `MASTER <-> REPLICA sync: receiving ${step.size} bytes from master ${target}`,
          );
          break;
        case 'done':
          this.finishTransfer(step.payload, step.leftover, step.eofMark);
          return;
      }
    }
  }

  /** The payload is complete: replace our data set with it and become connected. */
  private finishTransfer(payload: Buffer, leftover: Buffer, usedMark: boolean): void {
    const server = this.server;
    const log = server.log;
    // swapdb keeps the current data set aside until the new one has loaded.
    const swapdb = this.disklessLoad && server.config.str('repl-diskless-load') === 'swapdb';
    let aside: Database[] | undefined;
    let loaded: RdbLoadResult | void;
    try {
      if (this.tempFile) writeTempFile(this.tempFile, payload);
      if (swapdb) {
        aside = setDataAside(server);
      } else {
        this.attachToNewMaster();
        log.notice('MASTER <-> REPLICA sync: Flushing old data');
        emptyData(server);
      }
      log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
      if (this.tempFile) {
        installRdbFile(server, this.tempFile);
        this.tempFile = undefined;
      }
      loaded = (this.loadRdb ?? loadEmptyRdb)(server, payload);
    } catch (err) {
      if (err instanceof SyncFileError) {
        log.warning(err.message);
      } else {
        const source = this.disklessLoad ? 'from socket' : 'from disk';
        log.warning(`Failed trying to load the MASTER synchronization DB ${source}: ${(err as Error).message}`);
      }
      this.cancelHandshake(true);
      if (aside) {
        restoreDataAside(server, aside);
        log.notice('MASTER <-> REPLICA sync: Discarding temporary DB in background');
      } else if (!(err instanceof SyncFileError)) {
        // Remove the half-loaded data.
        emptyData(server);
      }
      return;
    }
    if (aside) {
      this.attachToNewMaster();
      log.notice('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      touchWatchersOfSwappedData(server, aside);
      log.notice('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    server.dirty++;
    this.becomeConnected(loaded?.replStreamDb ?? -1, leftover);
    log.notice('MASTER <-> REPLICA sync: Finished with success');
    // After a diskless transfer the master starts streaming on our first ACK.
    if (usedMark) this.sendAck();
  }

  /** After a full resync our history is the master's: its id, its offset, no second id. */
  private becomeConnected(replStreamDb: number, leftover: Buffer): void {
    const { socket } = this.takeTransferSocket();
    this.state = 'connected';
    this.downSince = 0;
    const repl = this.server.replication;
    repl.replId = this.masterReplId;
    repl.offset = this.masterInitialOffset;
    repl.replId2 = '0'.repeat(RUN_ID_SIZE);
    repl.secondReplOffset = -1;
    this.link = new MasterLink(this.server, socket, this.masterReplId, this.masterInitialOffset, replStreamDb);
    this.ensureBacklog();
    if (leftover.length > 0) this.link.onData(Buffer.from(leftover));
  }

  /** replicationAttachToNewMaster(): a full resync invalidates our replicas and backlog. */
  private attachToNewMaster(): void {
    this.discardCachedMaster();
    this.disconnectSlaves();
    this.server.replication.backlog = undefined;
    // The data set is replaced: none of our own keys survive (flushSlaveKeysWithExpireList).
    this.ownExpires.clear();
  }

  private ensureBacklog(): void {
    const repl = this.server.replication;
    if (!repl.backlog) repl.backlog = new ReplicationBacklog(this.server.config.num('repl-backlog-size'), repl.offset);
  }

  /** Hands the transfer socket over to the master client, with what was read beyond the payload. */
  private takeTransferSocket(): { socket: Socket; leftover: Buffer } {
    const socket = this.transferSocket!;
    const leftover = this.transferInput;
    this.transferSocket = undefined;
    this.transferInput = EMPTY;
    socket.removeAllListeners('data');
    socket.removeAllListeners('error');
    socket.removeAllListeners('close');
    return { socket, leftover };
  }

  // ------------------------------------------------------------ the master client

  /** server.processInput() for the master client (resumed after a pause or a block). */
  processMasterInput(c: Client): void {
    if (this.link?.client === c) this.link.processInput();
  }

  /** replicationSendAck(): REPLCONF GETACK, and every second. */
  sendAck(): void {
    this.link?.sendAck();
  }

  /**
   * freeClient() of the master client: cache its state for a PSYNC
   * (replicationCacheMaster), then replicationHandleMasterDisconnection().
   */
  masterClientFreed(c: Client): void {
    const link = this.link;
    if (!link || link.client !== c) return;
    this.link = undefined;
    const log = this.server.log;
    log.warning('Connection with master lost.');
    if (!link.protocolError && !c.blocked) {
      log.notice('Caching the disconnected master state.');
      this.cached = { replId: link.replId, reploff: link.reploff, dbId: c.db.id };
    }
    this.state = 'connect';
    this.downSince = unixtime();
    // Reconnect at once: waiting for the cron risks the master's backlog moving on.
    if (this.server.masterHost !== undefined) {
      log.notice(`Reconnecting to MASTER ${this.server.masterHost}:${this.masterPort}`);
      this.connectWithMaster();
    }
  }

  // ------------------------------------------------------------ cron

  /** expireSlaveKeys(): from the server cron, in place of the active expire cycle. */
  expireOwnKeys(): void {
    if (this.ownExpires.size === 0) return;
    this.ownExpires.cycle(Date.now(), (db, key) => {
      db.deleteKey(key);
      this.server.onKeyExpired(db, key);
    });
  }

  /** The replica half of replicationCron(), once a second. */
  cron(): void {
    const server = this.server;
    if (server.masterHost === undefined && this.state === 'none') return;
    const log = server.log;
    const timeout = server.config.num('repl-timeout');
    const now = unixtime();
    if (
      server.masterHost !== undefined &&
      (this.state === 'connecting' || this.inHandshake()) &&
      now - this.transferLastIo > timeout
    ) {
      log.warning('Timeout connecting to the MASTER...');
      this.cancelHandshake(true);
    }
    if (server.masterHost !== undefined && this.state === 'transfer' && now - this.transferLastIo > timeout) {
      log.warning(
        'Timeout receiving bulk data from MASTER... If the problem persists try to set the ' +
          "'repl-timeout' parameter in redis.conf to a larger value.",
      );
      this.cancelHandshake(true);
    }
    const master = this.link?.client;
    if (
      server.masterHost !== undefined &&
      this.state === 'connected' &&
      master &&
      now - Math.floor(master.lastInteraction / 1000) > timeout
    ) {
      log.warning('MASTER timeout: no data nor PING received...');
      server.freeClient(master);
    }
    if (this.state === 'connect' && server.masterHost !== undefined) {
      log.notice(`Connecting to MASTER ${server.masterHost}:${this.masterPort}`);
      this.connectWithMaster();
    }
    if (server.masterHost !== undefined && this.link && this.link.reploff !== -1) this.sendAck();
  }

  /** Server shutdown: stop the handshake and never reconnect. */
  close(): void {
    this.stopped = true;
    this.undoConnect();
  }
}

function unixtime(): number {
  return Math.floor(Date.now() / 1000);
}

function socketErrorText(err: NodeJS.ErrnoException | undefined): string {
  if (!err) return 'Connection lost';
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'ECONNRESET':
      return 'Connection reset by peer';
    case 'ETIMEDOUT':
      return 'Connection timed out';
    case 'EHOSTUNREACH':
      return 'No route to host';
    case 'ENOTFOUND':
      return 'Name or service not known';
    default:
      return err.message;
  }
}

function randomReplId(): string {
  let s = '';
  for (let i = 0; i < RUN_ID_SIZE; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
