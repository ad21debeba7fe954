/**
 * The connection from our master once synchronised (replicationCreateMasterClient):
 * a Client flagged isMaster whose commands run through the server's normal path.
 * Each command applied outside MULTI advances reploff (commandProcessed()); the
 * exact bytes applied go on to our backlog and our own replicas
 * (replicationFeedStreamFromMasterStream); replies never go back to the master,
 * except REPLCONF ACK, written directly (CLIENT_MASTER_FORCE_REPLY).
 */
import type { Socket } from 'node:net';
import { Client } from '../client.js';
import type { Server } from '../server.js';
import { ProtocolError } from '../../resp/request-parser.js';
import { encodeCommand } from './master.js';

export class MasterLink {
  readonly client: Client;
  /** Offset of the last byte applied (client->reploff). */
  reploff: number;
  /** Offset of the last byte read from the socket (client->read_reploff). */
  readReploff: number;
  /** A protocol error: the master is not cached, a full resync follows. */
  protocolError = false;
  /** Received bytes not yet forwarded; `rawBase` is the parser position of the first one. */
  private rawChunks: Buffer[] = [];
  private rawBase = 0;
  /** Parser position after the last command applied. */
  private appliedConsumed = 0;

  constructor(
    private readonly server: Server,
    socket: Socket,
    /** The master's replication id (client->replid). */
    public replId: string,
    reploff: number,
    dbId: number,
  ) {
    this.reploff = reploff;
    this.readReploff = reploff;
    const c = new Client(server, socket);
    c.isMaster = true;
    c.authenticated = true;
    if (dbId >= 0 && dbId < server.dbs.length) c.selectDb(dbId);
    this.client = c;
    server.clients.set(c.id, c);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => server.freeClient(c));
    socket.on('close', () => server.freeClient(c));
  }

  onData(chunk: Buffer): void {
    const c = this.client;
    if (c.closed) return;
    this.server.stats.netInputBytes += chunk.length;
    this.server.stats.netReplInputBytes += chunk.length;
    c.lastInteraction = Date.now();
    this.readReploff += chunk.length;
    this.rawChunks.push(chunk);
    c.parser.feed(chunk);
    this.processInput();
  }

  /** processInputBuffer() for the master client. */
  processInput(): void {
    const c = this.client;
    // Not while a script is busy: our master's writes wait for its end, as in Redis.
    while (!c.closed && !c.blocked && !c.paused && this.server.busyScript === undefined) {
      let argv: string[] | null;
      try {
        argv = c.parser.next();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.server.log.warning(`Protocol error (${err.reason}) from client: ${this.server.clientInfoLine(c)}`);
        this.protocolError = true;
        this.forwardApplied();
        this.server.freeClient(c);
        return;
      }
      if (argv === null) break;
      if (argv.length > 0) this.server.processCommand(c, argv);
      // A paused command was pushed back: it counts once it has run.
      if (c.paused || c.closed) break;
      // A transaction counts when its EXEC has run.
      if (!c.inMulti) {
        const consumed = c.parser.consumedBytes();
        this.reploff += consumed - this.appliedConsumed;
        this.appliedConsumed = consumed;
      }
    }
    c.out = '';
    this.forwardApplied();
  }

  /** What was applied, byte for byte, to our backlog and replicas: once per read, as Redis does. */
  private forwardApplied(): void {
    let remaining = this.appliedConsumed - this.rawBase;
    if (remaining <= 0) return;
    this.rawBase = this.appliedConsumed;
    const parts: Buffer[] = [];
    while (remaining > 0) {
      const chunk = this.rawChunks[0]!;
      if (chunk.length <= remaining) {
        parts.push(chunk);
        this.rawChunks.shift();
        remaining -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, remaining));
        this.rawChunks[0] = chunk.subarray(remaining);
        remaining = 0;
      }
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.server.replication.appendToStream(bytes.toString('latin1'));
  }

  /** replicationSendAck(). */
  sendAck(): void {
    const socket = this.client.socket;
    if (this.client.closed || !socket) return;
    const ack = encodeCommand(['REPLCONF', 'ACK', String(this.reploff)]);
    // A reply to the master like any other for INFO's counters (not replication traffic).
    this.server.stats.netOutputBytes += ack.length;
    socket.write(ack, 'latin1');
  }
}
