/**
 * The demo lab's faults, failover, Sentinels and workloads: plausible behaviour for each
 * request of issue 7 without processes. A cut link stops the replica's offset, a slowed
 * one makes it trail; promote and FAILOVER rewire the topology as the real lab does;
 * Sentinels fail a dead master over after down-after; a workload writes, reads and
 * counts stale reads in proportion to each replica's lag. The redis-cli lines in the
 * command log and the timeline's sentences are the ones the real lab writes.
 */
import type { EventName, Events, Params, Results } from '@api/contract';
import {
  NO_FAULT,
  type LinkFault,
  type LinkRuntime,
  type NodeRuntime,
  type NodeState,
  type SentinelRuntime,
  type SentinelView,
  type WorkloadReadStats,
  type WorkloadStatus,
} from '@api/runtime';
import type { Topology, TopologyNode, TopologySentinel } from '@api/topology';
import type { NewTimelineEvent } from './fake-observe';
import { LabRequestError } from './transport';

const OK = {} as Record<string, never>;
const BACKLOG = 1_048_576;
const PROXY_BASE_PORT = 16379;
const SENTINEL_BASE_PORT = 26379;

/** A simulated server's replication state (the demo lab's FakeNodeState). */
export interface FakeServer {
  offset: number;
  keys: number;
  replid: string;
  pid: number;
}

/** What the demo lab lends. */
export interface FakeExperimentsHost {
  topology(): Topology;
  emitTopology(): void;
  node(id: string): TopologyNode;
  server(id: string): FakeServer | undefined;
  state(id: string): NodeState | undefined;
  setState(id: string, state: NodeRuntime['state'], line: string): void;
  cli(id: string): string;
  startLine(id: string): string;
  record(nodeId: string | undefined, command: string, ok: boolean, result?: string): void;
  emit<E extends EventName>(event: E, data: Events[E]): void;
  timeline(event: NewTimelineEvent): void;
}

interface SentinelSim {
  runtime: SentinelRuntime;
  /** When this Sentinel first saw its master not answering. */
  downSince?: number;
}

function fail(code: 'invalid' | 'rule' | 'refused' | 'not-found' | 'failed', message: string): never {
  throw new LabRequestError({ code, message });
}

function freshReplid(): string {
  let text = '';
  while (text.length < 40) text += Math.floor(Math.random() * 16).toString(16);
  return text;
}

export class FakeExperiments {
  private readonly links = new Map<string, LinkRuntime>();
  private readonly sentinels = new Map<string, SentinelSim>();
  private readonly workloads = new Map<string, WorkloadStatus>();
  /** Offsets of replicas before this tick's copy, for links that trail. */
  private readonly before = new Map<string, number>();
  /** Old masters a Sentinel failed over from, by id: the new master's id (they rejoin as its replicas). */
  private readonly demoted = new Map<string, string>();
  private readonly ops = new Map<string, number>();
  private pidSeq = 52000;

  constructor(private readonly host: FakeExperimentsHost) {}

  snapshot(): Pick<Results['lab.snapshot'], 'links' | 'sentinels' | 'workloads'> {
    return {
      links: Object.fromEntries(this.links),
      sentinels: Object.fromEntries([...this.sentinels].map(([id, sim]) => [id, sim.runtime])),
      workloads: Object.fromEntries(this.workloads),
    };
  }

  /** Whether the proxy drops the master's stream to this replica. */
  cut(replica: string): boolean {
    const cut = this.links.get(replica)?.fault.cut;
    return cut === 'both' || cut === 'to-replica';
  }

  /** The ops/s a workload adds to a node, if one touches it. */
  opsPerSec(id: string): number | undefined {
    return this.ops.get(id);
  }

  private name(id: string): string {
    const node = this.host.topology().nodes.find((n) => n.id === id);
    return node ? `${node.name} (${node.host}:${node.port})` : id;
  }

  private masterOf(id: string): string | undefined {
    return this.host.topology().edges.find((edge) => edge.replica === id)?.master;
  }

  private replicasOf(id: string): string[] {
    return this.host
      .topology()
      .edges.filter((edge) => edge.master === id)
      .map((edge) => edge.replica);
  }

  private running(id: string): boolean {
    const state = this.host.state(id);
    return state === 'up' || state === 'syncing';
  }

