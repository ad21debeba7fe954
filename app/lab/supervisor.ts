/**
 * The node supervisor: runs each node's server process (builtin, redis-server or
 * valkey-server) from its folder in the workspace, or attaches to a remote one,
 * and tells the UI what each is doing. It tells a stop (the lab asked) from a
 * crash (the process ended by itself, or was killed with -9), and leaves no
 * orphans: builtin nodes exit when their stdin pipe from us closes, and every
 * local node is recorded in the workspace so the next supervisor reaps what a
 * killed lab left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isLocalEngine, launchCommand, remoteRefusal, type EngineHost } from './engines.js';
import { fileSize, LineBuffer, readLogTail } from './log-tail.js';
import { connectNode, describeConnectionError, withTimeout, type NodeAddress } from './node-connection.js';
import { DEFAULT_BASE_PORT, isPortFree, pickFreePort } from './ports.js';
import { ProcessRecords, type ReapedProcess } from './process-records.js';
import { processStartTime } from './process-identity.js';
import type { EngineInfo, NodeSpec, NodeStatus } from './types.js';
import { deleteNodeFolder, nodePaths, prepareNodeFolder, type NodePaths } from './workspace.js';

export interface SupervisorTimeouts {
  /** From spawn to the first PONG. */
  startMs: number;
  /** After SHUTDOWN, before SIGTERM (SHUTDOWN saves the dump and may wait for replicas). */
  shutdownMs: number;
  /** After SIGTERM, before SIGKILL. */
  termMs: number;
  /** After SIGKILL, before giving up on the exit event. */
  killMs: number;
  /** Connecting to a node (PING, SHUTDOWN). */
  connectMs: number;
}

export interface SupervisorOptions {
  /** Folder holding `nodes/<port>/` and the process records. */
  workspace: string;
  host: EngineHost;
  /** From detectEngines(); a node's engine must be listed and available. */
  engines: readonly EngineInfo[];
  /** Ports for nodes without one are picked from here up (default 6379). */
  basePort?: number;
  timeouts?: Partial<SupervisorTimeouts>;
  /** Lines of log shown for a crashed node (default 20). */
  logTailLines?: number;
  /**
   * Writes the process's folder and config file (default: a node's redis.conf in
   * `nodes/<port>/`). The Sentinel feature runs redis-sentinel through a supervisor
   * of its own, with its sentinel.conf, so Sentinels get the same start, stop, crash
   * and orphan handling as nodes.
   */
  prepareFolder?: (workspace: string, spec: NodeSpec, port: number) => Promise<NodePaths>;
}

export interface SupervisorEvents {
  /** A node's status changed (a fresh copy). */
  state: [status: NodeStatus];
  removed: [id: string];
}

export type NodeErrorCode =
  | 'unknown-node'
  | 'duplicate-node'
  | 'remote'
  | 'engine-unavailable'
  | 'invalid-spec'
  | 'port-taken'
  | 'port-in-use'
  | 'start-failed'
  | 'start-timeout'
  | 'not-running';

