/**
 * An in-memory lab for development without a host (vite dev) and for component
 * tests: the same contract, no processes. It follows the topology rules the real
 * lab enforces (no self-replication, no cycles), writes the redis-cli lines the
 * real lab would, and ticks metrics once a second so cards and edges move.
 */
import type { ApiError, EventName, Events, Method, Params, Results } from '@api/contract';
import type { CommandLogEntry, EngineInfo, LabSnapshot, NodeMetrics, NodeRuntime, TerminalInfo } from '@api/runtime';
import type { EngineKind, Topology, TopologyNode } from '@api/topology';
import { EventHub, LabRequestError, type LabConnection } from './transport';
import { FakeObserve } from './fake-observe';
import { FakeExperiments } from './fake-experiments';

const ENGINES: EngineInfo[] = [
  {
    kind: 'builtin',
    available: true,
    version: '7.0.15',
    description: 'built-in engine 7.0.15 (replica-lab-server)',
    managesProcess: true,
  },
  {
    kind: 'redis-server',
    available: true,
    version: '7.0.15',
    executable: '/usr/bin/redis-server',
    description: 'redis-server 7.0.15 at /usr/bin/redis-server',
    managesProcess: true,
  },
  { kind: 'valkey-server', available: false, description: 'valkey-server: not found on PATH', managesProcess: true },
  { kind: 'remote', available: true, description: 'remote servers (attach host:port)', managesProcess: false },
];

interface FakeNodeState {
  offset: number;
  keys: number;
  replid: string;
  pid: number;
}

const OK = {} as Record<string, never>;

function fail(code: ApiError['code'], message: string): never {
  throw new LabRequestError({ code, message });
}

function replid(seed: number): string {
  let text = '';
  let value = seed >>> 0 || 1;
  while (text.length < 40) {
    value = (Math.imul(value, 1103515245) + 12345) >>> 0;
    text += ((value >>> 16) % 16).toString(16);
  }
  return text;
}

export interface FakeLabOptions {
  /** Milliseconds between metric ticks; 0 turns the ticker off (tests tick by hand). */
  tickMs?: number;
  /** Simulated latency of every request. */
  latencyMs?: number;
  topology?: Topology;
  /** Starts with this many nodes (masters with four replicas each): for frame-time measurements. */
  nodes?: number;
}

export class FakeLab implements LabConnection {
  readonly host = 'fake' as const;
  readonly state = 'open' as const;
  private readonly hub = new EventHub();
  private topology: Topology;
  private readonly runtime = new Map<string, NodeRuntime>();
  private readonly sim = new Map<string, FakeNodeState>();
  private readonly log: CommandLogEntry[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private pidSeq = 41000;
  private readonly terminals = new Map<string, { info: TerminalInfo; line: string }>();
  private readonly data = new Map<string, Map<string, string>>();
  private terminalSeq = 0;
  /**
   * Replicas that lag and count the commands they apply, for the charts. The hundred-node
   * lab (`?demo=100`, the renderer bench) keeps them in step as before, so its frame
   * times compare the UI and not extra demo churn.
   */
  private get lively(): boolean {
    return !this.options.nodes;
  }
  /** The timeline, metrics history, consistency and diffs (fake-observe.ts). */
  readonly observe = new FakeObserve({
    topology: () => this.topology,
    state: (id) => this.runtime.get(id)?.state,
    offset: (id) => this.sim.get(id)?.offset ?? 0,
    keys: (id) => this.sim.get(id)?.keys ?? 0,
    emit: (event, data) => this.hub.emit(event, data),
    on: (event, listener) => this.hub.on(event, listener),
  });
  /** Link faults, failover, Sentinels and workloads (fake-experiments.ts). */
  readonly experiments = new FakeExperiments({
    topology: () => this.topology,
    emitTopology: () => this.emitTopology(),
    node: (id) => this.node(id),
    server: (id) => this.sim.get(id),
    state: (id) => this.runtime.get(id)?.state,
    setState: (id, state, line) => void this.setState(id, state, line),
    cli: (id) => this.cli(id),
    startLine: (id) => this.startLine(id),
    record: (nodeId, command, ok, result) => this.record(nodeId, command, ok, result),
    emit: (event, data) => this.hub.emit(event, data),
    timeline: (event) => void this.observe.add(event),
  });

  constructor(private readonly options: FakeLabOptions = {}) {
    this.topology = options.topology ?? { version: 1, name: 'Untitled lab', nodes: [], edges: [], sentinels: [] };
    for (const node of this.topology.nodes) this.boot(node);
    if (options.nodes) this.populate(options.nodes);
    this.observe.start();
    if ((options.tickMs ?? 1000) > 0) this.timer = setInterval(() => this.tick(), options.tickMs ?? 1000);
  }

  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void {
    return this.hub.on(event, listener);
  }

  onConnection(): () => void {
    return () => undefined;
  }

  close(): void {
    clearInterval(this.timer);
  }

  async request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    const handler = this.handlers[method] as unknown as ((p: Params<M>) => Results[M]) | undefined;
    if (!handler) fail('failed', `${method} is not available in the demo lab.`);
    // Results are plain data: hand out copies, as a real host would after JSON.
    return structuredClone(handler(params));
  }

