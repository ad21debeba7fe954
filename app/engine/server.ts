/**
 * The built-in engine's server: one event loop, like Redis. Connections feed the
 * request parser; complete commands go through processCommand() (the checks, in
 * Redis's order) and call() (execution, statistics, propagation); replies are
 * flushed once per event-loop turn. serverCron() runs `hz` times a second.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { chmodSync, unlinkSync, writeFileSync } from 'node:fs';
import { BlockingRegistry } from './blocking.js';
import { Client } from './client.js';
import { Command, CommandTable } from './command-table.js';
import { ALL_COMMAND_MODULES } from './commands/index.js';
import type { ServerConfig } from './config/index.js';
import { applyCommandRenames } from './config/renames.js';
import { Database, type KeyspaceHost } from './keyspace/db.js';
import { Logger, type LogLevel } from './log.js';
import { PubSub } from './pubsub.js';
import { ServerStats } from './stats.js';
import { ProtocolError } from '../resp/request-parser.js';
import { quoteRepr } from '../resp/repr.js';
import { activeExpireCycle } from './keyspace/expire.js';
import { CommandError } from './commands/args.js';
import { clientInfoString } from './commands/client.js';
import { recordCommandLatency } from './latency.js';
import { usedMemory } from './info.js';
import { ReplicationMaster } from './replication/master.js';
import { ReplicationReplica } from './replication/replica.js';
import { performEvictions } from './keyspace/evict.js';
import { Persistence } from './rdb/persistence.js';
import { BUSY_EVAL, BUSY_FUNCTION, scriptingOf } from './scripting/scripting.js';

export const REDIS_VERSION = '7.0.15';

/** Why clients are paused (pause_purpose): CLIENT PAUSE, or a coordinated FAILOVER. */
export type PausePurpose = 'client-command' | 'failover';

/** Keyspace notification classes (notify-keyspace-events), as in notify.c. */
export type NotifyClass = 'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 't' | 'm' | 'd';

interface OutputLimit {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** Thrown by SHUTDOWN (and fatal paths) to stop the process with an exit code. */
export class ServerExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export class Server implements KeyspaceHost {
  readonly log = new Logger();
  readonly stats = new ServerStats();
  readonly dbs: Database[];
  readonly clients = new Map<number, Client>();
  readonly commands: CommandTable;
  readonly pubsub = new PubSub();
  readonly blocking: BlockingRegistry;
  readonly monitors = new Set<Client>();
  readonly replication: ReplicationMaster = new ReplicationMaster(this);
  /** The replica side: REPLICAOF, the link to our master. */
  readonly replica: ReplicationReplica;
  /** RDB persistence: SAVE/BGSAVE, save rules, loading (rdb/persistence.ts). */
  readonly persistence: Persistence;
  private lastReplicaPing = Date.now();
  readonly startTime = Date.now();
  /** Random 40-hex run id, as INFO server's run_id. */
  readonly runId = randomHex(40);
  nextClientId = 1;
  /** Changes since the last save (rdb_changes_since_last_save, save rules). */
  dirty = 0;
  /** The client whose command is executing, when there is one. */
  currentClient: Client | undefined;
  /** Set while a replica applies its master's stream (expiry visibility). */
  masterHost: string | undefined;
  /** Slow log entries, newest first (SLOWLOG GET). */
  readonly slowlog: SlowlogEntry[] = [];
  slowlogNextId = 0;
  /** The effective pause (CLIENT PAUSE, FAILOVER): 'all' | 'write', until pauseEnd (ms). */
  pauseType: 'none' | 'all' | 'write' = 'none';
  pauseEnd = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  /** client_pause_per_purpose: each purpose pauses and unpauses on its own. */
  private readonly pausesByPurpose = new Map<PausePurpose, { type: 'all' | 'write'; end: number }>();
  /** DEBUG SET-ACTIVE-EXPIRE. */
  activeExpireEnabled = true;
  /** Output buffer limits per class, from client-output-buffer-limit. */
  private outputLimits = new Map<string, OutputLimit>();
  private readonly softLimitSince = new Map<Client, number>();
  private notifyFlags = new Set<string>();
  private readonly listeners: NetServer[] = [];
  /** The `unixsocket` listener; its clients are local, so protected mode lets them in. */
  private unixListener: NetServer | undefined;
  private readonly pendingWrite = new Set<Client>();
  private flushScheduled = false;
  /** While a script runs, the keyspace's clock stays at its start (scriptTimeSnapshot). */
  scriptTime: number | undefined;
  /** A script running past busy-reply-threshold, suspended between event-loop turns. */
  busyScript: 'eval' | 'function' | undefined;
  /** Nesting of call() (EXEC calls its queued commands); propagation waits for depth 0. */
  private callDepth = 0;
  private pendingPropagation: { dbId: number; argv: string[] }[] = [];
  private cronTimer: NodeJS.Timeout | undefined;
  private cronLoops = 0;
  private shuttingDown = false;
  /** Called when the server must stop (SHUTDOWN); the entry point exits the process. */
  onExit: (code: number) => void = (code) => process.exit(code);

