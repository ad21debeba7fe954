/**
 * The lab service: the one backend both hosts serve. It owns the topology (the
 * single source of truth), makes the supervisor's processes and the servers'
 * replication follow it, forwards the metrics poller's batches, and writes every
 * action to the command log as the redis-cli line it amounts to.
 *
 * Order of effects: a change is checked against the topology's rules first (a
 * refused change touches nothing), then applied to the servers, and the topology
 * is updated only when the servers accepted it, so the canvas never shows wiring
 * that Redis does not have.
 */
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { EventName, Events, Method, ParsedParams, Results } from '../api/contract';
import type { CommandLogEntry, LabSnapshot, NodeRuntime } from '../api/runtime';
import { requestSchemas } from '../api/contract';
import { emptyTopology, type EngineKind, type Topology, type TopologyNode } from '../api/topology';
import { scalarText, type RespValue } from '../resp/reply-parser';
import { ConsistencyFeature } from './consistency/feature';
import { detectEngines, type EngineHost } from './engines';
import { LabError, toApiError } from './errors';
import { FaultsFeature } from './faults/feature';
import type { Handler, Handlers, LabContext, LabFeature } from './feature';
import { exportConfigFolder, startOrder } from './files/export-configs';
import { ConfigImportError, importConfigFolder } from './files/import-configs';
import { readTopologyFile, writeTopologyFile } from './files/topology-file';
import { parseTopologyYaml, topologyToYaml, type TopologyParseResult } from './files/topology-yaml';
import { infoFields } from './info-parse';
import { MetricsPoller } from './metrics';
import { MetricsHistory } from './metrics-history';
import { cliLine, replyLine, sendNodeCommand } from './node-command';
import type { NodeAddress } from './node-connection';
import { ReplicationWatch, type Rewire } from './replication-watch';
import { SentinelFeature } from './sentinel/feature';
import { NodeSupervisor } from './supervisor';
import { TerminalManager, type CliHost } from './terminals/manager';
import { SNAPSHOT_EVENTS, Timeline } from './timeline';
import {
  addNode,
  autoLayout,
  checkNewEdge,
  connect,
  disconnect,
  findNode,
  masterOf,
  removeNode,
  replicasOf,
  TopologyRuleError,
  updateNode,
} from './topology';
import type { EngineInfo, Endpoint, NodeMetrics, NodeSpec, NodeStatus } from './types';
import { WorkloadFeature } from './workload/feature';
import { checkSettings, nodePaths } from './workspace';

export { LabError, toApiError } from './errors';

export interface LabServiceOptions {
  host: 'electron' | 'web';
  workspace: string;
  engineHost: EngineHost;
  /** How to run the built-in CLI in terminals where redis-cli is not installed. */
  cliHost: CliHost;
  /** New nodes get free ports from here up (6379: the seed's ports). */
  basePort?: number;
  pollIntervalMs?: number;
}

type Listener = <E extends EventName>(event: E, data: Events[E]) => void;

const LOG_LIMIT = 2000;
const OK = {} as Record<string, never>;

export class LabService {
  private topology: Topology = emptyTopology();
  private readonly runtime = new Map<string, NodeRuntime>();
  private readonly log: CommandLogEntry[] = [];
  private logSeq = 0;
  private readonly listeners = new Set<Listener>();
  private topologyFile: string | undefined;
  /** Changes to the topology run one at a time, so two quick drops never race for one port. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timeline = new Timeline();
  private readonly history = new MetricsHistory();
  private readonly replicationWatch = new ReplicationWatch(
    (host, port) => this.resolveEndpoint(host, port),
    (id) => findNode(this.topology, id)?.name ?? id,
  );
  private readonly features: LabFeature[];
  private readonly handlers: Handlers;

  private constructor(
    private readonly options: LabServiceOptions,
    private readonly engines: EngineInfo[],
    private readonly supervisor: NodeSupervisor,
    private readonly poller: MetricsPoller,
    private readonly terminals: TerminalManager,
  ) {
    terminals.on('output', (event) => this.emit('terminal.output', event));
    terminals.on('exit', (event) => this.emit('terminal.exit', event));
    supervisor.on('state', (status) => this.onProcessState(status));
    supervisor.on('removed', (id) => this.onRemoved(id));
    poller.on('metrics', (batch) => this.onMetrics(batch.nodes));
    poller.on('tick', (at, metrics) => this.onTick(at, metrics));
    this.timeline.on('event', (event) => this.emit('timeline', event));
    const context = this.context();
    this.features = [
      new FaultsFeature(context),
      new SentinelFeature(context),
      new WorkloadFeature(context),
      new ConsistencyFeature(context),
    ];
    this.handlers = this.allHandlers();
  }

  static async create(options: LabServiceOptions): Promise<LabService> {
    const engines = await detectEngines(options.engineHost);
    const supervisor = await NodeSupervisor.open({
      workspace: options.workspace,
      host: options.engineHost,
      engines,
      basePort: options.basePort,
    });
    const poller = new MetricsPoller({ intervalMs: options.pollIntervalMs ?? 1000 });
    poller.start();
    const terminals = new TerminalManager({ cliHost: options.cliHost, cwd: options.workspace });
    return new LabService(options, engines, supervisor, poller, terminals);
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async dispose(): Promise<void> {
    for (const feature of this.features) await feature.dispose().catch(() => undefined);
    this.terminals.dispose();
    await this.poller.stop();
    await this.supervisor.dispose();
    this.listeners.clear();
  }

  /** Runs one validated request (the hosts validate with the contract's schemas first). */
  handle<M extends Method>(method: M, params: ParsedParams<M>): Promise<Results[M]> {
    const handler = this.handlers[method] as Handler<M>;
    return handler(params);
  }