  private readonly handlers: { [M in Method]?: (params: Params<M>) => Results[M] } = {
    'lab.snapshot': () => this.snapshot(),
    'node.create': (p) => {
      const master = p.masterId ? this.node(p.masterId) : undefined;
      if (p.role === 'replica' && !master) fail('invalid', 'A replica needs a master: drop it onto a master node.');
      const node = this.addNode(p.engine ?? 'builtin', p.position, p.name, p.port);
      if (master) this.topology.edges.push({ replica: node.id, master: master.id });
      this.emitTopology();
      const conf = `config/redis_${node.port}.conf`;
      this.record(node.id, `${node.engine === 'builtin' ? 'replica-lab-server' : node.engine} ./${conf}`, true);
      return { id: node.id };
    },
    'node.attach': (p) => {
      const node: TopologyNode = {
        id: this.freshId(p.port),
        name: p.name ?? `${p.host}:${p.port}`,
        engine: 'remote',
        host: p.host,
        port: p.port,
        position: p.position ?? this.freePosition(),
        settings: {},
      };
      this.topology.nodes.push(node);
      this.boot(node);
      this.emitTopology();
      this.record(node.id, `redis-cli -h ${p.host} -p ${p.port} PING`, true, 'PONG');
      return { id: node.id };
    },
    'node.start': (p) => this.setState(p.id, 'up', this.startLine(p.id)),
    'node.stop': (p) => this.setState(p.id, 'stopped', `${this.cli(p.id)} SHUTDOWN`),
    'node.restart': (p) => this.setState(p.id, 'up', `${this.cli(p.id)} SHUTDOWN && ${this.startLine(p.id)}`),
    'node.kill': (p) => this.setState(p.id, 'crashed', `kill -9 ${this.sim.get(p.id)?.pid ?? '<pid>'}`),
    'node.freeze': (p) => this.setState(p.id, 'frozen', `kill -STOP ${this.sim.get(p.id)?.pid ?? '<pid>'}`),
    'node.thaw': (p) => this.setState(p.id, 'up', `kill -CONT ${this.sim.get(p.id)?.pid ?? '<pid>'}`),
    'node.remove': (p) => {
      const line = `${this.cli(p.id)} SHUTDOWN`;
      for (const edge of this.topology.edges.filter((e) => e.master === p.id))
        this.record(edge.replica, `${this.cli(edge.replica)} REPLICAOF NO ONE`, true, 'OK');
      this.topology.nodes = this.topology.nodes.filter((n) => n.id !== p.id);
      this.topology.edges = this.topology.edges.filter((e) => e.master !== p.id && e.replica !== p.id);
      this.runtime.delete(p.id);
      this.sim.delete(p.id);
      this.emitTopology();
      this.hub.emit('nodes', { [p.id]: null });
      this.record(p.id, line, true);
      return OK;
    },
    'node.rename': (p) => {
      this.node(p.id).name = p.name;
      this.emitTopology();
      return OK;
    },
    'node.move': (p) => {
      for (const move of p.moves) {
        const node = this.topology.nodes.find((n) => n.id === move.id);
        if (node) node.position = { ...move.position };
      }
      this.emitTopology();
      return OK;
    },
    'node.configSet': (p) => {
      const node = this.node(p.id);
      node.settings[p.name] = p.value;
      this.emitTopology();
      this.record(p.id, `${this.cli(p.id)} CONFIG SET ${p.name} ${p.value}`, true, 'OK');
      return { reply: 'OK' };
    },
    'node.configGet': (p) => {
      const defaults: Record<string, string> = {
        'replica-read-only': 'yes',
        'replica-serve-stale-data': 'yes',
        'repl-backlog-size': '1048576',
        'repl-diskless-sync': 'yes',
        'repl-diskless-sync-delay': '5',
        'min-replicas-to-write': '0',
        'min-replicas-max-lag': '10',
        'replica-priority': '100',
        'repl-timeout': '60',
      };
      return { values: { ...defaults, ...this.node(p.id).settings } };
    },
    'node.info': (p) => ({ text: this.metricsOf(p.id).replicationInfo }),
    'node.logTail': (p) => {
      const node = this.node(p.id);
      const pid = this.sim.get(p.id)?.pid ?? 0;
      const lines = [
        `${pid}:C 24 Nov 2026 16:40:01.123 * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo`,
        `${pid}:M 24 Nov 2026 16:40:01.125 * Running mode=standalone, port=${node.port}.`,
        `${pid}:M 24 Nov 2026 16:40:01.126 * Ready to accept connections`,
      ];
      const master = this.masterOf(p.id);
      if (master) {
        lines.push(
          `${pid}:S 24 Nov 2026 16:40:01.130 * Connecting to MASTER ${master.host}:${master.port}`,
          `${pid}:S 24 Nov 2026 16:40:01.131 * MASTER <-> REPLICA sync started`,
          `${pid}:S 24 Nov 2026 16:40:01.140 * MASTER <-> REPLICA sync: Finished with success`,
        );
      }
      return { lines: lines.slice(-(p.lines ?? 200)) };
    },
    'edge.connect': (p) => {
      this.checkEdge(p.replica, p.master);
      const master = this.node(p.master);
      this.topology.edges = this.topology.edges.filter((e) => e.replica !== p.replica);
      this.topology.edges.push({ replica: p.replica, master: p.master });
      this.emitTopology();
      this.record(p.replica, `${this.cli(p.replica)} REPLICAOF ${master.host} ${master.port}`, true, 'OK');
      return OK;
    },
    'edge.disconnect': (p) => {
      this.topology.edges = this.topology.edges.filter((e) => e.replica !== p.replica);
      this.emitTopology();
      this.record(p.replica, `${this.cli(p.replica)} REPLICAOF NO ONE`, true, 'OK');
      return OK;
    },
    'topology.seed': (p) => {
      const engine = p.engine ?? 'builtin';
      const master = this.addNode(engine, { x: 340, y: 60 });
      const ids = [master.id];
      for (const x of [170, 510]) {
        const replica = this.addNode(engine, { x, y: 280 });
        this.topology.edges.push({ replica: replica.id, master: master.id });
        ids.push(replica.id);
      }
      this.emitTopology();
      for (const id of ids) this.record(id, this.startLine(id), true);
      return { ids };
    },
    'topology.layout': () => {
      let column = 0;
      const place = (id: string, depth: number): number => {
        const children = this.topology.edges.filter((e) => e.master === id).map((e) => e.replica);
        const columns = children.map((child) => place(child, depth + 1));
        const at = columns.length ? (columns[0]! + columns[columns.length - 1]!) / 2 : column++;
        this.node(id).position = { x: 80 + at * 260, y: 60 + depth * 200 };
        return at;
      };
      for (const node of this.topology.nodes) if (!this.masterOf(node.id)) place(node.id, 0);
      this.emitTopology();
      return OK;
    },
    'topology.clear': () => {
      for (const id of this.runtime.keys()) this.hub.emit('nodes', { [id]: null });
      this.runtime.clear();
      this.sim.clear();
      this.topology = { ...this.topology, nodes: [], edges: [], sentinels: [] };
      this.emitTopology();
      return OK;
    },
    'topology.rename': (p) => {
      this.topology.name = p.name;
      this.emitTopology();
      return OK;
    },
    'topology.toYaml': () => ({ yaml: this.toYaml(), fileName: 'replica-lab.yaml' }),
    'topology.fromYaml': () =>
      fail('failed', 'Opening a topology needs the lab host (the demo lab cannot parse YAML).'),
    'topology.save': (p) => ({ path: p.path ?? '/home/user/.replica-lab/replica-lab.yaml' }),
    'topology.exportConfigs': () => ({
      dir: '/home/user/.replica-lab/export',
      files: [...this.topology.nodes.map((n) => `redis_${n.port}.conf`), 'start.sh', 'docker-compose.yml'],
    }),
    'topology.importConfigs': () => fail('failed', 'Importing a folder needs the lab host.'),
    'terminal.open': (p) => {
      const node = this.node(p.nodeId);
      const commandLine = this.cli(node.id);
      const info: TerminalInfo = {
        sessionId: `term-${++this.terminalSeq}`,
        nodeId: node.id,
        cli: 'builtin',
        cliDescription: 'demo redis-cli (a few commands)',
        commandLine,
        title: commandLine,
        cols: p.cols ?? 80,
        rows: p.rows ?? 24,
        running: true,
      };
      this.terminals.set(info.sessionId, { info, line: '' });
      setTimeout(() => this.output(info.sessionId, this.prompt(node)), 0);
      return info;
    },
    'terminal.input': (p) => {
      const session = this.terminals.get(p.sessionId);
      if (!session) fail('not-found', `There is no terminal session "${p.sessionId}".`);
      for (const char of p.data) this.key(p.sessionId, char);
      return OK;
    },
    'terminal.resize': () => OK,
    'terminal.ack': () => OK,
    'terminal.restart': (p) => {
      const session = this.terminals.get(p.sessionId);
      if (!session) fail('not-found', `There is no terminal session "${p.sessionId}".`);
      return session.info;
    },
    'terminal.close': (p) => {
      this.terminals.delete(p.sessionId);
      return OK;
    },
    'terminal.list': () => ({ sessions: [] }),
    ...this.observe.handlers,
    ...this.experiments.handlers,
  };