  constructor(readonly config: ServerConfig) {
    this.dbs = [];
    const databases = config.num('databases');
    for (let i = 0; i < databases; i++) this.dbs.push(new Database(i, this));
    this.replica = new ReplicationReplica(this);
    this.persistence = new Persistence(this);
    this.commands = new CommandTable(ALL_COMMAND_MODULES);
    applyCommandRenames(this.commands, config.renamedCommands);
    this.blocking = new BlockingRegistry((c) => this.resumeAfterBlock(c));
    this.applyLoggingConfig();
    config.onChange('loglevel', () => this.applyLoggingConfig());
    config.onChange('logfile', () => this.applyLoggingConfig());
    this.applyOutputLimits();
    config.onChange('client-output-buffer-limit', () => this.applyOutputLimits());
    this.applyNotifyFlags();
    config.onChange('notify-keyspace-events', () => this.applyNotifyFlags());
    // Lowering maxmemory evicts at once, as CONFIG SET maxmemory does in Redis.
    config.onChange('maxmemory', () => performEvictions(this, usedMemory()));
    config.onChange('repl-backlog-size', () => this.replication.resizeBacklog());
    config.onChange('hz', () => {
      if (!this.cronTimer) return;
      clearInterval(this.cronTimer);
      this.startCron();
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Binds every configured address; throws with Redis's message when one fails. */
  async listen(): Promise<void> {
    const port = this.config.num('port');
    const binds = this.config
      .str('bind')
      .split(/\s+/)
      .filter((b) => b !== '');
    for (const rawAddr of binds) {
      // A leading '-' marks an optional address: failing to bind it is not fatal.
      const optional = rawAddr.startsWith('-');
      const addr = optional ? rawAddr.slice(1) : rawAddr;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      try {
        const listener = await this.bindOne(host, port);
        this.listeners.push(listener);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (optional && (e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT')) continue;
        const reason = e.code === 'EADDRINUSE' ? 'bind: Address already in use' : `bind: ${e.message}`;
        this.log.warning(`Warning: Could not create server TCP listening socket ${addr}:${port}: ${reason}`);
        this.log.warning(`Failed listening on port ${port} (TCP), aborting.`);
        await this.closeListeners();
        throw new ServerExit(1);
      }
    }
    const unixPath = this.config.str('unixsocket');
    if (unixPath !== '') await this.listenUnix(unixPath);
  }

  /** Like Redis, replaces a stale socket file and applies `unixsocketperm`. */
  private async listenUnix(path: string): Promise<void> {
    try {
      unlinkSync(path);
    } catch {
      // No stale socket file.
    }
    try {
      this.unixListener = await new Promise<NetServer>((resolve, reject) => {
        const listener = createServer((socket) => this.accept(socket, true));
        listener.once('error', reject);
        listener.listen({ path, backlog: this.config.num('tcp-backlog') }, () => {
          listener.off('error', reject);
          resolve(listener);
        });
      });
      const perm = this.config.num('unixsocketperm');
      if (perm !== 0) chmodSync(path, perm);
    } catch (err) {
      this.log.warning(`Failed opening Unix socket: ${(err as Error).message}`);
      await this.closeListeners();
      throw new ServerExit(1);
    }
  }

  /**
   * CONFIG SET port/bind: listen on the configured addresses again. As
   * changeListenPort() does, a port change binds the new sockets before closing
   * the old ones, which stay on failure; a bind change (changeBindAddr) must
   * release the addresses first. Rejects when a required address cannot be bound.
   */
  async relisten(portOnly: boolean): Promise<void> {
    const previous = this.listeners.splice(0);
    // close() releases the listening socket at once; its callback would wait for every client.
    if (!portOnly) for (const listener of previous) listener.close();
    const port = this.config.num('port');
    for (const rawAddr of this.config
      .str('bind')
      .split(/\s+/)
      .filter((b) => b !== '')) {
      const optional = rawAddr.startsWith('-');
      const addr = optional ? rawAddr.slice(1) : rawAddr;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      try {
        this.listeners.push(await this.bindOne(host, port));
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (optional && (e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT')) continue;
        this.log.warning(`Warning: Could not create server TCP listening socket ${addr}:${port}: bind: ${e.message}`);
        for (const listener of this.listeners.splice(0)) listener.close();
        if (portOnly) this.listeners.push(...previous);
        throw err;
      }
    }
    if (portOnly) for (const listener of previous) listener.close();
  }

  private bindOne(host: string, port: number): Promise<NetServer> {
    return new Promise((resolve, reject) => {
      const listener = createServer({ noDelay: true }, (socket) => this.accept(socket));
      listener.once('error', reject);
      // Like Redis (IPV6_V6ONLY), an IPv6 socket does not also claim the IPv4 port.
      const ipv6Only = host.includes(':');
      listener.listen({ host, port, backlog: this.config.num('tcp-backlog'), exclusive: true, ipv6Only }, () => {
        listener.off('error', reject);
        resolve(listener);
      });
    });
  }

  /** The port actually bound (useful with port 0 in tests). */
  boundPort(): number {
    const addr = this.listeners[0]?.address();
    return typeof addr === 'object' && addr ? addr.port : this.config.num('port');
  }

  startCron(): void {
    const hz = Math.min(500, Math.max(1, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  writePidFile(): void {
    const pidfile = this.config.str('pidfile');
    if (!pidfile) return;
    try {
      writeFileSync(pidfile, `${process.pid}\n`);
    } catch {
      // Redis logs nothing and goes on when the pid file cannot be written.
    }
  }

  removePidFile(): void {
    const pidfile = this.config.str('pidfile');
    if (!pidfile) return;
    try {
      unlinkSync(pidfile);
    } catch {
      // Already gone.
    }
  }

  async closeListeners(): Promise<void> {
    const all = this.unixListener ? [...this.listeners, this.unixListener] : this.listeners;
    await Promise.all(all.map((l) => new Promise<void>((r) => l.close(() => r()))));
    this.listeners.length = 0;
    this.unixListener = undefined;
  }

  /** Stops everything: listeners, clients, cron. Used by SHUTDOWN and tests. */
  async close(): Promise<void> {
    if (this.cronTimer) clearInterval(this.cronTimer);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.replica.close();
    for (const c of this.clients.values()) this.freeClient(c);
    await this.closeListeners();
  }

  /**
   * SHUTDOWN: flush what is pending, remove the pid file, log as Redis does and
   * ask the host to exit. Returns false when the final save failed (not shut down).
   */
  shutdown(options: { save?: boolean; nosave?: boolean; force?: boolean } = {}): boolean {
    if (this.shuttingDown) return true;
    this.log.warning('User requested shutdown...');
    // prepareForShutdown(): the final RDB save; a failed save cancels the shutdown.
    if (!this.persistence.beforeShutdown(options)) return false;
    this.shuttingDown = true;
    this.removePidFile();
    this.log.warning('Redis is now ready to exit, bye bye...');
    void this.close().then(() => this.onExit(0));
    return true;
  }

  // ---------------------------------------------------------------- connections

  private accept(socket: Socket, local = false): void {
    const maxClients = this.config.num('maxclients');
    if (this.clients.size >= maxClients) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (!local && this.deniedByProtectedMode(socket)) {
      this.stats.rejectedConnections++;
      socket.end(`-${PROTECTED_MODE_ERROR}\r\n`);
      return;
    }
    const c = new Client(this, socket);
    this.clients.set(c.id, c);
    this.stats.totalConnections++;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.stats.netInputBytes += chunk.length;
      c.lastInteraction = Date.now();
      // A client about to be closed runs nothing more: do not keep what it sends.
      if (c.closeAfterReply || c.closed) return;
      c.parser.feed(chunk);
      if (!c.isMaster && c.parser.bufferedBytes() > this.config.num('client-query-buffer-limit')) {
        this.log.warning(
          `Closing client that reached max query buffer length: ${this.clientInfoLine(c)} ` +
            `(qbuf initial bytes: ${quoteRepr(c.parser.pendingPreview(64))})`,
        );
        this.freeClient(c);
        return;
      }
      this.processInput(c);
    });
    socket.on('error', () => this.freeClient(c));
    socket.on('close', () => this.freeClient(c));
  }

  /** Protected mode (Redis 7.0): with no password, only loopback may connect, whatever `bind` says. */
  private deniedByProtectedMode(socket: Socket): boolean {
    if (!this.config.bool('protected-mode')) return false;
    if (this.config.str('requirepass') !== '') return false;
    const addr = socket.remoteAddress ?? '';
    return !(addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.'));
  }

  authRequiredByDefault(): boolean {
    return this.config.str('requirepass') !== '';
  }

  /** freeClient(): forget every trace of a connection. */
  freeClient(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    if (c.blocked) this.blocking.unblock(c);
    this.unwatchAll(c);
    this.pubsub.removeClient(c);
    this.monitors.delete(c);
    this.replication.removeReplica(c);
    if (c.isMaster) this.replica.masterClientFreed(c);
    this.pendingWrite.delete(c);
    this.softLimitSince.delete(c);
    this.clients.delete(c.id);
    c.socket?.destroy();
  }

  /** Reads and runs every complete command in the client's query buffer. */
  processInput(c: Client): void {
    // The master's stream is applied with offset accounting and no replies.
    if (c.isMaster) {
      this.replica.processMasterInput(c);
      return;
    }
    while (!c.closed && !c.blocked && !c.paused && !c.closeAfterReply) {
      let argv: string[] | null;
      try {
        argv = c.parser.next();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        if (!err.silent) c.error('ERR ' + err.message);
        const level = c.isMaster ? 'warning' : 'verbose';
        this.log.log(level, `Protocol error (${err.reason}) from client: ${this.clientInfoLine(c)}`);
        c.closeAfterFlush();
        return;
      }
      if (argv === null) break;
      if (argv.length === 0) continue;
      if (!c.isReplica) {
        this.processCommand(c, argv);
        continue;
      }
      // Nothing may be replied on a replication link: a replica that caused a reply goes.
      const outBefore = c.out.length;
      this.processCommand(c, argv);
      if (c.out.length > outBefore) this.replication.replicaGeneratedReply(c, argv, outBefore);
    }
    if (c.out.length > 0) this.scheduleWrite(c);
  }

  private resumeAfterBlock(c: Client): void {
    // The client may have pipelined more commands while blocked.
    setImmediate(() => {
      if (!c.closed && !c.blocked) this.processInput(c);
    });
  }

  // ---------------------------------------------------------------- commands

  /** processCommand(): the checks of server.c, in Redis's order, then call() or queue. */
  processCommand(c: Client, argv: string[]): void {
    const name = argv[0]!;
    const lowered = name.toLowerCase();
    if (lowered === 'host:' || lowered === 'post') {
      this.log.warning(
        'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. ' +
          'This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis ' +
          'instance. Connection aborted.',
      );
      this.freeClient(c);
      return;
    }
    const cmd = this.commands.lookup(argv);
    if (!cmd) {
      this.rejectCommand(c, undefined, this.unknownCommandError(argv));
      return;
    }
    if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      this.rejectCommand(c, cmd, `ERR wrong number of arguments for '${cmd.fullName}' command`);
      return;
    }
    if (cmd.has('protected') && cmd.name === 'debug' && !this.allowProtected('enable-debug-command', c)) {
      this.rejectCommand(
        c,
        cmd,
        'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it ' +
          'from a local connection, otherwise you need to set this option in the configuration file, and then ' +
          'restart the server.',
      );
      return;
    }
    // EVAL/FCALL of a script that declares flags take the script's (evalGetCommandFlags).
    const scriptFlags = SCRIPT_RUNNERS.has(cmd.name) ? scriptingOf(this).commandFlags(cmd, argv) : undefined;
    const isWrite =
      scriptFlags?.write ?? (cmd.isWrite || (cmd.name === 'exec' && c.multiQueue.some((q) => q.cmd.isWrite)));
    const mayReplicate =
      isWrite ||
      (scriptFlags?.mayReplicate ?? cmd.has('may_replicate')) ||
      (cmd.name === 'exec' && c.multiQueue.some((q) => q.cmd.has('may_replicate')));
    if (!c.authenticated && !cmd.has('no_auth')) {
      this.rejectCommand(c, cmd, 'NOAUTH Authentication required.');
      return;
    }
    if (c.inMulti && cmd.has('no_multi')) {
      this.rejectCommand(c, cmd, 'ERR Command not allowed inside a transaction');
      return;
    }
    // EXEC may grow memory when a queued command may (is_denyoom_command).
    const denyoom =
      scriptFlags?.denyoom ?? (cmd.name === 'exec' ? c.multiQueue.some((q) => q.cmd.has('denyoom')) : undefined);
    if (this.outOfMemoryFor(c, cmd, denyoom)) {
      this.rejectCommand(c, cmd, "OOM command not allowed when used memory > 'maxmemory'.");
      return;
    }
    // writeCommandsDeniedByDiskError(): PING too, so Sentinel sees a master that cannot persist as down.
    if ((isWrite || cmd.name === 'ping') && !c.isMaster && this.writesDeniedByDiskError()) {
      this.rejectCommand(c, cmd, MISCONF_BGSAVE);
      return;
    }
    if (isWrite && !this.enoughGoodReplicas()) {
      this.rejectCommand(c, cmd, 'NOREPLICAS Not enough good replicas to write.');
      return;
    }
    if (this.masterHost !== undefined && this.config.bool('replica-read-only') && !c.isMaster && isWrite) {
      this.rejectCommand(c, cmd, "READONLY You can't write against a read only replica.");
      return;
    }
    if (c.resp === 2 && c.inPubSubContext && !PUBSUB_ALLOWED.has(cmd.name)) {
      this.rejectCommand(
        c,
        cmd,
        `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    if (
      this.masterHost !== undefined &&
      this.replica.state !== 'connected' &&
      !this.config.bool('replica-serve-stale-data') &&
      (!(scriptFlags?.stale ?? cmd.has('stale')) ||
        (cmd.name === 'exec' && c.multiQueue.some((q) => !q.cmd.has('stale'))))
    ) {
      this.rejectCommand(c, cmd, "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
      return;
    }
    // A script past busy-reply-threshold gives the event loop turns: only allow_busy commands run meanwhile.
    if (this.busyScript !== undefined && !cmd.has('allow_busy')) {
      this.rejectCommand(c, cmd, this.busyScript === 'eval' ? BUSY_EVAL : BUSY_FUNCTION);
      return;
    }
    if (c.isReplica && (mayReplicate || cmd.has('readonly'))) {
      this.rejectCommand(c, cmd, "ERR Replica can't interact with the keyspace");
      return;
    }
    if (!c.isReplica && this.isPausedFor(mayReplicate)) {
      // Postpone: the client stops reading until CLIENT UNPAUSE or the pause ends.
      c.paused = true;
      c.parser.unshift(argv);
      return;
    }
    if (c.inMulti && !MULTI_IMMEDIATE.has(cmd.name)) {
      c.multiQueue.push({ cmd, argv });
      c.simple('QUEUED');
      return;
    }
    this.call(c, cmd, argv);
    // WAIT waits for replicas to acknowledge everything up to this client's last write.
    c.replicationOffsetAfterLastCommand = this.replication.offset;
    if (this.blocking.hasReadyKeys) this.blocking.serveReadyKeys();
  }

  /** call(): run the command, time it, count it, log it, propagate it. */
  call(c: Client, cmd: Command, argv: string[]): void {
    const previousClient = this.currentClient;
    this.currentClient = c;
    const dirtyBefore = this.dirty;
    const replyMark = c.out.length;
    c.commandFailed = false;
    c.propagateArgv = undefined;
    c.forcePropagation = false;
    // Set before running, as Redis does, so CLIENT LIST/INFO show the running command.
    c.lastCommand = cmd.fullName;
    const start = process.hrtime.bigint();
    this.callDepth++;
    try {
      cmd.handler!(c, argv);
    } catch (err) {
      if (err instanceof CommandError) {
        c.error(err.message);
      } else {
        // A bug in a handler must not take the server (and every client) down.
        this.log.warning(`Internal error in '${cmd.fullName}': ${(err as Error).stack ?? String(err)}`);
        c.error(`ERR internal error in '${cmd.fullName}': ${(err as Error).message}`);
      }
    }
    const usec = Number((process.hrtime.bigint() - start) / 1000n);
    this.currentClient = previousClient;
    if (c.commandFailed) cmd.failedCalls++;
    cmd.calls++;
    cmd.usec += usec;
    recordCommandLatency(this, cmd, usec);
    this.stats.totalCommands++;
    if (!cmd.has('skip_slowlog')) this.slowlogPush(c, argv, usec);
    if (this.monitors.size > 0 && !cmd.has('skip_monitor') && !cmd.has('admin')) this.feedMonitors(c, argv);
    // Our master's stream reaches our replicas as received, not re-propagated.
    if ((this.dirty !== dirtyBefore || c.forcePropagation) && cmd.name !== 'exec' && !c.isMaster) {
      this.propagate(c.db.id, c.propagateArgv ?? [argv]);
    }
    if (--this.callDepth === 0) this.propagatePendingCommands(!cmd.has('touches_arbitrary_keys'));
    this.applyReplyMode(c, replyMark);
  }

  /** writeCommandsDeniedByDiskError(), RDB part (the engine has no AOF): the last BGSAVE failed and save rules are set. */
  writesDeniedByDiskError(): boolean {
    return (
      this.persistence.lastBgsaveStatus === 'err' &&
      this.config.bool('stop-writes-on-bgsave-error') &&
      this.persistence.saveRules().length > 0
    );
  }

  /** checkGoodReplicasStatus(): min-replicas-to-write, on a master only. */
  enoughGoodReplicas(): boolean {
    const minReplicas = this.config.num('min-replicas-to-write');
    const maxLag = this.config.num('min-replicas-max-lag');
    if (this.masterHost !== undefined || minReplicas === 0 || maxLag === 0) return true;
    return this.replication.goodReplicasCount(maxLag) >= minReplicas;
  }

  /** CLIENT REPLY OFF / SKIP: drop what this command replied. */
  private applyReplyMode(c: Client, replyMark: number): void {
    if (c.replyMode === 'on') return;
    if (c.replyMode === 'skip-next') {
      c.replyMode = 'skip';
      return;
    }
    // Pushes (Pub/Sub confirmations) are delivered even with replies off (CLIENT_PUSHING).
    c.out = c.out.slice(0, replyMark) + c.takeKeptPushes();
    if (c.replyMode === 'skip') c.replyMode = 'on';
  }

  private rejectCommand(c: Client, cmd: Command | undefined, error: string): void {
    if (cmd) cmd.rejectedCalls++;
    // A refused EXEC ends the transaction (execCommandAbort), e.g. -BUSY during a busy script.
    if (cmd?.name === 'exec' && c.inMulti) {
      c.inMulti = false;
      c.multiQueue = [];
      c.multiError = false;
      this.unwatchAll(c);
      c.error(`EXECABORT Transaction discarded because of: ${error}`);
      return;
    }
    // An error while queueing makes EXEC fail with EXECABORT (flagTransaction).
    if (c.inMulti) c.multiError = true;
    c.error(error);
  }

  private unknownCommandError(argv: readonly string[]): string {
    // Redis formats these with %s: each argument ends at its first NUL byte.
    const text = (arg: string) => {
      const nul = arg.indexOf('\0');
      return nul === -1 ? arg : arg.slice(0, nul);
    };
    const base = this.commands.base(argv[0]!);
    if (base && base.subcommands.size > 0) {
      const upper = text(argv[0]!).replace(/[a-z]+/g, (m) => m.toUpperCase());
      return `ERR unknown subcommand '${text(argv[1]!).slice(0, 128)}'. Try ${upper} HELP.`;
    }
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) {
      args += `'${text(argv[i]!).slice(0, 128 - args.length)}' `;
    }
    return `ERR unknown command '${text(argv[0]!).slice(0, 128)}', with args beginning with: ${args}`;
  }

  /**
   * maxmemory: evict by policy first (keyspace/evict.ts); when that cannot free
   * enough, commands that may grow memory (denyoom, or anything queued inside MULTI)
   * are refused.
   */
  private outOfMemoryFor(c: Client, cmd: Command, denyoom = cmd.has('denyoom')): boolean {
    const maxmemory = this.config.num('maxmemory');
    if (maxmemory <= 0 || c.isMaster) return false;
    const outOfMemory = performEvictions(this, usedMemory()) === 'fail';
    const queuedInMulti = c.inMulti && !MULTI_IMMEDIATE.has(cmd.name);
    return outOfMemory && (denyoom || queuedInMulti);
  }

  private allowProtected(option: string, c: Client): boolean {
    const value = this.config.str(option);
    if (value === 'yes') return true;
    if (value === 'local') {
      const addr = c.socket?.remoteAddress ?? '127.0.0.1';
      return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
    }
    return false;
  }

  /**
   * alsoPropagate(): queue commands for replicas. Everything one top-level command
   * propagates (an EXEC's queue, SPOP's SREMs, a lazily expired key's DEL) is sent
   * together after it, wrapped in MULTI/EXEC when there is more than one command,
   * as propagatePendingCommands() does. Outside any command (active expiry,
   * eviction) commands go out at once.
   */
  propagate(dbId: number, commands: string[][]): void {
    for (const argv of commands) {
      if (this.callDepth > 0) this.pendingPropagation.push({ dbId, argv });
      else this.replicationFeed(dbId, argv);
    }
  }

  /** A busy script (scripting.ts) outlives its EVAL's call(): its effects wait for its end. */
  holdPropagation(): void {
    this.callDepth++;
  }

  releasePropagation(): void {
    if (--this.callDepth === 0) this.propagatePendingCommands(true);
  }

  /** How many commands wait to be propagated (a script's redis.set_repl() takes some back). */
  propagationMark(): number {
    return this.pendingPropagation.length;
  }

  /** Drops what was queued for propagation since `mark`. */
  discardPropagationSince(mark: number): void {
    this.pendingPropagation.length = Math.min(mark, this.pendingPropagation.length);
  }

  /**
   * `mayWrap` is false for commands that touch arbitrary keys (SCAN, RANDOMKEY, KEYS):
   * their lazy-expire DELs go out unwrapped, like active expiry's.
   */
  private propagatePendingCommands(mayWrap: boolean): void {
    const pending = this.pendingPropagation;
    if (pending.length === 0) return;
    this.pendingPropagation = [];
    const wrap = mayWrap && pending.length > 1;
    if (wrap) this.replicationFeed(pending[0]!.dbId, ['MULTI']);
    for (const { dbId, argv } of pending) this.replicationFeed(dbId, argv);
    if (wrap) this.replicationFeed(pending[pending.length - 1]!.dbId, ['EXEC']);
  }

  /**
   * The replication stream's entry point (replicationFeedSlaves). Replication
   * arrives with the next issue; until then listeners (tests, the lab) observe it.
   */
  replicationFeed(dbId: number, argv: string[]): void {
    this.replication.feed(dbId, argv);
    for (const listener of this.propagationListeners) listener(dbId, argv);
  }

  readonly propagationListeners: ((dbId: number, argv: string[]) => void)[] = [];

  feedMonitors(c: Client, argv: readonly string[]): void {
    // gettimeofday(): wall-clock time with microsecond resolution.
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    const seconds = Math.floor(now / 1e6);
    const micros = String(now % 1e6).padStart(6, '0');
    const line = `+${seconds}.${micros} [${c.db.id} ${c.addr}] ${argv.map(quoteRepr).join(' ')}\r\n`;
    for (const m of this.monitors) {
      if (m === c) continue;
      m.raw(line);
      this.scheduleWrite(m);
    }
  }

  private slowlogPush(c: Client, argv: readonly string[], usec: number): void {
    const threshold = this.config.num('slowlog-log-slower-than');
    if (threshold < 0 || usec < threshold) return;
    // Like Redis: at most 32 arguments, each at most 128 bytes.
    const maxArgs = 32;
    const shown = argv
      .slice(0, argv.length > maxArgs ? maxArgs - 1 : maxArgs)
      .map((a) => (a.length > 128 ? `${a.slice(0, 128)}... (${a.length - 128} more bytes)` : a));
    if (argv.length > maxArgs) shown.push(`... (${argv.length - maxArgs + 1} more arguments)`);
    this.slowlog.unshift({
      id: this.slowlogNextId++,
      time: Math.floor(Date.now() / 1000),
      usec,
      argv: shown,
      peer: c.addr,
      name: c.name,
    });
    const max = this.config.num('slowlog-max-len');
    if (this.slowlog.length > max) this.slowlog.length = Math.max(0, max);
  }

  // ---------------------------------------------------------------- output

  scheduleWrite(c: Client): void {
    this.pendingWrite.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPendingWrites());
    }
  }

  /** handleClientsWithPendingWrites(): one socket write per client per turn. */
  flushPendingWrites(): void {
    this.flushScheduled = false;
    for (const c of this.pendingWrite) {
      this.pendingWrite.delete(c);
      if (c.closed || !c.socket) continue;
      const data = c.take();
      // Nothing is ever replied to our master (REPLCONF ACK is written directly).
      if (c.isMaster) continue;
      if (data.length > 0) {
        this.stats.netOutputBytes += data.length;
        if (c.isReplica) this.stats.netReplOutputBytes += data.length;
        if (c.closeAfterReply) {
          // Close as Redis does once the reply is out: unread input then resets the peer.
          c.socket.end(data, 'latin1', () => this.freeClient(c));
          continue;
        }
        c.socket.write(data, 'latin1');
        this.checkOutputLimits(c);
      } else if (c.closeAfterReply) {
        c.socket.end(() => this.freeClient(c));
      }
    }
  }

  /** client-output-buffer-limit: close clients whose unsent output is too large. */
  private checkOutputLimits(c: Client): void {
    const pending = c.socket!.writableLength;
    if (pending === 0) {
      this.softLimitSince.delete(c);
      return;
    }
    const cls = c.isReplica ? 'replica' : c.inPubSubContext ? 'pubsub' : 'normal';
    const limit = this.outputLimits.get(cls);
    if (!limit || c.noEvict) return;
    // A replica's hard limit is never below the backlog size (checkClientOutputBufferLimits).
    const backlogSize = this.config.num('repl-backlog-size');
    const hard = cls === 'replica' && limit.hard > 0 && limit.hard < backlogSize ? backlogSize : limit.hard;
    // An unauthenticated client may not make the server buffer more than 1 KB for it.
    let overLimit = (hard > 0 && pending >= hard) || (pending > 1024 && !c.authenticated);
    if (!overLimit && limit.soft > 0 && pending >= limit.soft) {
      const since = this.softLimitSince.get(c);
      if (since === undefined) this.softLimitSince.set(c, Date.now());
      else if (Date.now() - since > limit.softSeconds * 1000) overLimit = true;
    } else if (!overLimit) {
      this.softLimitSince.delete(c);
    }
    if (overLimit) {
      this.log.warning(
        `Client ${this.clientInfoLine(c)} scheduled to be closed ASAP for overcoming of output buffer limits.`,
      );
      this.freeClient(c);
    }
  }

  private applyOutputLimits(): void {
    const parts = this.config.str('client-output-buffer-limit').split(/\s+/);
    for (let i = 0; i + 3 < parts.length; i += 4) {
      const cls = parts[i] === 'slave' ? 'replica' : parts[i]!;
      this.outputLimits.set(cls, {
        hard: parseMemory(parts[i + 1]!),
        soft: parseMemory(parts[i + 2]!),
        softSeconds: Number(parts[i + 3]),
      });
    }
  }

  private applyLoggingConfig(): void {
    this.log.level = this.config.str('loglevel') as LogLevel;
    this.log.file = this.config.str('logfile');
  }

  // ---------------------------------------------------------------- keyspace hooks

  isReplica(): boolean {
    return this.masterHost !== undefined;
  }

  executingMasterCommand(): boolean {
    return this.currentClient?.isMaster ?? false;
  }

  expiryPaused(): boolean {
    return this.pauseType !== 'none' && Date.now() < this.pauseEnd;
  }

  now(): number {
    return this.scriptTime ?? Date.now();
  }

  onKeyExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.onKeyModified(db, key);
    this.notify('x', 'expired', key, db.id);
    this.propagate(db.id, [[this.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]]);
  }

  /** setExpire()'s rememberSlaveKeyWithExpire(): keys a writable replica's own clients give a TTL. */
  onExpireSet(db: Database, key: string): void {
    const c = this.currentClient;
    if (this.masterHost === undefined || !c || c.isMaster || this.config.bool('replica-read-only')) return;
    this.replica.ownExpires.remember(db, key);
  }

  onKeyModified(db: Database, key: string): void {
    const watchers = db.watchedKeys.get(key);
    if (watchers) for (const w of watchers) w.watchedKeyTouched(db, key);
  }

  onReadLookup(db: Database, key: string, hit: boolean): void {
    if (hit) {
      this.stats.keyspaceHits++;
    } else {
      this.stats.keyspaceMisses++;
      this.notify('m', 'keymiss', key, db.id);
    }
  }

  /** signalKeyAsReady(): a list or sorted set received elements. */
  signalKeyAsReady(db: Database, key: string): void {
    this.blocking.signalKeyAsReady(db, key);
  }

  /** notifyKeyspaceEvent() from notify.c. */
  notify(cls: NotifyClass, event: string, key: string, dbId: number): void {
    const flags = this.notifyFlags;
    if (flags.size === 0 || !flags.has(cls)) return;
    if (flags.has('K')) this.pubsub.publish(`__keyspace@${dbId}__:${key}`, event);
    if (flags.has('E')) this.pubsub.publish(`__keyevent@${dbId}__:${event}`, key);
  }

  private applyNotifyFlags(): void {
    const value = this.config.str('notify-keyspace-events');
    const flags = new Set<string>();
    for (const ch of value) {
      if (ch === 'A') for (const c of 'g$lshzxetd') flags.add(c);
      else flags.add(ch);
    }
    // Without K or E nothing is ever published.
    this.notifyFlags = flags.has('K') || flags.has('E') ? flags : new Set();
  }

  // ---------------------------------------------------------------- WATCH

  watch(c: Client, key: string): void {
    if (c.watched.some((w) => w.db === c.db && w.key === key)) return;
    let watchers = c.db.watchedKeys.get(key);
    if (!watchers) c.db.watchedKeys.set(key, (watchers = new Set()));
    watchers.add(c);
    c.watched.push({ db: c.db, key, expired: isLogicallyExpired(c.db, key) });
  }

  /** isWatchedKeyExpired(): a watched key that has expired since WATCH fails EXEC. */
  watchedKeyExpired(c: Client): boolean {
    return c.watched.some((w) => !w.expired && isLogicallyExpired(w.db, w.key));
  }

  unwatchAll(c: Client): void {
    for (const { db, key } of c.watched) {
      const watchers = db.watchedKeys.get(key);
      if (!watchers) continue;
      watchers.delete(c);
      if (watchers.size === 0) db.watchedKeys.delete(key);
    }
    c.watched = [];
    c.dirtyCas = false;
  }

  /**
   * touchAllWatchedKeysInDb(): call BEFORE emptying `emptied` (FLUSHDB, FLUSHALL) or
   * swapping it with `replacedWith` (SWAPDB). A watcher fails its EXEC when its key
   * existed in the emptied db or exists in the db that replaces it, except that a key
   * already expired when watched is no logical change when it goes away or is
   * replaced by another expired key (multi.c's watchedKey.expired rules).
   */
  touchAllWatched(emptied: Database, replacedWith?: Database): void {
    for (const [key, watchers] of emptied.watchedKeys) {
      const existed = emptied.dict.has(key);
      const willExist = replacedWith?.dict.has(key) ?? false;
      if (!existed && !willExist) continue;
      const replacementExpired = willExist && isLogicallyExpired(replacedWith!, key);
      for (const w of watchers) {
        const entry = w instanceof Client ? w.watched.find((e) => e.db === emptied && e.key === key) : undefined;
        if (entry?.expired) {
          if (!willExist) {
            entry.expired = false;
            continue;
          }
          if (replacementExpired) continue;
        } else if (entry && !existed && replacementExpired) {
          entry.expired = true;
          continue;
        }
        w.markDirtyCas();
      }
    }
  }

  // ---------------------------------------------------------------- CLIENT PAUSE

  /** pauseClients(): per purpose, the stricter type and the later end win. */
  pauseClients(type: 'all' | 'write', untilMs: number, purpose: PausePurpose = 'client-command'): void {
    const previous = this.pausesByPurpose.get(purpose);
    if (previous) {
      if (type === 'all') previous.type = 'all';
      previous.end = Math.max(previous.end, untilMs);
    } else {
      this.pausesByPurpose.set(purpose, { type, end: untilMs });
    }
    this.updatePause();
  }

  /** unpauseClients(): ends one purpose's pause; the others go on. */
  unpauseClients(purpose: PausePurpose = 'client-command'): void {
    if (!this.pausesByPurpose.delete(purpose)) return;
    this.updatePause();
  }

  /** updateClientPauseTypeAndEndTime(): the effective pause; postponed clients run again when it weakens. */
  private updatePause(): void {
    const now = Date.now();
    let type: 'none' | 'all' | 'write' = 'none';
    let end = 0;
    for (const [purpose, pause] of this.pausesByPurpose) {
      if (pause.end <= now) {
        this.pausesByPurpose.delete(purpose);
        continue;
      }
      if (pause.type === 'all' || type === 'none') type = pause.type;
      end = Math.max(end, pause.end);
    }
    const weaker = type === 'none' || (type === 'write' && this.pauseType === 'all');
    this.pauseType = type;
    this.pauseEnd = end;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    // A FAILOVER pauses without an end: only its own unpause lifts it.
    if (type !== 'none' && Number.isFinite(end)) {
      this.pauseTimer = setTimeout(() => this.updatePause(), Math.max(0, end - now));
    }
    if (!weaker) return;
    for (const c of this.clients.values()) {
      if (!c.paused) continue;
      c.paused = false;
      setImmediate(() => this.processInput(c));
    }
  }

  private isPausedFor(mayReplicate: boolean): boolean {
    if (this.pauseType === 'none') return false;
    if (Date.now() >= this.pauseEnd) return false;
    return this.pauseType === 'all' || mayReplicate;
  }

  // ---------------------------------------------------------------- cron

  private cron(): void {
    this.cronLoops++;
    const now = Date.now();
    this.stats.sampleOps(now);
    if (this.activeExpireEnabled && this.masterHost === undefined && !this.expiryPaused() && !this.busyScript) {
      activeExpireCycle(this);
    } else if (this.activeExpireEnabled && this.masterHost !== undefined) {
      this.replica.expireOwnKeys();
    }
    const pingPeriod = this.config.num('repl-ping-replica-period') * 1000;
    if (now - this.lastReplicaPing >= pingPeriod) {
      this.lastReplicaPing = now;
      this.replication.pingReplicas();
    }
    this.replication.cron(now);
    // Idle client timeout, checked about once a second (clientsCron).
    const hz = this.config.num('hz');
    if (this.cronLoops % Math.max(1, hz) === 0) this.closeIdleClients(now);
    // run_with_period(1000) also fires on the first tick: a configured replica connects at once.
    if ((this.cronLoops - 1) % Math.max(1, hz) === 0) this.replica.cron();
    this.resizeQueryBuffers(now, hz);
    this.persistence.cron();
  }

  /** clientsCron's query buffer pass: with few clients every tick, else each about once a second. */
  private resizeQueryBuffers(now: number, hz: number): void {
    if (this.clients.size > 5 && this.cronLoops % Math.max(1, hz) !== 0) return;
    const nowSeconds = Math.floor(now / 1000);
    for (const c of this.clients.values()) {
      c.parser.cronResizeQueryBuffer(nowSeconds - Math.floor(c.lastInteraction / 1000));
    }
  }

  private closeIdleClients(now: number): void {
    const timeout = this.config.num('timeout');
    if (timeout <= 0) return;
    for (const c of this.clients.values()) {
      if (c.isReplica || c.isMaster || c.blocked || c.inPubSubContext) continue;
      if (now - c.lastInteraction > timeout * 1000) {
        this.log.verbose('Closing idle client');
        this.freeClient(c);
      }
    }
  }

  // ---------------------------------------------------------------- introspection

  /** One CLIENT LIST line (catClientInfoString). */
  clientInfoLine(c: Client): string {
    return clientInfoString(c);
  }
}

function isLogicallyExpired(db: Database, key: string): boolean {
  const when = db.expires.get(key);
  return when !== undefined && when <= Date.now();
}

export interface SlowlogEntry {
  id: number;
  time: number;
  usec: number;
  argv: string[];
  peer: string;
  name: string;
}

/** Commands a RESP2 client in subscribed state may still run. */
const PUBSUB_ALLOWED = new Set([
  'ping',
  'subscribe',
  'ssubscribe',
  'unsubscribe',
  'sunsubscribe',
  'psubscribe',
  'punsubscribe',
  'quit',
  'reset',
]);

const MISCONF_BGSAVE =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that " +
  'may modify the data set are disabled, because this instance is configured to report errors during writes if RDB ' +
  'snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.';

/** Commands whose flags depend on the script they run. */
const SCRIPT_RUNNERS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** Commands that run at once inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export const PROTECTED_MODE_ERROR =
  'DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the ' +
  'default user. In this mode connections are only accepted from the loopback interface. If you want to connect ' +
  'from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode ' +
  "sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from " +
  'the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you ' +
  'do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected ' +
  "mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then " +
  'restarting the server. 3) If you started the server manually just for testing, restart it with the ' +
  "'--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need " +
  'to do one of the above things in order for the server to start accepting connections from the outside.';

/** "256mb", "64k", "1gb", plain bytes: memtoull() units (k=1000, kb=1024). */
export function parseMemory(text: string): number {
  const m = /^(\d+)([a-z]*)$/i.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const units: Record<string, number> = {
    '': 1,
    b: 1,
    k: 1000,
    kb: 1024,
    m: 1000 * 1000,
    mb: 1024 * 1024,
    g: 1000 * 1000 * 1000,
    gb: 1024 * 1024 * 1024,
  };
  const mult = units[m[2]!.toLowerCase()];
  return mult === undefined ? NaN : n * mult;
}

function randomHex(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}