  readonly handlers: { [M in keyof Results]?: (params: Params<M>) => Results[M] } = {
    'edge.fault': (p) => this.fault(p.replica, { ...NO_FAULT, ...p.fault }),
    'edge.heal': (p) => this.heal(p.replica, p.direct ?? false),
    'node.restart': (p) => {
      const node = this.host.node(p.id);
      const dump = p.dump ?? 'keep';
      const line = `${this.host.cli(p.id)} SHUTDOWN && ${dump === 'delete' ? `rm ./nodes/${node.port}/dump.rdb && ` : ''}${this.host.startLine(p.id)}`;
      this.host.setState(p.id, 'up', line);
      const server = this.host.server(p.id);
      if (dump === 'delete' && server) {
        server.keys = 0;
        server.offset = 0;
        server.replid = freshReplid();
        this.host.timeline({
          kind: 'node',
          nodeId: p.id,
          level: 'warning',
          title: `${this.name(p.id)} restarted without its dump file: it starts empty`,
        });
      }
      return OK;
    },
    'node.debugSleep': (p) => {
      this.host.node(p.id);
      this.host.record(p.id, `${this.host.cli(p.id)} DEBUG SLEEP ${p.seconds}`, true, 'OK');
      this.host.timeline({
        kind: 'fault',
        nodeId: p.id,
        level: 'warning',
        title: `${this.name(p.id)} sleeps ${p.seconds} s (DEBUG SLEEP)`,
      });
      return OK;
    },
    'node.clientPause': (p) => {
      const mode = p.mode ?? 'all';
      this.host.record(p.id, `${this.host.cli(p.id)} CLIENT PAUSE ${p.ms} ${mode.toUpperCase()}`, true, 'OK');
      this.host.timeline({
        kind: 'fault',
        nodeId: p.id,
        level: 'warning',
        title: `${this.name(p.id)} pauses ${mode === 'write' ? 'writing clients' : 'all clients'} for ${p.ms} ms (CLIENT PAUSE)`,
      });
      return OK;
    },
    'node.promote': (p) => {
      const old = this.masterOf(p.id);
      if (!old) fail('rule', `${this.name(p.id)} is a master already: only a replica can be promoted.`);
      this.promote(
        p.id,
        old,
        p.moveSiblings ?? true,
        `promoted to master (REPLICAOF NO ONE); it was a replica of ${this.name(old)}`,
      );
      return OK;
    },
    'node.failover': (p) => {
      const old = this.masterOf(p.id);
      if (!old)
        fail('rule', `${this.name(p.id)} is a master already: FAILOVER hands a master over to one of its replicas.`);
      if (!this.running(old))
        fail('failed', `${this.name(old)} is not running: FAILOVER needs the master (use Promote).`);
      const target = this.host.node(p.id);
      this.host.record(old, `${this.host.cli(old)} FAILOVER TO ${target.host} ${target.port}`, true, 'OK');
      this.promote(p.id, old, true, `took over from ${this.name(old)} (FAILOVER TO)`, false);
      this.addEdge(old, p.id);
      this.host.emitTopology();
      return { reply: 'OK' };
    },
    'sentinel.create': (p) => this.createSentinels(p),
    'sentinel.remove': (p) => {
      this.sentinelNamed(p.id);
      const topology = this.host.topology();
      topology.sentinels = topology.sentinels.filter((s) => s.id !== p.id);
      this.sentinels.delete(p.id);
      this.host.emitTopology();
      this.host.emit('sentinels', { [p.id]: null });
      this.host.record(undefined, `redis-cli -p ${this.sentinelPort(p.id)} SHUTDOWN`, true);
      return OK;
    },
    'sentinel.stop': (p) => this.sentinelState(p.id, 'stopped', `redis-cli -p ${this.sentinelPort(p.id)} SHUTDOWN`),
    'sentinel.start': (p) =>
      this.sentinelState(p.id, 'up', `redis-sentinel ./sentinels/${this.sentinelPort(p.id)}/sentinel.conf`),
    'sentinel.failover': (p) => {
      const sentinel = this.sentinelNamed(p.id);
      const master = this.sentinelMaster(sentinel);
      const candidate = this.replicasOf(master).find((id) => this.running(id));
      this.host.record(
        undefined,
        `redis-cli -p ${sentinel.port} SENTINEL FAILOVER ${sentinel.masterName}`,
        !!candidate,
      );
      if (!candidate) fail('failed', '-NOGOODSLAVE No suitable replica to promote');
      this.switchMaster(sentinel.masterName, master, candidate);
      return { reply: 'OK' };
    },
    'sentinel.view': (p) => ({ view: this.sentinels.get(p.id)?.runtime.view }),
    'sentinel.move': (p) => {
      const topology = this.host.topology();
      for (const move of p.moves) {
        const sentinel = topology.sentinels.find((s) => s.id === move.id);
        if (sentinel) sentinel.position = { ...move.position };
      }
      this.host.emitTopology();
      return OK;
    },
    'workload.start': (p) => {
      this.host.node(p.masterId);
      if (this.masterOf(p.masterId))
        fail('rule', `${this.name(p.masterId)} is a replica: a workload writes to a master.`);
      const status: WorkloadStatus = {
        settings: {
          masterId: p.masterId,
          ratePerSec: p.ratePerSec ?? 1000,
          keySpace: p.keySpace ?? 10_000,
          valueSize: p.valueSize ?? 100,
          readShare: p.readShare ?? 0.8,
          readFrom: p.readFrom ?? 'replicas',
        },
        running: true,
        startedAt: Date.now(),
        writes: 0,
        writesPerSec: 0,
        writeErrors: 0,
        reads: [],
      };
      this.workloads.set(p.masterId, status);
      this.host.timeline({
        kind: 'workload',
        nodeId: p.masterId,
        title: `Workload on ${this.name(p.masterId)}: ${status.settings.ratePerSec} ops/s, ${Math.round(status.settings.readShare * 100)} % reads from ${status.settings.readFrom}`,
      });
      this.host.emit('workload', structuredClone(status));
      return structuredClone(status);
    },
    'workload.stop': (p) => {
      const status = this.workloads.get(p.masterId);
      if (!status) fail('not-found', `No workload runs on ${this.name(p.masterId)}.`);
      status.running = false;
      status.writesPerSec = 0;
      for (const read of status.reads) read.readsPerSec = 0;
      this.host.timeline({
        kind: 'workload',
        nodeId: p.masterId,
        title: `Workload on ${this.name(p.masterId)} stopped`,
      });
      this.host.emit('workload', structuredClone(status));
      return OK;
    },
  };