  // ---- a tiny redis-cli for the demo terminals ----

  private prompt(node: TopologyNode): string {
    return `${node.host}:${node.port}> `;
  }

  private output(sessionId: string, data: string): void {
    this.hub.emit('terminal.output', { sessionId, data });
  }

  private key(sessionId: string, char: string): void {
    const session = this.terminals.get(sessionId);
    if (!session) return;
    if (char === '\r') {
      const reply = this.run(session.info.nodeId, session.line.trim());
      session.line = '';
      const node = this.topology.nodes.find((n) => n.id === session.info.nodeId);
      this.output(sessionId, `\r\n${reply ? reply + '\r\n' : ''}${node ? this.prompt(node) : ''}`);
    } else if (char === '\x7f') {
      if (session.line) {
        session.line = session.line.slice(0, -1);
        this.output(sessionId, '\b \b');
      }
    } else if (char >= ' ') {
      session.line += char;
      this.output(sessionId, char);
    }
  }

  private run(nodeId: string, line: string): string {
    if (!line) return '';
    const [name = '', ...args] = line.split(/\s+/);
    const origin = this.rootOf(nodeId);
    const keys = this.data.get(origin) ?? new Map<string, string>();
    this.data.set(origin, keys);
    switch (name.toLowerCase()) {
      case 'ping':
        return 'PONG';
      case 'info':
        return this.metricsOf(nodeId).replicationInfo.trimEnd().replace(/\n/g, '\r\n');
      case 'set':
        if (this.masterOf(nodeId)) return "(error) READONLY You can't write against a read only replica.";
        if (args.length < 2) return "(error) ERR wrong number of arguments for 'set' command";
        keys.set(args[0]!, args[1]!);
        return 'OK';
      case 'get':
        return keys.has(args[0] ?? '') ? `"${keys.get(args[0] ?? '')}"` : '(nil)';
      default:
        return `(error) ERR unknown command '${name}' (the demo terminal knows PING, INFO, SET and GET)`;
    }
  }

