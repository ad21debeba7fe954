/**
 * Per-connection state (Redis's `client` struct): identity, selected db, protocol
 * version, authentication, MULTI queue and WATCHed keys, subscriptions, blocking
 * state and the pending reply. A Client *is* a RespWriter: handlers reply with
 * `client.bulk(...)`, `client.error(...)` and so on.
 */
import type { Socket } from 'node:net';
import { RespWriter } from '../resp/writer.js';
import { RequestParser } from '../resp/request-parser.js';
import type { Command } from './command-table.js';
import type { Database, WatchingClient } from './keyspace/db.js';
import type { Server } from './server.js';

export interface QueuedCommand {
  cmd: Command;
  argv: string[];
}

/** How a blocked client (BLPOP, BZPOPMIN, ...) is resumed. */
export interface BlockState {
  /** Keys, in the db the client had selected when it blocked. */
  keys: string[];
  db: Database;
  /** Absolute ms time, 0 = forever. */
  deadline: number;
  timer: NodeJS.Timeout | undefined;
  /**
   * Called when one of the keys may be ready. Returns true when the client was
   * served (it replied), false to keep waiting.
   */
  tryServe(key: string): boolean;
  /** Writes the timeout reply (a null array for most commands). */
  onTimeout(): void;
}

export type ReplyMode = 'on' | 'off' | 'skip' | 'skip-next';

export class Client extends RespWriter implements WatchingClient {
  readonly id: number;
  name = '';
  db: Database;
  authenticated: boolean;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** Full name of the last command run (CLIENT LIST cmd=). */
  lastCommand = 'NULL';
  readonly parser: RequestParser;

  // Transaction state
  inMulti = false;
  multiQueue: QueuedCommand[] = [];
  /** A queued command had an error: EXEC answers EXECABORT. */
  multiError = false;
  /** A WATCHed key was modified: EXEC answers a null array. */
  dirtyCas = false;
  /**
   * WATCHed keys. `expired` records that the key was already logically expired when
   * watched: its deletion by expiry is then not a change (multi.c, watchedKey.expired).
   */
  watched: { db: Database; key: string; expired: boolean }[] = [];

  // Pub/Sub
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();

  monitor = false;
  blocked: BlockState | undefined;
  /** Stopped by CLIENT PAUSE; resumed by unpause. */
  paused = false;
  replyMode: ReplyMode = 'on';
  noEvict = false;
  /** Set when this is the connection from our master (replication link). */
  isMaster = false;
  /** Set when this connection is a replica of ours. */
  isReplica = false;
  /** The master replication offset after this client's last command (Redis's c->woff, for WAIT). */
  replicationOffsetAfterLastCommand = 0;
  /** REPLCONF listening-port / ip-address / capa, sent by a replica before PSYNC. */
  replicaListeningPort = 0;
  replicaAnnouncedIp = '';
  readonly replicaCapabilities = new Set<string>();
  closeAfterReply = false;
  closed = false;
  /** The command currently executing replied with an error (failed_calls). */
  commandFailed = false;
  /** forceCommandPropagation(): replicate this command even though it changed no key (PUBLISH). */
  forcePropagation = false;
  /** Per-command argv rewrite for propagation (SET EX -> SET PXAT, ...). */
  propagateArgv: string[][] | undefined;

  constructor(
    readonly server: Server,
    readonly socket: Socket | undefined,
  ) {
    super(2);
    this.id = server.nextClientId++;
    this.db = server.dbs[0]!;
    this.authenticated = !server.authRequiredByDefault();
    this.parser = new RequestParser({
      maxBulkLen: () => server.config.num('proto-max-bulk-len'),
      authRequired: () => !this.authenticated,
      isMaster: () => this.isMaster,
    });
  }

  get resp(): 2 | 3 {
    return this.protocol;
  }

  /** Error replies are counted (INFO errorstats, failed_calls) as Redis counts them. */
  override error(text: string): void {
    super.error(text);
    this.commandFailed = true;
    this.server.stats.recordError(text);
    if (this.isReplica || this.isMaster) this.server.replication.errorOnReplicationLink(this, text);
  }

  /**
   * Writes a push (a Pub/Sub confirmation or message) that must reach the client even
   * under CLIENT REPLY OFF/SKIP, as Redis's CLIENT_PUSHING flag ensures.
   */
  writePush(write: () => void): void {
    const start = this.out.length;
    write();
    if (this.replyMode !== 'on') this.keptPushes += this.out.slice(start);
  }

  takeKeptPushes(): string {
    const kept = this.keptPushes;
    this.keptPushes = '';
    return kept;
  }

  private keptPushes = '';

  markDirtyCas(): void {
    this.dirtyCas = true;
  }

  watchedKeyTouched(db: Database, key: string): void {
    const entry = this.watched.find((w) => w.db === db && w.key === key);
    if (entry?.expired) {
      // Deleting an already-expired key is logically no change.
      if (!db.dict.has(key)) entry.expired = false;
      return;
    }
    this.dirtyCas = true;
  }

  /** In RESP2, a client with subscriptions may only run (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET. */
  get inPubSubContext(): boolean {
    return this.channels.size + this.patterns.size + this.shardChannels.size > 0;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size;
  }

  /** host:port of the peer, as CLIENT LIST's addr shows it. */
  get addr(): string {
    if (!this.socket) return '';
    return formatAddr(this.socket.remoteAddress, this.socket.remotePort);
  }

  get laddr(): string {
    if (!this.socket) return '';
    return formatAddr(this.socket.localAddress, this.socket.localPort);
  }

  selectDb(index: number): void {
    this.db = this.server.dbs[index]!;
  }

  /** Blocks the client until a key is ready, the timeout fires, or it is unblocked. */
  block(state: Omit<BlockState, 'timer'>): void {
    this.server.blocking.block(this, { ...state, timer: undefined });
  }

  /** Queues pending output for the next flush (once per event-loop turn). */
  scheduleFlush(): void {
    this.server.scheduleWrite(this);
  }

  /** Closes the connection after any pending reply is written. */
  closeAfterFlush(): void {
    this.closeAfterReply = true;
    this.scheduleFlush();
  }
}

function formatAddr(address: string | undefined, port: number | undefined): string {
  if (!address) return '';
  const host = address.startsWith('::ffff:') ? address.slice(7) : address;
  return `${host}:${port ?? 0}`;
}