  /** The core's handlers and every feature's, checked to cover the whole contract. */
  private allHandlers(): Handlers {
    const merged: Partial<Handlers> = { ...this.coreHandlers };
    for (const feature of this.features) Object.assign(merged, feature.handlers);
    const missing = (Object.keys(requestSchemas) as Method[]).filter((method) => !merged[method]);
    if (missing.length) throw new Error(`No handler for ${missing.join(', ')}`);
    return merged as Handlers;
  }

  /** What features see of the lab (see feature.ts). */
  private context(): LabContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's methods are the service's own
    const lab = this;
    return {
      workspace: this.options.workspace,
      engines: this.engines,
      supervisor: this.supervisor,
      poller: this.poller,
      timeline: this.timeline,
      topology: () => lab.topology,
      setTopology: (next) => lab.setTopology(next),
      runtime: (id) => lab.runtime.get(id),
      node: (id) => lab.node(id),
      label: (id) => lab.label(id),
      address: (node) => lab.address(node),
      command: (id, args, options) => lab.command(id, args, options),
      record: (entry) => lab.record(entry),
      emit: (event, data) => lab.emit(event, data),
      serial: (work) => lab.serial(work),
      connectEdge: async (replica, master) => void (await lab.connectEdge(replica, master)),
    };
  }

  private readonly coreHandlers: Partial<Handlers> = {
    'lab.snapshot': async () => this.snapshot(),
    'node.create': (p) => this.serial(() => this.createNode(p)),
    'node.attach': (p) => this.serial(() => this.attachNode(p)),
    'node.start': (p) => this.processOperation(p.id, 'start'),
    'node.stop': (p) => this.processOperation(p.id, 'stop'),
    'node.restart': (p) => this.processOperation(p.id, p.dump === 'delete' ? 'restart-empty' : 'restart'),
    'node.kill': (p) => this.processOperation(p.id, 'kill'),
    'node.freeze': (p) => this.processOperation(p.id, 'freeze'),
    'node.thaw': (p) => this.processOperation(p.id, 'thaw'),
    'node.remove': (p) => this.serial(() => this.removeNode(p.id, p.deleteFiles)),
    'node.rename': async (p) => {
      this.node(p.id);
      this.setTopology(updateNode(this.topology, p.id, { name: p.name }));
      return OK;
    },
    'node.move': async (p) => {
      let next = this.topology;
      for (const move of p.moves)
        if (findNode(next, move.id)) next = updateNode(next, move.id, { position: move.position });
      this.setTopology(next);
      return OK;
    },
    'node.configSet': (p) => this.configSet(p.id, p.name, p.value),
    'node.configGet': async (p) => {
      const reply = await this.command(p.id, ['CONFIG', 'GET', p.pattern], { log: false });
      const values: Record<string, string> = {};
      const items = reply.type === 'array' ? reply.items : reply.type === 'map' ? reply.entries.flat() : [];
      for (let i = 0; i + 1 < items.length; i += 2) values[scalarText(items[i]!)] = scalarText(items[i + 1]!);
      return { values };
    },
    'node.info': async (p) => {
      const reply = await this.command(p.id, p.section ? ['INFO', p.section] : ['INFO'], { log: false });
      if (reply.type === 'error') throw new LabError('failed', reply.value);
      return { text: scalarText(reply).replace(/\r\n/g, '\n') };
    },
    'node.logTail': async (p) => {
      this.node(p.id);
      return { lines: await this.supervisor.logTail(p.id, p.lines) };
    },
    'node.debugSleep': async (p) => {
      this.node(p.id);
      // The reply comes when the sleep ends: the request returns now, the log shows the reply then.
      void this.command(p.id, ['DEBUG', 'SLEEP', String(p.seconds)], { timeoutMs: p.seconds * 1000 + 5000 }).catch(
        () => undefined,
      );
      this.timeline.add({
        kind: 'fault',
        nodeId: p.id,
        level: 'warning',
        title: `${this.name(p.id)} sleeps ${p.seconds} s (DEBUG SLEEP)`,
      });
      return OK;
    },
    'node.clientPause': async (p) => {
      const reply = await this.command(p.id, ['CLIENT', 'PAUSE', String(p.ms), p.mode.toUpperCase()]);
      if (reply.type === 'error') throw new LabError('failed', reply.value);
      this.timeline.add({
        kind: 'fault',
        nodeId: p.id,
        level: 'warning',
        title: `${this.name(p.id)} pauses ${p.mode === 'write' ? 'writing clients' : 'all clients'} for ${p.ms} ms (CLIENT PAUSE)`,
      });
      return OK;
    },
    'node.promote': (p) => this.serial(() => this.promote(p.id, p.moveSiblings)),
    'node.failover': (p) => this.serial(() => this.failover(p.id, p.force, p.timeoutMs)),
    'timeline.list': async () => ({ events: this.timeline.list() }),
    'timeline.clear': async () => (this.timeline.clear(), OK),
    'metrics.history': async (p) => ({ series: this.history.get(p.ids) }),
    'edge.connect': (p) => this.serial(() => this.connectEdge(p.replica, p.master)),
    'edge.disconnect': (p) => this.serial(() => this.disconnectEdge(p.replica)),
    'topology.seed': (p) => this.serial(() => this.createSeed(p.engine)),
    'topology.layout': async () => {
      this.setTopology(autoLayout(this.topology));
      return OK;
    },
    'topology.clear': () => this.serial(() => this.clear()),
    'topology.rename': async (p) => {
      this.setTopology({ ...this.topology, name: p.name });
      return OK;
    },
    'topology.toYaml': async () => ({
      yaml: topologyToYaml(this.topology),
      fileName: `${slug(this.topology.name)}.yaml`,
    }),
    'topology.fromYaml': (p) =>
      this.serial(async () => {
        await this.load(expectParsed(parseTopologyYaml(p.yaml, p.fileName)), undefined);
        return OK;
      }),
    'topology.save': async (p) => {
      const path = this.workspacePath(p.path ?? this.topologyFile ?? 'topology.yaml');
      await writeTopologyFile(path, this.topology);
      this.topologyFile = path;
      this.record({ command: `# saved the topology to ${path}`, ok: true });
      return { path };
    },
    'topology.open': (p) =>
      this.serial(async () => {
        const path = this.workspacePath(p.path);
        await this.load(expectParsed(await readTopologyFile(path)), path);
        return OK;
      }),
    'topology.exportConfigs': async (p) => {
      const dir = this.workspacePath(p.dir ?? join('export', slug(this.topology.name)));
      const files = await exportConfigFolder(this.topology, dir);
      this.record({ command: `# exported redis.conf files: cd ${dir} && ./start.sh`, ok: true });
      return { dir, files };
    },
    'topology.importConfigs': (p) =>
      this.serial(async () => {
        const dir = this.workspacePath(p.dir);
        let topology: Topology;
        try {
          topology = await importConfigFolder(dir);
        } catch (error) {
          if (error instanceof ConfigImportError) throw new LabError(error.error.code, error.message, error.error);
          throw error;
        }
        await this.load(topology, undefined);
        return { ids: topology.nodes.map((node) => node.id) };
      }),
    'terminal.open': async (p) => {
      const node = this.node(p.nodeId);
      try {
        return this.terminals.open({ id: node.id, ...this.address(node) }, p);
      } catch (error) {
        throw new LabError('refused', error instanceof Error ? error.message : String(error));
      }
    },
    'terminal.input': async (p) => (this.terminalCall(() => this.terminals.input(p.sessionId, p.data)), OK),
    'terminal.resize': async (p) => (this.terminalCall(() => this.terminals.resize(p.sessionId, p.cols, p.rows)), OK),
    'terminal.ack': async (p) => (this.terminals.ack(p.sessionId, p.chars), OK),
    'terminal.restart': async (p) => this.terminalCall(() => this.terminals.restart(p.sessionId)),
    'terminal.close': async (p) => (this.terminals.close(p.sessionId), OK),
    'terminal.list': async () => ({ sessions: this.terminals.list() }),
  };

  /** A path the user typed: absolute, `~/...`, or relative to the workspace. */
  private workspacePath(path: string): string {
    if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
    return isAbsolute(path) ? path : resolve(this.options.workspace, path);
  }

  /**
   * Replaces the lab with `topology` (already parsed and checked: a bad file never
   * gets here): stops and forgets the current nodes, then starts the new ones,
   * masters before their replicas. A node that cannot start is shown crashed with the
   * reason; the others still start.
   */
  private async load(topology: Topology, file: string | undefined): Promise<void> {
    await this.clear();
    this.setTopology(topology);
    this.topologyFile = file;
    this.timeline.add({
      kind: 'topology',
      title: `Opened "${topology.name}" (${topology.nodes.length} nodes)`,
      details: file ? { file } : undefined,
    });
    for (const node of startOrder(topology)) {
      try {
        await this.processOperation(node.id, 'start');
      } catch {
        // recorded in the command log, and the node shows crashed with its reason
      }
    }
    for (const feature of this.features) await feature.onLoad?.(topology);
  }

  private terminalCall<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw new LabError('not-found', error instanceof Error ? error.message : String(error));
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---- snapshot and events ----

  private snapshot(): LabSnapshot {
    const snapshot: LabSnapshot = {
      host: this.options.host,
      workspace: this.options.workspace,
      topology: this.topology,
      nodes: Object.fromEntries(this.runtime),
      engines: this.engines,
      log: [...this.log],
      topologyFile: this.topologyFile,
      links: {},
      timeline: this.timeline.list(SNAPSHOT_EVENTS),
      workloads: {},
      consistency: {},
      sentinels: {},
    };
    for (const feature of this.features) Object.assign(snapshot, feature.snapshot?.());
    return snapshot;
  }

  private emit<E extends EventName>(event: E, data: Events[E]): void {
    for (const listener of this.listeners) listener(event, data);
  }

  private setTopology(next: Topology): void {
    this.topology = next;
    this.emit('topology', next);
    for (const feature of this.features) feature.onTopology?.(next);
  }

  private onProcessState(status: NodeStatus): void {
    const previous = this.runtime.get(status.id);
    const runtime: NodeRuntime = { ...status, state: status.state, metrics: previous?.metrics };
    if (status.state === 'up' && previous?.metrics?.syncInProgress) runtime.state = 'syncing';
    if (status.state !== 'up') delete runtime.metrics;
    this.runtime.set(status.id, runtime);
    if (status.state === 'up') this.watch(status.id);
    else if (status.state !== 'starting') this.poller.removeTarget(status.id);
    if (status.state === 'crashed' && previous?.state !== 'crashed') {
      this.emit('notice', {
        level: 'error',
        message: `${this.label(status.id)} crashed: ${status.error ?? 'it exited'}`,
      });
    }
    if (previous?.state !== status.state) this.nodeStateEvent(status, previous);
    this.emit('nodes', { [status.id]: runtime });
    for (const feature of this.features) feature.onNodeState?.(status, previous);
  }

  /** The timeline's line for a process state change. */
  private nodeStateEvent(status: NodeStatus, previous: NodeRuntime | undefined): void {
    const name = this.name(status.id);
    const pid = status.pid ? ` (pid ${status.pid})` : '';
    switch (status.state) {
      case 'up':
        if (previous?.state === 'frozen')
          this.timeline.add({ kind: 'node', nodeId: status.id, title: `${name} thawed (SIGCONT)` });
        else if (status.engine === 'remote')
          this.timeline.add({ kind: 'node', nodeId: status.id, title: `${name} attached` });
        else this.timeline.add({ kind: 'node', nodeId: status.id, title: `${name} started${pid}` });
        break;
      case 'stopped':
        this.timeline.add({ kind: 'node', nodeId: status.id, title: `${name} stopped` });
        break;
      case 'crashed':
        this.timeline.add({
          kind: 'node',
          nodeId: status.id,
          level: 'error',
          title: status.exit?.requested
            ? `${name} was killed (kill -9)`
            : `${name} crashed: ${status.error ?? 'it exited'}`,
          details: status.exit ? { code: String(status.exit.code), signal: String(status.exit.signal) } : undefined,
        });
        break;
      case 'frozen':
        this.timeline.add({ kind: 'node', nodeId: status.id, level: 'warning', title: `${name} frozen (SIGSTOP)` });
        break;
      case 'down':
        this.timeline.add({
          kind: 'node',
          nodeId: status.id,
          level: 'warning',
          title: `${name} does not answer: ${status.error ?? ''}`,
        });
        break;
      default:
        break;
    }
  }

  /** Every poll tick: the charts' history, the timeline's role and link events, the canvas following Redis, the features. */
  private onTick(at: number, metrics: ReadonlyMap<string, NodeMetrics>): void {
    this.history.record(at, metrics);
    const outcome = this.replicationWatch.observe(metrics, this.topology);
    for (const event of outcome.events) this.timeline.add(event);
    for (const rewire of outcome.rewires) void this.serial(() => this.follow(rewire)).catch(() => undefined);
    for (const feature of this.features) feature.onTick?.(at, metrics);
  }

  /**
   * Redis's wiring differs from the canvas's (a REPLICAOF from a terminal, Sentinel, FAILOVER):
   * the canvas follows Redis, where the topology's rules allow it.
   */
  private async follow(rewire: Rewire): Promise<void> {
    if (!findNode(this.topology, rewire.node)) return;
    if (rewire.master !== undefined && !findNode(this.topology, rewire.master)) return;
    const drawn = masterOf(this.topology, rewire.node);
    if (drawn === rewire.master) return;
    if (rewire.master === undefined) {
      this.setTopology(disconnect(this.topology, rewire.node));
      this.updateSpec(rewire.node, undefined);
    } else {
      const withoutOld = drawn === undefined ? this.topology : disconnect(this.topology, rewire.node);
      if (checkNewEdge(withoutOld, { replica: rewire.node, master: rewire.master })) return;
      this.setTopology(connect(withoutOld, { replica: rewire.node, master: rewire.master }));
      const master = this.node(rewire.master);
      this.updateSpec(rewire.node, { host: master.host, port: master.port });
    }
    this.timeline.add({
      kind: 'topology',
      nodeId: rewire.node,
      title:
        rewire.master === undefined
          ? `The canvas follows Redis: ${this.name(rewire.node)} is a master now`
          : `The canvas follows Redis: ${this.name(rewire.node)} replicates from ${this.name(rewire.master)}`,
    });
  }

  /** The lab node a `host:port` stands for: a feature's (a proxy) or a node's own address. */
  private resolveEndpoint(host: string, port: number): string | undefined {
    for (const feature of this.features) {
      const id = feature.resolveEndpoint?.(host, port);
      if (id !== undefined) return id;
    }
    const local = (h: string) => (h === 'localhost' || h === '::1' ? '127.0.0.1' : h);
    return this.topology.nodes.find((node) => node.port === port && local(node.host) === local(host))?.id;
  }

  /** Where `replicaId` connects to reach `master`: through a feature's proxy, or straight. */
  private endpointFor(replicaId: string, master: TopologyNode): Endpoint {
    for (const feature of this.features) {
      const endpoint = feature.replicationEndpoint?.(replicaId, master);
      if (endpoint) return endpoint;
    }
    return { host: master.host, port: master.port };
  }

  private name(id: string): string {
    return findNode(this.topology, id)?.name ?? id;
  }

  private onRemoved(id: string): void {
    this.runtime.delete(id);
    this.poller.removeTarget(id);
    this.replicationWatch.forget(id);
    this.history.forget(id);
    this.emit('nodes', { [id]: null });
  }

  private onMetrics(batch: NodeMetrics[]): void {
    const metrics: Record<string, NodeMetrics> = {};
    const states: Record<string, NodeRuntime> = {};
    for (const sample of batch) {
      const runtime = this.runtime.get(sample.id);
      if (!runtime) continue;
      runtime.metrics = sample;
      metrics[sample.id] = sample;
      const state =
        runtime.state === 'up' && sample.syncInProgress
          ? 'syncing'
          : runtime.state === 'syncing' && !sample.syncInProgress
            ? 'up'
            : runtime.state;
      if (state !== runtime.state) {
        runtime.state = state;
        states[sample.id] = runtime;
      }
    }
    if (Object.keys(metrics).length) this.emit('metrics', metrics);
    if (Object.keys(states).length) this.emit('nodes', states);
  }

  private watch(id: string): void {
    const node = findNode(this.topology, id);
    if (node) this.poller.setTarget({ id, ...this.address(node) });
  }

  private record(entry: Omit<CommandLogEntry, 'seq' | 'at'>): void {
    const full: CommandLogEntry = { seq: ++this.logSeq, at: Date.now(), ...entry };
    this.log.push(full);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
    this.emit('log', full);
  }

  // ---- nodes ----

  private node(id: string): TopologyNode {
    const node = findNode(this.topology, id);
    if (!node) throw new LabError('not-found', `There is no node "${id}" in this lab.`);
    return node;
  }

  private label(id: string): string {
    const node = findNode(this.topology, id);
    return node ? `${node.name} (${node.host}:${node.port})` : id;
  }

  private address(node: TopologyNode): NodeAddress {
    return { host: node.host, port: node.port, username: node.auth?.username, password: node.auth?.password };
  }

  private engineOf(kind: EngineKind): EngineInfo {
    const engine = this.engines.find((candidate) => candidate.kind === kind);
    if (!engine?.available) {
      throw new LabError(
        'refused',
        `The ${kind} engine is not available on this machine: ${engine?.description ?? 'not found'}.`,
      );
    }
    return engine;
  }

  /** The line a user would type to start this node by hand, from the workspace folder. */
  private startLine(node: TopologyNode): string {
    const executable = node.engine === 'builtin' ? 'replica-lab-server' : node.engine;
    const conf = relative(this.options.workspace, nodePaths(this.options.workspace, node.port).conf);
    return `${executable} ./${conf}`;
  }

  private async createNode(params: ParsedParams<'node.create'>): Promise<Results['node.create']> {
    this.engineOf(params.engine);
    let master: TopologyNode | undefined;
    if (params.role === 'replica') {
      if (!params.masterId) throw new LabError('invalid', 'A replica needs a master: drop it onto a master node.');
      master = this.node(params.masterId);
    }
    const status = await this.startNode({
      engine: params.engine,
      port: params.port,
      name: params.name,
      position: params.position,
      master,
    });
    return { id: status.id };
  }

  private async startNode(request: {
    engine: Exclude<EngineKind, 'remote'>;
    port?: number;
    name?: string;
    position?: { x: number; y: number };
    master?: TopologyNode;
    settings?: Record<string, string>;
  }): Promise<NodeStatus> {
    const id = this.freshId(request.port);
    const spec: NodeSpec = {
      id,
      engine: request.engine,
      port: request.port,
      settings: request.settings ?? {},
      replicaOf: request.master ? { host: request.master.host, port: request.master.port } : undefined,
    };
    const status = await this.supervisor.start(spec).catch((error: unknown) => {
      this.record({
        command: `${request.engine === 'builtin' ? 'replica-lab-server' : request.engine} (port ${request.port ?? 'auto'})`,
        ok: false,
        result: toApiError(error).message,
      });
      throw error;
    });
    const node: TopologyNode = {
      id,
      name: request.name ?? `redis_${status.port}`,
      engine: request.engine,
      host: '127.0.0.1',
      port: status.port,
      position: request.position ?? this.freePosition(request.master),
      settings: request.settings ?? {},
    };
    let next = addNode(this.topology, node);
    if (request.master) next = connect(next, { replica: id, master: request.master.id });
    this.setTopology(next);
    this.record({
      nodeId: id,
      command: this.startLine(node),
      ok: true,
      result: request.master
        ? `replicaof ${request.master.host} ${request.master.port} (in the config file)`
        : undefined,
    });
    this.onProcessState(this.supervisor.status(id) ?? status);
    return status;
  }

  private freshId(port: number | undefined): string {
    const base = port ? `node-${port}` : 'node';
    for (let n = 1; ; n++) {
      const id = n === 1 && port ? base : `${base}-${n}`;
      if (!findNode(this.topology, id) && !this.supervisor.status(id)) return id;
    }
  }

  /** Below its master (beside its siblings), or to the right of everything. */
  private freePosition(master?: TopologyNode): { x: number; y: number } {
    if (master) {
      const siblings = replicasOf(this.topology, master.id).length;
      return { x: master.position.x + (siblings - 0.5) * 260, y: master.position.y + 200 };
    }
    const right = Math.max(-180, ...this.topology.nodes.map((node) => node.position.x));
    return { x: right + 260, y: 60 };
  }

  private async attachNode(params: ParsedParams<'node.attach'>): Promise<Results['node.attach']> {
    const id = this.freshId(params.port);
    const node: TopologyNode = {
      id,
      name: params.name ?? `${params.host}:${params.port}`,
      engine: 'remote',
      host: params.host,
      port: params.port,
      position: params.position ?? this.freePosition(),
      settings: {},
      auth: params.auth,
    };
    addNode(this.topology, node); // the rules first: nothing is attached when they refuse
    const status = await this.supervisor.start({
      id,
      engine: 'remote',
      host: params.host,
      port: params.port,
      username: params.auth?.username,
      password: params.auth?.password,
    });
    this.setTopology(addNode(this.topology, node));
    this.record({
      nodeId: id,
      command: cliLine(this.address(node), ['PING']),
      ok: status.state === 'up',
      result: status.state === 'up' ? 'PONG' : status.error,
    });
    this.onProcessState(this.supervisor.status(id) ?? status);
    return { id };
  }

  private async processOperation(
    id: string,
    operation: 'start' | 'stop' | 'restart' | 'restart-empty' | 'kill' | 'freeze' | 'thaw',
  ): Promise<Record<string, never>> {
    const node = this.node(id);
    const pid = this.runtime.get(id)?.pid;
    const line = {
      start: this.startLine(node),
      stop: cliLine(this.address(node), ['SHUTDOWN']),
      restart: `${cliLine(this.address(node), ['SHUTDOWN'])} && ${this.startLine(node)}`,
      'restart-empty': `${cliLine(this.address(node), ['SHUTDOWN'])} && rm ${relative(this.options.workspace, nodePaths(this.options.workspace, node.port).rdb)} && ${this.startLine(node)}`,
      kill: `kill -9 ${pid ?? '<pid>'}`,
      freeze: `kill -STOP ${pid ?? '<pid>'}`,
      thaw: `kill -CONT ${pid ?? '<pid>'}`,
    }[operation];
    try {
      if (operation === 'restart' || operation === 'restart-empty') await this.keepLiveWiring(node);
      const status =
        operation === 'start'
          ? await this.startExisting(node)
          : operation === 'restart-empty'
            ? await this.supervisor.restart(id, { deleteDump: true })
            : await this.supervisor[operation](id);
      this.record({
        nodeId: id,
        command: line,
        ok: true,
        result: status.pid && operation !== 'stop' && operation !== 'kill' ? `pid ${status.pid}` : undefined,
      });
      if (operation === 'restart' || operation === 'restart-empty') {
        this.timeline.add({
          kind: 'node',
          nodeId: id,
          title: `${node.name} restarted ${operation === 'restart' ? 'with its dump file' : 'without its dump file (empty)'}`,
        });
      }
    } catch (error) {
      this.record({ nodeId: id, command: line, ok: false, result: toApiError(error).message });
      throw error;
    }
    return OK;
  }

  /** Starts a node the topology has: again if the supervisor knows it, from the topology if not (an opened file). */
  private startExisting(node: TopologyNode): Promise<NodeStatus> {
    if (node.engine === 'remote' || !this.supervisor.status(node.id)) return this.supervisor.start(this.specOf(node));
    return this.supervisor.restart(node.id);
  }

  /**
   * Before a restart, the node's redis.conf takes the wiring the running server has
   * now (INFO replication), not what the lab last wrote: a FAILOVER, Sentinel or a
   * REPLICAOF typed in a terminal may have re-pointed it a moment ago, before the
   * canvas followed. A node that does not answer keeps what the lab knows.
   */
  private async keepLiveWiring(node: TopologyNode): Promise<void> {
    if (node.engine === 'remote' || !this.supervisor.status(node.id)) return;
    const reply = await sendNodeCommand(this.address(node), ['INFO', 'replication'], 1000).catch(() => undefined);
    const info = reply ? infoFields(scalarText(reply)) : undefined;
    const role = info?.get('role');
    if (role === 'master') this.updateSpec(node.id, undefined);
    else if (role === 'slave' && info?.get('master_host') && Number(info.get('master_port')) > 0)
      this.updateSpec(node.id, { host: info.get('master_host')!, port: Number(info.get('master_port')) });
  }

  /** What the supervisor needs to run a node of the topology. */
  private specOf(node: TopologyNode): NodeSpec {
    const masterId = masterOf(this.topology, node.id);
    const master = masterId === undefined ? undefined : findNode(this.topology, masterId);
    return {
      id: node.id,
      engine: node.engine,
      host: node.engine === 'remote' ? node.host : undefined,
      port: node.port,
      username: node.auth?.username,
      password: node.auth?.password,
      settings: node.settings,
      replicaOf: master ? this.endpointFor(node.id, master) : undefined,
    };
  }

  private async removeNode(id: string, deleteFiles: boolean): Promise<Record<string, never>> {
    const node = this.node(id);
    for (const feature of this.features) await feature.onNodeRemoved?.(id);
    // Its replicas keep their data and become masters, as they would in Redis when
    // their master goes away for good: say so with REPLICAOF NO ONE.
    for (const replica of replicasOf(this.topology, id)) await this.disconnectEdge(replica);
    if (masterOf(this.topology, id) !== undefined) this.setTopology(disconnect(this.topology, id));
    await this.supervisor.remove(id, { deleteFolder: deleteFiles });
    this.terminals.closeForNode(id);
    this.setTopology(removeNode(this.topology, id));
    if (node.engine !== 'remote') {
      this.record({
        nodeId: id,
        command: cliLine(this.address(node), ['SHUTDOWN']),
        ok: true,
        result: deleteFiles ? 'folder deleted' : undefined,
      });
    }
    return OK;
  }

  private async clear(): Promise<Record<string, never>> {
    for (const feature of this.features) await feature.onClear?.();
    for (const node of [...this.topology.nodes]) {
      this.terminals.closeForNode(node.id);
      await this.supervisor.remove(node.id).catch(() => undefined);
    }
    this.setTopology({ ...emptyTopology(this.topology.name) });
    return OK;
  }

  // ---- replication ----

  /** Sends a command to a node, logging it as its redis-cli line unless told not to. */
  private async command(
    id: string,
    args: string[],
    options: { log?: boolean; timeoutMs?: number } = {},
  ): Promise<RespValue> {
    const node = this.node(id);
    const line = cliLine(this.address(node), args);
    let reply: RespValue;
    try {
      reply = await sendNodeCommand(this.address(node), args, options.timeoutMs);
    } catch (error) {
      const message = `${this.label(id)} did not answer: ${error instanceof Error ? error.message : String(error)}`;
      if (options.log !== false) this.record({ nodeId: id, command: line, ok: false, result: message });
      throw new LabError('failed', message);
    }
    if (options.log !== false)
      this.record({ nodeId: id, command: line, ok: reply.type !== 'error', result: replyLine(reply) });
    return reply;
  }

  private async connectEdge(replicaId: string, masterId: string): Promise<Record<string, never>> {
    const problem = checkNewEdge(this.topology, { replica: replicaId, master: masterId });
    if (problem) throw new TopologyRuleError(problem);
    const master = this.node(masterId);
    const endpoint = this.endpointFor(replicaId, master);
    const reply = await this.command(replicaId, ['REPLICAOF', endpoint.host, String(endpoint.port)]);
    if (reply.type === 'error')
      throw new LabError('failed', `${this.label(replicaId)} refused REPLICAOF: ${reply.value}`);
    this.updateSpec(replicaId, endpoint);
    this.setTopology(connect(this.topology, { replica: replicaId, master: masterId }));
    return OK;
  }

  private async disconnectEdge(replicaId: string): Promise<Record<string, never>> {
    this.node(replicaId);
    if (masterOf(this.topology, replicaId) === undefined) return OK;
    const running = this.runtime.get(replicaId)?.state;
    if (running === 'up' || running === 'syncing') {
      const reply = await this.command(replicaId, ['REPLICAOF', 'NO', 'ONE']);
      if (reply.type === 'error')
        throw new LabError('failed', `${this.label(replicaId)} refused REPLICAOF NO ONE: ${reply.value}`);
    }
    this.updateSpec(replicaId, undefined);
    this.setTopology(disconnect(this.topology, replicaId));
    return OK;
  }

  /** What the node's redis.conf says at its next start follows the live wiring. */
  private updateSpec(id: string, replicaOf: { host: string; port: number } | undefined): void {
    if (this.supervisor.status(id) && this.node(id).engine !== 'remote') this.supervisor.updateSpec(id, { replicaOf });
  }

  private async configSet(id: string, name: string, value: string): Promise<Results['node.configSet']> {
    // port, dir, replicaof ... are the lab's to set: changing them behind its back would
    // move the node away from what the canvas and its folder say.
    const managed = checkSettings({ [name]: value });
    if (managed) throw new LabError('refused', managed);
    const reply = await this.command(id, ['CONFIG', 'SET', name, value]);
    if (reply.type === 'error') throw new LabError('failed', reply.value);
    const node = this.node(id);
    const settings = { ...node.settings, [name]: value };
    this.setTopology(updateNode(this.topology, id, { settings }));
    if (node.engine !== 'remote') this.supervisor.updateSpec(id, { settings });
    return { reply: replyLine(reply) };
  }

  // ---- failover ----

  /** REPLICAOF NO ONE on the replica, then its former siblings re-pointed to it. */
  private async promote(id: string, moveSiblings: boolean): Promise<Record<string, never>> {
    const oldMaster = masterOf(this.topology, id);
    if (oldMaster === undefined) throw new LabError('refused', `${this.label(id)} is already a master.`);
    const siblings = replicasOf(this.topology, oldMaster).filter((replica) => replica !== id);
    await this.disconnectEdge(id);
    this.timeline.add({
      kind: 'failover',
      nodeId: id,
      title: `${this.name(id)} promoted to master (REPLICAOF NO ONE); it was a replica of ${this.name(oldMaster)}`,
    });
    if (moveSiblings) {
      for (const sibling of siblings) {
        const state = this.runtime.get(sibling)?.state;
        if (state === 'up' || state === 'syncing') await this.connectEdge(sibling, id);
      }
    }
    return OK;
  }

  /** FAILOVER TO <replica> on its master: Redis swaps the roles itself, the canvas follows what INFO then shows. */
  private async failover(id: string, force: boolean, timeoutMs: number | undefined): Promise<Results['node.failover']> {
    const masterId = masterOf(this.topology, id);
    if (masterId === undefined)
      throw new LabError(
        'refused',
        `${this.label(id)} is a master: FAILOVER moves a master's role to one of its replicas.`,
      );
    const replica = this.node(id);
    const args = ['FAILOVER', 'TO', replica.host, String(replica.port)];
    if (timeoutMs !== undefined || force) args.push('TIMEOUT', String(timeoutMs ?? 5000));
    if (force) args.push('FORCE');
    const reply = await this.command(masterId, args);
    if (reply.type === 'error')
      throw new LabError('failed', `${this.label(masterId)} refused FAILOVER: ${reply.value}`);
    this.timeline.add({
      kind: 'failover',
      nodeId: masterId,
      edge: { replica: id, master: masterId },
      title: `FAILOVER: ${this.name(masterId)} hands its role to ${this.name(id)}`,
    });
    return { reply: replyLine(reply) };
  }

  // ---- whole topologies ----

  /** The seed walkthrough: a master on 6379 (or the base port), replicas on the next two. */
  private async createSeed(engine: Exclude<EngineKind, 'remote'>): Promise<Results['topology.seed']> {
    this.engineOf(engine);
    // Ports come from the base port up (6379, 6380, 6381 on a machine where they are free).
    const master = await this.startNode({ engine, position: { x: 340, y: 60 } });
    const masterNode = this.node(master.id);
    const ids = [master.id];
    for (const index of [0, 1]) {
      const replica = await this.startNode({
        engine,
        master: masterNode,
        position: { x: 340 + (index === 0 ? -170 : 170), y: 280 },
      });
      ids.push(replica.id);
    }
    return { ids };
  }
}

/** The topology a file held, or the error (with its line and field) as the request's failure. */
function expectParsed(result: TopologyParseResult): Topology {
  if (result.ok) return result.topology;
  throw new LabError(result.error.code, result.error.message, { line: result.error.line, field: result.error.field });
}

/** A file or folder name from a topology's name. */
function slug(name: string): string {
  return (
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'topology'
  );
}