  /** The master at the top of a node's chain: where its data comes from. */
  private rootOf(id: string): string {
    let current = id;
    for (let master = this.masterOf(current); master; master = this.masterOf(current)) current = master.id;
    return current;
  }

  // ---- simulation ----

  /** Groups of a master and four replicas, five groups to a row. */
  private populate(count: number): void {
    let master: TopologyNode | undefined;
    for (let i = 0; i < count; i++) {
      const group = Math.floor(i / 5);
      const left = 80 + (group % 5) * 4 * 260;
      const top = 60 + Math.floor(group / 5) * 440;
      if (i % 5 === 0) {
        master = this.addNode('builtin', { x: left + 1.5 * 260, y: top });
        continue;
      }
      const replica = this.addNode('builtin', { x: left + ((i % 5) - 1) * 260, y: top + 200 });
      if (master) this.topology.edges.push({ replica: replica.id, master: master.id });
    }
  }

  /** Advances every running node by one poll: masters take writes, replicas follow. */
  tick(): void {
    const metrics: Record<string, NodeMetrics> = {};
    this.experiments.beforeTick(Date.now());
    for (const node of this.topology.nodes) {
      const sim = this.sim.get(node.id);
      const state = this.runtime.get(node.id)?.state;
      if (!sim || (state !== 'up' && state !== 'syncing')) continue;
      if (!this.masterOf(node.id)) {
        const writes = Math.round(Math.random() * 40);
        sim.offset += writes * 37;
        sim.keys += Math.round(writes / 4);
      }
    }
    for (const node of this.topology.nodes) {
      const master = this.masterOf(node.id);
      const sim = this.sim.get(node.id);
      const masterSim = master ? this.sim.get(master.id) : undefined;
      if (sim && masterSim && this.linkUp(node.id)) {
        // Replicas trail now and then by a few writes, as real ones do under load: lag to chart.
        const trail = this.lively && Math.random() < 0.3 ? Math.round(Math.random() * 900) : 0;
        sim.offset = Math.max(sim.offset, masterSim.offset - trail);
        sim.keys = masterSim.keys;
        sim.replid = masterSim.replid;
        this.experiments.follow(node.id);
      }
      const runtime = this.runtime.get(node.id);
      if (runtime?.state === 'up' || runtime?.state === 'syncing') metrics[node.id] = this.metricsOf(node.id);
    }
    for (const [id, sample] of Object.entries(metrics)) {
      const runtime = this.runtime.get(id);
      if (runtime) runtime.metrics = sample;
    }
    this.observe.onTick(Date.now(), metrics);
    if (Object.keys(metrics).length) this.hub.emit('metrics', structuredClone(metrics));
  }