  // ---- links ----

  private fault(replica: string, fault: LinkFault): LinkRuntime {
    const master = this.masterOf(replica);
    if (!master) fail('not-found', `${this.name(replica)} does not replicate from anyone: there is no link to fault.`);
    let link = this.links.get(replica);
    if (!link) {
      const port = PROXY_BASE_PORT + this.links.size;
      const node = this.host.node(master);
      link = {
        replica,
        master,
        proxy: { host: '127.0.0.1', port },
        fault: { ...NO_FAULT },
        bytesToReplica: 0,
        bytesToMaster: 0,
        connections: 1,
      };
      this.links.set(replica, link);
      this.host.record(replica, `# proxy 127.0.0.1:${port} → ${node.host}:${node.port}`, true);
      this.host.record(replica, `${this.host.cli(replica)} REPLICAOF 127.0.0.1 ${port}`, true, 'OK');
      // Redis 7 continues from its cached master through the proxy: a partial resync of nothing.
      this.host.timeline({
        kind: 'sync',
        nodeId: replica,
        edge: { replica, master },
        title: `${this.name(replica)} did a partial resync from ${this.name(master)} through the lab's proxy`,
        sync: {
          mode: 'partial',
          reason: `the gap (0 bytes) fitted in the backlog (${BACKLOG} bytes)`,
          gapBytes: 0,
          backlogBytes: BACKLOG,
          evidence: ['INFO stats sync_partial_ok +1'],
        },
      });
    }
    link.fault = { ...fault };
    this.host.record(replica, `# fault on the link to ${this.name(replica)}: ${this.describe(fault)}`, true);
    this.host.timeline({
      kind: 'fault',
      nodeId: replica,
      edge: { replica, master },
      level: 'warning',
      title: `Fault on ${this.name(master)} → ${this.name(replica)}: ${this.describe(fault)}`,
    });
    this.host.emit('links', { [replica]: structuredClone(link) });
    return structuredClone(link);
  }