/** A refused or failed operation; `message` is the sentence for the user. */
export class NodeOperationError extends Error {
  override name = 'NodeOperationError';
  constructor(
    readonly code: NodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUTS: SupervisorTimeouts = {
  startMs: 15_000,
  shutdownMs: 10_000,
  termMs: 5_000,
  killMs: 5_000,
  connectMs: 2_000,
};

const CLIENT_NAME = 'replica-lab';

/** Why the lab asked a process to end, if it did. */
type ExitIntent = 'stop' | 'kill' | undefined;

interface ManagedNode {
  spec: NodeSpec;
  status: NodeStatus;
  paths?: NodePaths;
  child?: ChildProcess;
  exited?: Promise<void>;
  intent: ExitIntent;
  /** Log size when the process was spawned: its crash tail starts there. */
  logOffset: number;
  output?: LineBuffer;
  /** The last exit was a failure to listen: the port was taken. */
  portInUse: boolean;
  /** Operations on one node run one after another. */
  queue: Promise<unknown>;
}

export class NodeSupervisor extends EventEmitter<SupervisorEvents> {
  /** Processes a previous lab on this workspace left running, ended by open(). */
  reaped: ReapedProcess[] = [];

  private readonly nodes = new Map<string, ManagedNode>();
  private readonly workspace: string;
  private readonly timeouts: SupervisorTimeouts;
  private engines: readonly EngineInfo[];
  private readonly records: ProcessRecords;
  private portPicking: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly onHostExit = () => this.terminateAllNow();

  private constructor(private readonly options: SupervisorOptions) {
    super();
    this.workspace = resolve(options.workspace);
    mkdirSync(this.workspace, { recursive: true });
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.engines = options.engines;
    this.records = new ProcessRecords(this.workspace);
  }

  /** A supervisor on `workspace`, after reaping the nodes a previous lab there left running. */
  static async open(options: SupervisorOptions): Promise<NodeSupervisor> {
    const supervisor = new NodeSupervisor(options);
    supervisor.reaped = await supervisor.records.reapOrphans(supervisor.timeouts.termMs);
    process.on('exit', supervisor.onHostExit);
    return supervisor;
  }

  /** The engines nodes may run on from now on (e.g. after the user configured a redis-server path). */
  setEngines(engines: readonly EngineInfo[]): void {
    this.engines = engines;
  }

  list(): NodeStatus[] {
    return [...this.nodes.values()].map((node) => copyStatus(node.status));
  }

  status(id: string): NodeStatus | undefined {
    const node = this.nodes.get(id);
    return node ? copyStatus(node.status) : undefined;
  }

  /**
   * Starts a local node and resolves once it answers PING, or attaches to a remote
   * one. Starting an id that exists and is stopped or crashed starts it again
   * with this spec. Rejects with a NodeOperationError (the node stays listed,
   * crashed, with the reason and its log tail) when it cannot start.
   */
  start(spec: NodeSpec): Promise<NodeStatus> {
    this.assertOpen();
    const existing = this.nodes.get(spec.id);
    if (existing && isRunning(existing.status.state) && isLocalEngine(existing.spec.engine)) {
      return Promise.reject(new NodeOperationError('duplicate-node', `Node ${spec.id} is already running.`));
    }
    const node: ManagedNode = existing ?? {
      spec,
      status: { id: spec.id, engine: spec.engine, host: '127.0.0.1', port: spec.port ?? 0, state: 'stopped' },
      intent: undefined,
      logOffset: 0,
      portInUse: false,
      queue: Promise.resolve(),
    };
    node.spec = { ...spec };
    this.nodes.set(spec.id, node);
    return this.enqueue(node, () => (isLocalEngine(spec.engine) ? this.launch(node) : this.attach(node)));
  }

  /** SHUTDOWN, then SIGTERM, then SIGKILL, each after its timeout. */
  stop(id: string): Promise<NodeStatus> {
    return this.operate(id, 'stop', async (node) => {
      await this.stopProcess(node);
      return copyStatus(node.status);
    });
  }

  /**
   * Stops the node (if running) and starts it again on the same port and folder;
   * `deleteDump`: without its dump file, so it starts empty (a replica then needs a full sync).
   */
  restart(id: string, options: { deleteDump?: boolean } = {}): Promise<NodeStatus> {
    return this.operate(id, 'restart', async (node) => {
      await this.stopProcess(node);
      if (options.deleteDump && node.paths) await rm(node.paths.rdb, { force: true });
      return this.launch(node);
    });
  }

  /** SIGKILL, as a crash would end it: the node is marked crashed. */
  kill(id: string): Promise<NodeStatus> {
    return this.operate(id, 'kill', async (node) => {
      const child = node.child;
      if (child && node.exited) {
        node.intent = 'kill';
        child.kill('SIGKILL');
        await withTimeout(node.exited, this.timeouts.killMs, `kill ${id}`).catch(() => undefined);
      }
      return copyStatus(node.status);
    });
  }

  /** SIGSTOP: the process stays, but answers nothing until thawed. */
  freeze(id: string): Promise<NodeStatus> {
    return this.operate(id, 'freeze', async (node) => {
      if (node.status.state !== 'up' && node.status.state !== 'starting') {
        throw new NodeOperationError(
          'not-running',
          `Node ${id} is ${node.status.state}: only a running node can be frozen.`,
        );
      }
      node.child?.kill('SIGSTOP');
      this.update(node, { state: 'frozen' });
      return copyStatus(node.status);
    });
  }

  /** SIGCONT after freeze(). */
  thaw(id: string): Promise<NodeStatus> {
    return this.operate(id, 'thaw', async (node) => {
      if (node.status.state === 'frozen') {
        node.child?.kill('SIGCONT');
        this.update(node, { state: 'up' });
      }
      return copyStatus(node.status);
    });
  }

  /**
   * Changes what the node's redis.conf says at its next start (the lab sends
   * REPLICAOF / CONFIG SET to the running server itself, so a restart keeps them).
   */
  updateSpec(id: string, change: Pick<NodeSpec, 'replicaOf' | 'settings'>): NodeStatus {
    const node = this.managed(id);
    if ('replicaOf' in change) node.spec.replicaOf = change.replicaOf;
    if ('settings' in change) node.spec.settings = change.settings;
    this.update(node, { replicaOf: node.spec.replicaOf });
    return copyStatus(node.status);
  }

  /** Stops a local node, forgets the node, and optionally deletes its folder. */
  remove(id: string, options: { deleteFolder?: boolean } = {}): Promise<void> {
    return this.operate(id, undefined, async (node) => {
      if (isLocalEngine(node.spec.engine)) {
        await this.stopProcess(node);
        if (options.deleteFolder && node.status.port > 0) await deleteNodeFolder(this.workspace, node.status.port);
      }
      this.nodes.delete(id);
      this.emit('removed', id);
    });
  }

  /** The last `lines` lines of the node's log file (the inspector's log tail). */
  async logTail(id: string, lines = 50): Promise<string[]> {
    const node = this.managed(id);
    if (!node.paths) return [];
    return readLogTail(node.paths.log, lines);
  }

  /** Stops every local node; the supervisor cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all(
      [...this.nodes.values()].map((node) =>
        isLocalEngine(node.spec.engine)
          ? this.enqueue(node, () => this.stopProcess(node)).catch(() => undefined)
          : undefined,
      ),
    );
    process.off('exit', this.onHostExit);
  }

  // ---------------------------------------------------------------- local nodes

  private async launch(node: ManagedNode): Promise<NodeStatus> {
    const spec = node.spec;
    // Two start() calls for one id both pass the check in start(); only the first may spawn.
    if (node.child) throw new NodeOperationError('duplicate-node', `Node ${spec.id} is already running.`);
    const engine = this.engines.find((e) => e.kind === spec.engine);
    if (!engine || !engine.available) {
      const why = engine ? engine.description : `the ${spec.engine} engine is not known to the lab`;
      throw this.failed(node, new NodeOperationError('engine-unavailable', `Cannot start node ${spec.id}: ${why}.`));
    }
    let port: number;
    let paths: NodePaths;
    try {
      port = await this.choosePort(node);
    } catch (err) {
      throw this.failed(node, err);
    }
    try {
      paths = this.options.prepareFolder
        ? await this.options.prepareFolder(this.workspace, spec, port)
        : await prepareNodeFolder(this.workspace, {
            id: spec.id,
            port,
            replicaOf: spec.replicaOf,
            settings: spec.settings,
          });
    } catch (err) {
      const message = `Cannot start node ${spec.id}: ${(err as Error).message}`;
      throw this.failed(node, new NodeOperationError('invalid-spec', message));
    }
    node.paths = paths;
    node.logOffset = await fileSize(paths.log);
    node.intent = undefined;
    node.portInUse = false;
    node.output = new LineBuffer(this.options.logTailLines ?? 20);
    // Something else listens there already: our process will fail to bind, and must not be taken for the other one.
    const portTaken = !(await isPortFree(port));
    const command = launchCommand(engine, this.options.host, paths.conf);
    const child = spawn(command.executable, command.args, {
      cwd: paths.dir,
      env: { ...process.env, ...command.env },
      // builtin: stdin is the pipe whose EOF tells the engine we are gone.
      stdio: [spec.engine === 'builtin' ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    node.child = child;
    const output = node.output;
    child.stdout?.setEncoding('utf8').on('data', (text: string) => output.push(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => output.push(text));
    // Our end of the builtin's stdin pipe: nothing is written, errors (EPIPE) are expected at exit.
    child.stdin?.on('error', () => undefined);
    node.exited = new Promise((settle) => {
      child.once('error', (err) => {
        // spawn failed (ENOENT, EACCES): no exit event follows.
        if (child.pid === undefined) void this.onExit(node, child, null, null, err).then(settle);
      });
      child.once('exit', (code, signal) => void this.onExit(node, child, code, signal).then(settle));
    });
    const startedAt = Date.now();
    this.update(node, {
      state: 'starting',
      host: '127.0.0.1',
      port,
      pid: child.pid,
      startedAt,
      replicaOf: spec.replicaOf,
      dir: paths.dir,
      confPath: paths.conf,
      logPath: paths.log,
      exit: undefined,
      error: undefined,
      logTail: undefined,
    });
    if (child.pid !== undefined) {
      this.records.add({
        id: spec.id,
        pid: child.pid,
        port,
        engine: spec.engine,
        executable: command.executable,
        confPath: paths.conf,
        startedAt,
        procStartTime: processStartTime(child.pid),
        ownerPid: process.pid,
        ownerStartTime: processStartTime(process.pid),
      });
    }
    await this.waitUntilAnswering(node, child, portTaken);
    return copyStatus(node.status);
  }

  /** Marks a node that could not even be spawned as failed (crashed, with the reason), and returns the error. */
  private failed(node: ManagedNode, err: unknown): unknown {
    const message = err instanceof Error ? err.message : String(err);
    this.update(node, { state: 'crashed', error: message, pid: undefined, exit: undefined, logTail: undefined });
    return err;
  }

  /** The spec's port, or the first free one from the base; never one another node of this lab holds. */
  private async choosePort(node: ManagedNode): Promise<number> {
    const wanted = node.spec.port ?? (node.status.port > 0 ? node.status.port : undefined);
    if (wanted !== undefined) {
      const holder = this.portHolders(node).get(wanted);
      if (holder !== undefined) {
        throw new NodeOperationError('port-taken', `Port ${wanted} is already given to node ${holder} in this lab.`);
      }
      node.status.port = wanted;
      return wanted;
    }
    // Picks are serialised: two nodes started at once must not both get the first free port.
    const pick = this.portPicking.then(async () => {
      const held = this.portHolders(node).keys();
      const port = await pickFreePort({ base: this.options.basePort ?? DEFAULT_BASE_PORT, held });
      node.status.port = port;
      return port;
    });
    this.portPicking = pick.catch(() => undefined);
    return pick;
  }

  /** Ports of the lab's other local nodes, whatever their state, and who holds each. */
  private portHolders(node: ManagedNode): Map<number, string> {
    const held = new Map<number, string>();
    for (const other of this.nodes.values()) {
      if (other !== node && isLocalEngine(other.spec.engine) && other.status.port > 0)
        held.set(other.status.port, other.spec.id);
    }
    return held;
  }

  /** Resolves once the node answers PING; rejects (after marking it crashed) when it exits or times out. */
  private async waitUntilAnswering(node: ManagedNode, child: ChildProcess, portTaken: boolean): Promise<void> {
    const deadline = Date.now() + this.timeouts.startMs;
    let exited = false;
    void node.exited?.then(() => (exited = true));
    while (!exited && node.child === child) {
      if (await this.answersPing(node, child.pid, portTaken)) {
        if (node.child === child && node.status.state === 'starting') this.update(node, { state: 'up' });
        return;
      }
      if (Date.now() >= deadline) {
        node.intent = 'kill';
        child.kill('SIGKILL');
        await node.exited;
        const seconds = Math.round(this.timeouts.startMs / 1000);
        const error = `Node ${node.spec.id} did not answer PING on port ${node.status.port} within ${seconds} s, so the lab killed it.`;
        this.update(node, { state: 'crashed', error });
        throw new NodeOperationError('start-timeout', error);
      }
      await delay(50);
    }
    await node.exited;
    throw new NodeOperationError(
      node.portInUse ? 'port-in-use' : 'start-failed',
      node.status.error ?? `Node ${node.spec.id} exited while starting.`,
    );
  }

  /**
   * True when our process answers PING on the node's port. Another server already
   * on that port would answer too, so the answer must come from our pid
   * (INFO server's process_id); until our process fails to bind, we wait.
   */
  private async answersPing(node: ManagedNode, pid: number | undefined, portTaken: boolean): Promise<boolean> {
    // When something else held the port at spawn, it may not speak RESP at all: do not wait long on it.
    const timeoutMs = portTaken ? 200 : this.timeouts.connectMs;
    try {
      const connection = await connectNode(this.address(node), timeoutMs);
      try {
        const reply = await withTimeout(connection.send('PING'), timeoutMs, 'PING');
        // -LOADING: the dump is still being read; keep waiting.
        if (reply.type === 'error') return !reply.value.startsWith('LOADING');
        const info = await withTimeout(connection.send('INFO', 'server'), timeoutMs, 'INFO server');
        const processId = info.type === 'bulk' ? /^process_id:(\d+)/m.exec(info.value)?.[1] : undefined;
        return processId === undefined || Number(processId) === pid;
      } finally {
        connection.destroy();
      }
    } catch (err) {
      // NOAUTH-style failures mean a server answers: that is up.
      return /NOAUTH|WRONGPASS|AUTH failed/.test((err as Error).message);
    }
  }

  private async onExit(
    node: ManagedNode,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    spawnError?: Error,
  ): Promise<void> {
    if (child.pid !== undefined) this.records.delete(child.pid);
    if (node.child !== child) return;
    node.child = undefined;
    const intent = node.intent;
    const exit = { code, signal, requested: intent !== undefined };
    if (intent === 'stop') {
      this.update(node, { state: 'stopped', pid: undefined, exit });
      return;
    }
    const fileTail = node.paths
      ? await readLogTail(node.paths.log, this.options.logTailLines ?? 20, node.logOffset)
      : [];
    const streamTail = node.output?.tail() ?? [];
    const logTail = [...fileTail, ...streamTail].slice(-(this.options.logTailLines ?? 20));
    this.update(node, {
      state: 'crashed',
      pid: undefined,
      exit,
      logTail,
      error: spawnError
        ? `Node ${node.spec.id} could not be started: ${spawnError.message}.`
        : this.crashSentence(node, intent, code, signal, logTail),
    });
  }

  private crashSentence(
    node: ManagedNode,
    intent: ExitIntent,
    code: number | null,
    signal: NodeJS.Signals | null,
    logTail: string[],
  ): string {
    const id = node.spec.id;
    const port = node.status.port;
    const portLine = logTail.find((line) =>
      /Address already in use|Could not create server TCP listening socket/.test(line),
    );
    if (portLine) {
      node.portInUse = true;
      return `Port ${port} is already in use on 127.0.0.1, so node ${id} could not listen on it (log: "${stripLogPrefix(portLine)}").`;
    }
    if (intent === 'kill') return `Node ${id} was killed with SIGKILL by the lab.`;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
    const last = logTail.at(-1);
    return `Node ${id} ${how} without being asked to stop${last ? ` (last log line: "${stripLogPrefix(last)}")` : ''}.`;
  }

  /** Asks the process to end: SHUTDOWN, then SIGTERM, then SIGKILL. Resolves once it has exited. */
  private async stopProcess(node: ManagedNode): Promise<void> {
    const child = node.child;
    const exited = node.exited;
    if (!child || !exited) {
      if (node.status.state === 'starting' || node.status.state === 'up' || node.status.state === 'frozen') {
        this.update(node, { state: 'stopped' });
      }
      return;
    }
    node.intent = 'stop';
    if (node.status.state === 'frozen') child.kill('SIGCONT');
    const ended = () => node.child !== child;
    if (!(await this.sendShutdown(node))) {
      child.kill('SIGTERM');
    } else {
      await withTimeout(exited, this.timeouts.shutdownMs, 'SHUTDOWN').catch(() => undefined);
      if (!ended()) child.kill('SIGTERM');
    }
    await withTimeout(exited, this.timeouts.termMs, 'SIGTERM').catch(() => undefined);
    if (!ended()) {
      child.kill('SIGKILL');
      await withTimeout(exited, this.timeouts.killMs, 'SIGKILL').catch(() => undefined);
    }
  }

  /** True when SHUTDOWN was accepted (the server closed the connection), false when refused or unreachable. */
  private async sendShutdown(node: ManagedNode): Promise<boolean> {
    let connection;
    try {
      connection = await connectNode(this.address(node), this.timeouts.connectMs);
    } catch {
      return false;
    }
    try {
      // A successful SHUTDOWN never replies: the connection just closes.
      const reply = await withTimeout(connection.send('SHUTDOWN'), this.timeouts.shutdownMs, 'SHUTDOWN');
      return reply.type !== 'error';
    } catch {
      return true;
    } finally {
      connection.destroy();
    }
  }

  /** Sends SIGTERM to every process at once: the host is exiting without dispose(). */
  private terminateAllNow(): void {
    for (const node of this.nodes.values()) {
      const child = node.child;
      if (!child) continue;
      node.intent = 'stop';
      if (node.status.state === 'frozen') child.kill('SIGCONT');
      child.kill('SIGTERM');
    }
  }

  // ---------------------------------------------------------------- remote nodes

  private async attach(node: ManagedNode): Promise<NodeStatus> {
    const spec = node.spec;
    if (spec.host === undefined || spec.port === undefined) {
      throw new NodeOperationError('invalid-spec', `Remote node ${spec.id} needs a host and a port.`);
    }
    this.update(node, { state: 'starting', host: spec.host, port: spec.port, exit: undefined, error: undefined });
    try {
      const connection = await connectNode(this.address(node), this.timeouts.connectMs, CLIENT_NAME);
      try {
        const reply = await withTimeout(connection.send('PING'), this.timeouts.connectMs, 'PING');
        if (reply.type === 'error') throw new Error(reply.value);
      } finally {
        connection.destroy();
      }
      this.update(node, { state: 'up' });
    } catch (err) {
      this.update(node, {
        state: 'down',
        error: `Remote server ${spec.host}:${spec.port} did not answer PING: ${describeConnectionError(err)}.`,
      });
    }
    return copyStatus(node.status);
  }

  // ---------------------------------------------------------------- helpers

  private address(node: ManagedNode): NodeAddress {
    const spec = node.spec;
    const password = spec.password ?? spec.settings?.['requirepass'];
    return {
      host: node.status.host,
      port: node.status.port,
      username: spec.username,
      password: password === '' ? undefined : password,
    };
  }

  private managed(id: string): ManagedNode {
    const node = this.nodes.get(id);
    if (!node) throw new NodeOperationError('unknown-node', `There is no node ${id} in this lab.`);
    return node;
  }

  /**
   * Runs `operation` on the node after the ones already queued for it. Unknown
   * ids, and process operations (`processOperation` named) asked of a remote
   * node, reject with the sentence saying why.
   */
  private operate<T>(
    id: string,
    processOperation: string | undefined,
    operation: (node: ManagedNode) => Promise<T>,
  ): Promise<T> {
    const node = this.nodes.get(id);
    if (!node) return Promise.reject(new NodeOperationError('unknown-node', `There is no node ${id} in this lab.`));
    if (processOperation !== undefined && !isLocalEngine(node.spec.engine)) {
      const refusal = remoteRefusal(processOperation, id, node.status.host, node.status.port);
      return Promise.reject(new NodeOperationError('remote', refusal));
    }
    return this.enqueue(node, () => operation(node));
  }

  private enqueue<T>(node: ManagedNode, operation: () => Promise<T>): Promise<T> {
    const result = node.queue.then(operation);
    node.queue = result.catch(() => undefined);
    return result;
  }

  private update(node: ManagedNode, change: Partial<NodeStatus>): void {
    node.status = { ...node.status, ...change };
    for (const key of Object.keys(node.status) as (keyof NodeStatus)[]) {
      if (node.status[key] === undefined) delete node.status[key];
    }
    this.emit('state', copyStatus(node.status));
  }

  private assertOpen(): void {
    if (this.disposed) throw new NodeOperationError('not-running', 'The supervisor has been disposed.');
  }
}

function isRunning(state: NodeStatus['state']): boolean {
  return state === 'starting' || state === 'up' || state === 'frozen' || state === 'down';
}

function copyStatus(status: NodeStatus): NodeStatus {
  return structuredClone(status);
}

/** `1234:M 24 Nov 2026 16:20:02.123 # text` → `text`. */
function stripLogPrefix(line: string): string {
  return line.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [.\-*#] /, '');
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { nodePaths };