  private linkUp(id: string): boolean {
    const master = this.masterOf(id);
    return (
      !!master &&
      this.runtime.get(master.id)?.state === 'up' &&
      this.runtime.get(id)?.state === 'up' &&
      !this.experiments.cut(id)
    );
  }

  private metricsOf(id: string): NodeMetrics {
    const node = this.node(id);
    const sim = this.sim.get(id) ?? { offset: 0, keys: 0, replid: replid(1), pid: 0 };
    const master = this.masterOf(id);
    const masterSim = master ? this.sim.get(master.id) : undefined;
    const replicas = this.topology.edges
      .filter((e) => e.master === id)
      .map((e) => this.node(e.replica))
      .filter((replica) => this.linkUp(replica.id))
      .map((replica) => ({ ip: replica.host, port: replica.port, state: 'online', offset: sim.offset, lag: 0 }));
    const up = master ? this.linkUp(id) : undefined;
    const lines = ['# Replication', `role:${master ? 'slave' : 'master'}`];
    if (master) {
      lines.push(
        `master_host:${master.host}`,
        `master_port:${master.port}`,
        `master_link_status:${up ? 'up' : 'down'}`,
        `master_last_io_seconds_ago:${up ? 1 : -1}`,
        'master_sync_in_progress:0',
        `slave_read_repl_offset:${sim.offset}`,
        `slave_repl_offset:${sim.offset}`,
        'slave_priority:100',
        'slave_read_only:1',
        'replica_announced:1',
      );
    }
    lines.push(`connected_slaves:${replicas.length}`);
    replicas.forEach((r, i) => lines.push(`slave${i}:ip=${r.ip},port=${r.port},state=online,offset=${r.offset},lag=0`));
    lines.push(
      `master_failover_state:no-failover`,
      `master_replid:${sim.replid}`,
      'master_replid2:0000000000000000000000000000000000000000',
      `master_repl_offset:${sim.offset}`,
      'second_repl_offset:-1',
      `repl_backlog_active:${replicas.length || master ? 1 : 0}`,
      'repl_backlog_size:1048576',
      `repl_backlog_first_byte_offset:${sim.offset ? 1 : 0}`,
      `repl_backlog_histlen:${sim.offset}`,
    );
    return {
      id,
      reachable: true,
      role: master ? 'replica' : 'master',
      masterHost: master?.host,
      masterPort: master?.port,
      linkStatus: master ? (up ? 'up' : 'down') : undefined,
      masterLastIoSecondsAgo: master ? (up ? 1 : -1) : undefined,
      syncInProgress: false,
      keys: sim.keys,
      opsPerSec:
        this.experiments.opsPerSec(id) ??
        (master && !this.lively ? 0 : Math.round(Math.random() * (master ? 60 : 400))),
      usedMemory: 1_100_000 + sim.keys * 96 + node.port,
      connectedClients: 1 + replicas.length,
      masterReplOffset: sim.offset,
      replicaOffset: master ? sim.offset : undefined,
      lagBytes: master ? Math.max(0, (masterSim?.offset ?? 0) - sim.offset) : undefined,
      lagSeconds: master ? (up ? (masterSim && masterSim.offset > sim.offset ? 1 : 0) : undefined) : undefined,
      replicas,
      replicationInfo: lines.join('\n') + '\n',
    };
  }