  private describe(fault: LinkFault): string {
    const parts: string[] = [];
    if (fault.cut !== 'none') parts.push(`cut ${fault.cut}`);
    if (fault.latencyMs || fault.jitterMs) parts.push(`latency ${fault.latencyMs}±${fault.jitterMs} ms`);
    if (fault.bandwidthKbps) parts.push(`bandwidth ${fault.bandwidthKbps} kbit/s`);
    return parts.join(', ') || 'none';
  }

  private heal(replica: string, direct: boolean): Record<string, never> {
    const link = this.links.get(replica);
    if (!link) fail('not-found', `The link to ${this.name(replica)} has no fault and no proxy.`);
    const wasCut = link.fault.cut !== 'none';
    link.fault = { ...NO_FAULT };
    const master = link.master;
    this.host.record(replica, `# healed the link to ${this.name(replica)}`, true);
    this.host.timeline({
      kind: 'fault',
      nodeId: replica,
      edge: { replica, master },
      title: `Link ${this.name(master)} → ${this.name(replica)} healed`,
    });
    if (wasCut) this.explainResync(replica, master);
    if (direct) {
      const node = this.host.node(master);
      this.links.delete(replica);
      this.host.record(replica, `${this.host.cli(replica)} REPLICAOF ${node.host} ${node.port}`, true, 'OK');
      this.host.emit('links', { [replica]: null });
    } else this.host.emit('links', { [replica]: structuredClone(link) });
    return OK;
  }

  private explainResync(replica: string, master: string): void {
    const gap = Math.max(0, (this.host.server(master)?.offset ?? 0) - (this.host.server(replica)?.offset ?? 0));
    const partial = gap <= BACKLOG;
    this.host.timeline({
      kind: 'sync',
      nodeId: replica,
      edge: { replica, master },
      level: partial ? 'info' : 'warning',
      title: `${this.name(replica)} did a ${partial ? 'partial' : 'full'} resync from ${this.name(master)}`,
      sync: partial
        ? {
            mode: 'partial',
            reason: `the gap (${gap} bytes) fitted in the backlog (${BACKLOG} bytes)`,
            gapBytes: gap,
            backlogBytes: BACKLOG,
            evidence: [
              'INFO stats sync_partial_ok +1',
              `Partial resynchronization request accepted. Sending ${gap} bytes of backlog`,
            ],
          }
        : {
            mode: 'full',
            reason: `the gap (${gap} bytes) did not fit in the backlog (${BACKLOG} bytes)`,
            gapBytes: gap,
            backlogBytes: BACKLOG,
            evidence: ['INFO stats sync_full +1', 'Unable to partial resync with replica: lack of backlog'],
          },
    });
  }

  // ---- failover ----

  private addEdge(replica: string, master: string): void {
    const topology = this.host.topology();
    topology.edges = topology.edges.filter((edge) => edge.replica !== replica);
    topology.edges.push({ replica, master });
  }

  /** REPLICAOF NO ONE on `id`, its siblings re-pointed to it. */
  private promote(id: string, old: string, moveSiblings: boolean, why: string, emit = true): void {
    const topology = this.host.topology();
    const siblings = this.replicasOf(old).filter((each) => each !== id);
    topology.edges = topology.edges.filter((edge) => edge.replica !== id);
    const server = this.host.server(id);
    if (server) server.replid = freshReplid();
    this.host.record(id, `${this.host.cli(id)} REPLICAOF NO ONE`, true, 'OK');
    this.host.timeline({ kind: 'failover', nodeId: id, level: 'warning', title: `${this.name(id)} ${why}` });
    this.host.timeline({ kind: 'role', nodeId: id, title: `${this.name(id)} became a master` });
    if (moveSiblings) {
      const node = this.host.node(id);
      for (const sibling of siblings) {
        this.addEdge(sibling, id);
        this.host.record(sibling, `${this.host.cli(sibling)} REPLICAOF ${node.host} ${node.port}`, true, 'OK');
        this.host.timeline({
          kind: 'sync',
          nodeId: sibling,
          edge: { replica: sibling, master: id },
          title: `${this.name(sibling)} did a partial resync from ${this.name(id)}`,
          sync: {
            mode: 'partial',
            reason: 'the new master still knows the old replication id (master_replid2), so the offsets carried over',
            gapBytes: 0,
            backlogBytes: BACKLOG,
            evidence: ['INFO stats sync_partial_ok +1'],
          },
        });
      }
    }
    for (const link of this.links.values()) if (link.replica === id) this.links.delete(id);
    if (emit) this.host.emitTopology();
  }