  // ---- topology helpers ----

  private node(id: string): TopologyNode {
    const node = this.topology.nodes.find((n) => n.id === id);
    if (!node) fail('not-found', `There is no node "${id}" in this lab.`);
    return node;
  }

  private masterOf(id: string): TopologyNode | undefined {
    const edge = this.topology.edges.find((e) => e.replica === id);
    return edge ? this.topology.nodes.find((n) => n.id === edge.master) : undefined;
  }

  private label(id: string): string {
    const node = this.node(id);
    return `${node.name} (${node.host}:${node.port})`;
  }

  private checkEdge(replica: string, master: string): void {
    if (replica === master) {
      fail('rule', `${this.label(replica)} cannot replicate from itself: a replica copies another server.`);
    }
    for (let up = this.masterOf(master); up; up = this.masterOf(up.id)) {
      if (up.id === replica) {
        fail(
          'rule',
          `${this.label(replica)} cannot replicate from ${this.label(master)}: ${this.label(master)} already ` +
            `replicates from ${this.label(replica)}, and replication cannot go round in a circle.`,
        );
      }
    }
  }

  private freshId(port: number): string {
    let id = `node-${port}`;
    for (let n = 2; this.topology.nodes.some((node) => node.id === id); n++) id = `node-${port}-${n}`;
    return id;
  }

  private freePort(): number {
    let port = 6379;
    while (this.topology.nodes.some((n) => n.host === '127.0.0.1' && n.port === port)) port++;
    return port;
  }

  private freePosition(): { x: number; y: number } {
    const right = Math.max(-180, ...this.topology.nodes.map((n) => n.position.x));
    return { x: right + 260, y: 60 };
  }