  // ---- Sentinel ----

  private sentinelNamed(id: string): TopologySentinel {
    const sentinel = this.host.topology().sentinels.find((s) => s.id === id);
    if (!sentinel) fail('not-found', `There is no Sentinel "${id}" in this lab.`);
    return sentinel;
  }

  private sentinelPort(id: string): number {
    return this.sentinelNamed(id).port;
  }

  private sentinelMaster(sentinel: TopologySentinel): string {
    return sentinel.master;
  }

  private createSentinels(p: Params<'sentinel.create'>): Results['sentinel.create'] {
    const master = this.host.node(p.masterId);
    if (this.masterOf(p.masterId)) fail('rule', `${this.name(p.masterId)} is a replica: Sentinels watch a master.`);
    const topology = this.host.topology();
    const count = p.count ?? 3;
    const used = new Set(topology.sentinels.map((s) => s.port));
    const ids: string[] = [];
    // Where the real lab puts them: right of the master, one under the other.
    const already = topology.sentinels.filter((s) => s.master === p.masterId).length;
    for (let i = 0; i < count; i++) {
      let port = SENTINEL_BASE_PORT;
      while (used.has(port)) port++;
      used.add(port);
      const sentinel: TopologySentinel = {
        id: `sentinel-${port}`,
        name: `sentinel_${port}`,
        port,
        position: { x: master.position.x + 300, y: master.position.y - 40 + (already + i) * 80 },
        master: p.masterId,
        masterName: p.masterName ?? 'mymaster',
        quorum: p.quorum ?? 2,
        downAfterMs: p.downAfterMs ?? 30_000,
        failoverTimeoutMs: p.failoverTimeoutMs ?? 180_000,
      };
      topology.sentinels.push(sentinel);
      const runtime: SentinelRuntime = {
        id: sentinel.id,
        port,
        state: 'up',
        pid: this.pidSeq++,
        masterName: sentinel.masterName,
      };
      this.sentinels.set(sentinel.id, { runtime });
      runtime.view = this.viewOf(sentinel);
      ids.push(sentinel.id);
      this.host.record(undefined, `redis-sentinel ./sentinels/${port}/sentinel.conf`, true);
    }
    this.host.record(
      undefined,
      `redis-cli -p ${topology.sentinels.find((s) => s.id === ids[0])?.port} SENTINEL MONITOR ${p.masterName ?? 'mymaster'} ${master.host} ${master.port} ${p.quorum ?? 2}`,
      true,
      'OK',
    );
    this.host.timeline({
      kind: 'sentinel',
      nodeId: p.masterId,
      title: `${count} Sentinels watch ${this.name(p.masterId)} (quorum ${p.quorum ?? 2}, down-after ${p.downAfterMs ?? 30_000} ms)`,
    });
    this.host.emitTopology();
    this.emitSentinels(ids);
    return { ids };
  }

  private sentinelState(id: string, state: NodeState, line: string): Record<string, never> {
    const sim = this.sentinels.get(id);
    if (!sim) fail('not-found', `There is no Sentinel "${id}" in this lab.`);
    sim.runtime.state = state;
    if (state !== 'up') delete sim.runtime.view;
    else sim.runtime.view = this.viewOf(this.sentinelNamed(id));
    this.host.record(undefined, line, true);
    this.emitSentinels([id]);
    return OK;
  }

  private viewOf(sentinel: TopologySentinel, flags: string[] = ['master'], failoverState = 'none'): SentinelView {
    const master = this.host.node(sentinel.master);
    const replicas = this.replicasOf(sentinel.master).map((id) => {
      const node = this.host.node(id);
      return { host: node.host, port: node.port, flags: this.running(id) ? ['slave'] : ['s_down', 'slave'] };
    });
    const others = this.host.topology().sentinels.filter((s) => s.masterName === sentinel.masterName).length - 1;
    return {
      master: {
        host: master.host,
        port: master.port,
        flags,
        quorum: sentinel.quorum,
        numReplicas: replicas.length,
        numOtherSentinels: Math.max(0, others),
        failoverState,
      },
      replicas,
      fields: {
        name: sentinel.masterName,
        ip: master.host,
        port: String(master.port),
        flags: flags.join(','),
        quorum: String(sentinel.quorum),
        'num-slaves': String(replicas.length),
        'num-other-sentinels': String(Math.max(0, others)),
        'down-after-milliseconds': String(sentinel.downAfterMs),
        'failover-timeout': String(sentinel.failoverTimeoutMs),
        'failover-state': failoverState,
      },
    };
  }

  private emitSentinels(ids: string[]): void {
    const changes: Record<string, SentinelRuntime | null> = {};
    for (const id of ids) {
      const sim = this.sentinels.get(id);
      changes[id] = sim ? structuredClone(sim.runtime) : null;
    }
    if (ids.length) this.host.emit('sentinels', changes);
  }

  /** What Sentinels do when a master is down past down-after and enough of them agree. */
  private watchMasters(now: number): void {
    const groups = new Map<string, TopologySentinel[]>();
    for (const sentinel of this.host.topology().sentinels) {
      if (this.sentinels.get(sentinel.id)?.runtime.state !== 'up') continue;
      const list = groups.get(sentinel.masterName) ?? [];
      list.push(sentinel);
      groups.set(sentinel.masterName, list);
    }
    const changed: string[] = [];
    for (const [name, members] of groups) {
      const master = members[0]!.master;
      const down = !this.running(master);
      let agreeing = 0;
      for (const sentinel of members) {
        const sim = this.sentinels.get(sentinel.id)!;
        if (!down) sim.downSince = undefined;
        else sim.downSince ??= now;
        const sdown = down && now - sim.downSince! >= sentinel.downAfterMs;
        if (sdown) agreeing++;
        const flags = sdown ? ['master', 's_down'] : ['master'];
        const before = sim.runtime.view?.master.flags.join(',');
        sim.runtime.view = this.viewOf(sentinel, flags);
        if (before !== flags.join(',')) {
          changed.push(sentinel.id);
          if (sdown)
            this.host.timeline({
              kind: 'sentinel',
              nodeId: master,
              level: 'warning',
              title: `${sentinel.name}: +sdown master ${name} ${this.host.node(master).host} ${this.host.node(master).port}`,
            });
        }
      }
      const quorum = members[0]!.quorum;
      if (down && agreeing >= quorum) {
        const candidate = this.replicasOf(master).find((id) => this.running(id));
        this.host.timeline({
          kind: 'sentinel',
          nodeId: master,
          level: 'warning',
          title: `+odown master ${name}: ${agreeing} of ${members.length} Sentinels agree (quorum ${quorum})`,
        });
        if (candidate) {
          this.switchMaster(name, master, candidate);
          changed.push(...members.map((s) => s.id));
        }
      }
    }
    this.emitSentinels([...new Set(changed)]);
  }

  private switchMaster(name: string, old: string, candidate: string): void {
    const from = this.host.node(old);
    const to = this.host.node(candidate);
    this.promote(candidate, old, true, `was elected by Sentinel to replace ${this.name(old)}`, false);
    this.demoted.set(old, candidate);
    for (const sentinel of this.host.topology().sentinels) {
      if (sentinel.masterName !== name) continue;
      sentinel.master = candidate;
      const sim = this.sentinels.get(sentinel.id);
      if (sim) {
        sim.downSince = undefined;
        sim.runtime.view = this.viewOf(sentinel);
      }
    }
    this.host.timeline({
      kind: 'failover',
      nodeId: candidate,
      level: 'warning',
      title: `+switch-master ${name} ${from.host} ${from.port} ${to.host} ${to.port}`,
    });
    this.host.emitTopology();
  }

  /** An old master Sentinel failed over from, running again: Sentinel makes it a replica. */
  private rejoin(): void {
    for (const [old, replacement] of this.demoted) {
      if (!this.running(old)) continue;
      this.demoted.delete(old);
      const target = this.host.node(replacement);
      this.addEdge(old, replacement);
      this.host.record(old, `${this.host.cli(old)} REPLICAOF ${target.host} ${target.port}`, true, 'OK');
      this.host.timeline({
        kind: 'sentinel',
        nodeId: old,
        title: `+convert-to-slave ${this.name(old)}: it replicates from ${this.name(replacement)}`,
      });
      this.host.timeline({
        kind: 'sync',
        nodeId: old,
        edge: { replica: old, master: replacement },
        level: 'warning',
        title: `${this.name(old)} did a full resync from ${this.name(replacement)}`,
        sync: {
          mode: 'full',
          reason: 'the replication id changed: it was a master with its own history',
          evidence: ['INFO stats sync_full +1', 'Replication ID mismatch'],
        },
      });
      this.host.emitTopology();
    }
  }