  private addNode(
    engine: Exclude<EngineKind, 'remote'>,
    position?: { x: number; y: number },
    name?: string,
    port?: number,
  ): TopologyNode {
    const chosen = port ?? this.freePort();
    const node: TopologyNode = {
      id: this.freshId(chosen),
      name: name ?? `redis_${chosen}`,
      engine,
      host: '127.0.0.1',
      port: chosen,
      position: position ?? this.freePosition(),
      settings: {},
    };
    this.topology.nodes.push(node);
    this.boot(node);
    return node;
  }

  private boot(node: TopologyNode): void {
    const pid = this.pidSeq++;
    this.sim.set(node.id, { offset: 0, keys: 0, replid: replid(node.port), pid });
    const runtime: NodeRuntime = {
      id: node.id,
      engine: node.engine,
      host: node.host,
      port: node.port,
      state: 'up',
      pid: node.engine === 'remote' ? undefined : pid,
      startedAt: Date.now(),
      dir: node.engine === 'remote' ? undefined : `/home/user/.replica-lab/nodes/${node.port}`,
    };
    this.runtime.set(node.id, runtime);
    this.hub.emit('nodes', { [node.id]: structuredClone(runtime) });
  }

  private setState(id: string, state: NodeRuntime['state'], line: string): Record<string, never> {
    const node = this.node(id);
    if (node.engine === 'remote') {
      fail('refused', `${this.label(id)} is a remote server: the lab does not run it, so it cannot stop or kill it.`);
    }
    const runtime = this.runtime.get(id);
    if (!runtime) fail('not-found', `There is no node "${id}" in this lab.`);
    runtime.state = state;
    if (state === 'crashed') {
      runtime.exit = { code: null, signal: 'SIGKILL', requested: true };
      runtime.error = 'It was killed with SIGKILL (kill -9 from the lab).';
      runtime.logTail = [`${runtime.pid}:M 24 Nov 2026 16:40:01.126 * Ready to accept connections`];
      delete runtime.metrics;
    } else if (state === 'up') {
      delete runtime.exit;
      delete runtime.error;
      delete runtime.logTail;
    } else if (state === 'stopped') {
      runtime.exit = { code: 0, signal: null, requested: true };
      delete runtime.metrics;
    }
    this.hub.emit('nodes', { [id]: structuredClone(runtime) });
    this.record(id, line, true);
    return OK;
  }

  private cli(id: string): string {
    const node = this.node(id);
    return node.host === '127.0.0.1' ? `redis-cli -p ${node.port}` : `redis-cli -h ${node.host} -p ${node.port}`;
  }

  private startLine(id: string): string {
    const node = this.node(id);
    return `${node.engine === 'builtin' ? 'replica-lab-server' : node.engine} ./config/redis_${node.port}.conf`;
  }

  private record(nodeId: string | undefined, command: string, ok: boolean, result?: string): void {
    const entry: CommandLogEntry = { seq: ++this.seq, at: Date.now(), nodeId, command, ok, result };
    this.log.push(entry);
    this.hub.emit('log', entry);
  }

  private emitTopology(): void {
    this.hub.emit('topology', structuredClone(this.topology));
  }

  private snapshot(): LabSnapshot {
    return {
      host: 'web',
      workspace: '/home/user/.replica-lab',
      topology: this.topology,
      nodes: Object.fromEntries(this.runtime),
      engines: ENGINES,
      log: this.log,
      timeline: this.observe.snapshot().timeline,
      consistency: this.observe.snapshot().consistency,
      ...this.experiments.snapshot(),
    };
  }

  private toYaml(): string {
    const lines = [`version: 1`, `name: ${JSON.stringify(this.topology.name)}`, 'nodes:'];
    for (const n of this.topology.nodes) {
      lines.push(`  - id: ${n.id}`, `    name: ${n.name}`, `    engine: ${n.engine}`, `    port: ${n.port}`);
    }
    lines.push('edges:');
    for (const e of this.topology.edges) lines.push(`  - replica: ${e.replica}`, `    master: ${e.master}`);
    return lines.join('\n') + '\n';
  }
}