  // ---- the tick ----

  /** Before the demo lab's tick: workloads write, Sentinels watch, links carry bytes. */
  beforeTick(now: number): void {
    this.ops.clear();
    for (const status of this.workloads.values()) if (status.running) this.runWorkload(status);
    for (const link of this.links.values()) {
      this.before.set(link.replica, this.host.server(link.replica)?.offset ?? 0);
      if (link.fault.cut === 'none' || link.fault.cut === 'to-master')
        link.bytesToReplica += 200 + Math.round(Math.random() * 800);
      if (link.fault.cut === 'none' || link.fault.cut === 'to-replica') link.bytesToMaster += 30;
    }
    this.watchMasters(now);
    this.rejoin();
    if (this.links.size)
      this.host.emit('links', Object.fromEntries([...this.links].map(([id, link]) => [id, structuredClone(link)])));
  }

  /** After a replica copied its master this tick: a slowed link makes it trail. */
  follow(replica: string): void {
    const link = this.links.get(replica);
    const server = this.host.server(replica);
    if (!link || !server) return;
    const delay = link.fault.latencyMs + Math.random() * link.fault.jitterMs;
    const capped = link.fault.bandwidthKbps > 0;
    if (delay <= 0 && !capped) return;
    const before = this.before.get(replica) ?? server.offset;
    // The share of this second's stream that arrived: less the slower the link.
    const share = Math.max(0.05, 1 - delay / 1000) * (capped ? Math.min(1, link.fault.bandwidthKbps / 512) : 1);
    server.offset = Math.round(before + (server.offset - before) * share);
  }

  private runWorkload(status: WorkloadStatus): void {
    const { masterId, ratePerSec, readShare, readFrom, keySpace } = status.settings;
    const masterUp = this.running(masterId);
    const writes = Math.round(ratePerSec * (1 - readShare));
    const master = this.host.server(masterId);
    if (masterUp && master) {
      status.writes += writes;
      status.writesPerSec = writes;
      master.offset += writes * (status.settings.valueSize + 40);
      master.keys = Math.min(keySpace, master.keys + Math.ceil(writes * 0.6));
    } else {
      status.writeErrors += writes;
      status.writesPerSec = 0;
      status.lastError = `${this.name(masterId)}: Connection refused`;
    }
    this.ops.set(masterId, (this.ops.get(masterId) ?? 0) + (masterUp ? writes : 0));
    const replicas = this.replicasOf(masterId);
    const targets =
      readFrom === 'master'
        ? [masterId]
        : readFrom === 'all'
          ? [masterId, ...replicas]
          : replicas.length
            ? replicas
            : [];
    const readsEach = targets.length ? Math.round((ratePerSec * readShare) / targets.length) : 0;
    const reads: WorkloadReadStats[] = [];
    for (const id of targets) {
      const previous = status.reads.find((read) => read.nodeId === id) ?? {
        nodeId: id,
        reads: 0,
        readsPerSec: 0,
        stale: 0,
        staleRate: 0,
        errors: 0,
      };
      if (!this.running(id)) {
        previous.errors += readsEach;
        previous.readsPerSec = 0;
        status.lastError = `${this.name(id)}: Connection refused`;
        reads.push(previous);
        continue;
      }
      const link = this.links.get(id);
      const lagging =
        id !== masterId && (this.cut(id) || (link ? link.fault.latencyMs > 0 || link.fault.bandwidthKbps > 0 : false));
      const rate = id === masterId ? 0 : lagging ? 0.08 + Math.random() * 0.12 : Math.random() * 0.004;
      const stale = Math.round(readsEach * rate);
      previous.reads += readsEach;
      previous.readsPerSec = readsEach;
      previous.stale += stale;
      previous.staleRate = previous.reads ? previous.stale / previous.reads : 0;
      this.ops.set(id, (this.ops.get(id) ?? 0) + readsEach);
      reads.push(previous);
    }
    status.reads = reads;
    this.host.emit('workload', structuredClone(status));
  }

  onNodeRemoved(id: string): void {
    this.links.delete(id);
    this.workloads.delete(id);
  }
}
