/**
 * The demo lab's timeline, metrics history, consistency checks and key diffs: plausible
 * data for the charts, the timeline panel, the cards' consistency badges and the diff
 * dialog without a host. It reads the demo lab's own events (process states, the
 * topology) and writes the timeline events a real lab would for them, with sync
 * explanations worded as the real lab words them.
 */
import type { EventName, Events, Params, Results } from '@api/contract';
import type {
  ConsistencyState,
  KeyDifference,
  MetricsSample,
  NodeMetrics,
  NodeRuntime,
  NodeState,
  TimelineEvent,
} from '@api/runtime';
import type { Topology } from '@api/topology';
import { LabRequestError } from './transport';

const HISTORY_MS = 10 * 60_000;
const TIMELINE_LIMIT = 10_000;
const SNAPSHOT_TIMELINE = 500;
const BACKLOG = 1_048_576;

/** What the demo lab lends: its topology, its simulated servers and its event hub. */
export interface FakeObserveHost {
  topology(): Topology;
  state(id: string): NodeState | undefined;
  offset(id: string): number;
  keys(id: string): number;
  emit<E extends EventName>(event: E, data: Events[E]): void;
  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void;
}

export type NewTimelineEvent = Omit<TimelineEvent, 'seq' | 'at' | 'level'> & { level?: TimelineEvent['level'] };

function hex(seed: number): string {
  let text = '';
  let value = seed >>> 0 || 7;
  while (text.length < 40) {
    value = (Math.imul(value, 1664525) + 1013904223) >>> 0;
    text += ((value >>> 20) % 16).toString(16);
  }
  return text;
}

export class FakeObserve {
  private readonly events: TimelineEvent[] = [];
  private readonly history = new Map<string, MetricsSample[]>();
  private readonly consistency = new Map<string, ConsistencyState>();
  private readonly states = new Map<string, NodeState>();
  private edges = new Map<string, string>();
  private nodeCount = 0;
  private seq = 0;
  private ticks = 0;

  constructor(private readonly host: FakeObserveHost) {
    host.on('nodes', (changes) => this.onNodes(changes));
    host.on('topology', (topology) => this.onTopology(topology));
  }

  /** Takes the demo lab as it is now as the starting point (no events for what was there). */
  start(): void {
    const topology = this.host.topology();
    this.edges = new Map(topology.edges.map((edge) => [edge.replica, edge.master]));
    this.nodeCount = topology.nodes.length;
  }

  readonly handlers = {
    'timeline.list': (): Results['timeline.list'] => ({ events: this.events }),
    'timeline.clear': (): Results['timeline.clear'] => {
      this.events.length = 0;
      return {};
    },
    'metrics.history': (p: Params<'metrics.history'>): Results['metrics.history'] => {
      const ids = p.ids ?? [...this.history.keys()];
      return {
        series: Object.fromEntries(ids.filter((id) => this.history.has(id)).map((id) => [id, this.history.get(id)!])),
      };
    },
    'consistency.check': (): Results['consistency.check'] => {
      this.check(true);
      return { consistency: Object.fromEntries(this.consistency) };
    },
    'node.diff': (p: Params<'node.diff'>): Results['node.diff'] => this.diff(p.a, p.b, p.limit ?? 200, p.match),
  };

  snapshot(): { timeline: TimelineEvent[]; consistency: Record<string, ConsistencyState> } {
    return { timeline: this.events.slice(-SNAPSHOT_TIMELINE), consistency: Object.fromEntries(this.consistency) };
  }

  /** A timeline event, as the lab's `ctx.timeline.add` makes one. */
  add(event: NewTimelineEvent): TimelineEvent {
    const full: TimelineEvent = { ...event, seq: ++this.seq, at: Date.now(), level: event.level ?? 'info' };
    this.events.push(full);
    if (this.events.length > TIMELINE_LIMIT) this.events.splice(0, this.events.length - TIMELINE_LIMIT);
    this.host.emit('timeline', structuredClone(full));
    return full;
  }

  onTick(at: number, metrics: Record<string, NodeMetrics>): void {
    const cutoff = at - HISTORY_MS;
    for (const [id, m] of Object.entries(metrics)) {
      let samples = this.history.get(id);
      if (!samples) this.history.set(id, (samples = []));
      samples.push({
        at,
        opsPerSec: m.opsPerSec,
        usedMemory: m.usedMemory,
        keys: m.keys,
        masterReplOffset: m.masterReplOffset,
        replicaOffset: m.replicaOffset,
        lagBytes: m.lagBytes,
        lagSeconds: m.lagSeconds,
      });
      while (samples.length && samples[0]!.at < cutoff) samples.shift();
    }
    // The real lab digests every few seconds, not at every poll.
    if (++this.ticks % 3 === 0) this.check(false);
  }

  // ---- the timeline, from the demo lab's own events ----

  private name(id: string): string {
    return this.host.topology().nodes.find((node) => node.id === id)?.name ?? id;
  }

  private onNodes(changes: Record<string, NodeRuntime | null>): void {
    for (const [id, runtime] of Object.entries(changes)) {
      const before = this.states.get(id);
      if (runtime === null) {
        this.states.delete(id);
        this.history.delete(id);
        this.consistency.delete(id);
        this.add({ kind: 'node', nodeId: id, title: `${id} was removed from the lab` });
        continue;
      }
      this.states.set(id, runtime.state);
      if (before === runtime.state) continue;
      this.nodeEvent(id, before, runtime);
    }
  }

  private nodeEvent(id: string, before: NodeState | undefined, runtime: NodeRuntime): void {
    const name = this.name(id);
    const master = this.edges.get(id);
    switch (runtime.state) {
      case 'up':
        if (before === 'frozen') this.add({ kind: 'node', nodeId: id, title: `${name} was thawed (SIGCONT)` });
        else if (before === undefined || before === 'starting') {
          this.add({ kind: 'node', nodeId: id, title: `${name} started (pid ${runtime.pid ?? '?'})` });
        } else {
          this.add({ kind: 'node', nodeId: id, title: `${name} started again (pid ${runtime.pid ?? '?'})` });
          if (master && this.host.state(master) === 'up') this.resync(id, master, before === 'stopped');
          for (const [replica, of] of this.edges)
            if (of === id && this.host.state(replica) === 'up') this.resync(replica, id, false);
        }
        break;
      case 'crashed':
        this.add({
          kind: 'node',
          nodeId: id,
          level: 'error',
          title: `${name} crashed: ${runtime.error ?? 'it exited without being asked to'}`,
          details: { signal: runtime.exit?.signal ?? '', code: runtime.exit?.code ?? '' },
        });
        this.linksDown(id);
        break;
      case 'stopped':
        this.add({ kind: 'node', nodeId: id, level: 'warning', title: `${name} stopped (SHUTDOWN)` });
        this.linksDown(id);
        break;
      case 'frozen':
        this.add({
          kind: 'node',
          nodeId: id,
          level: 'warning',
          title: `${name} was frozen (SIGSTOP): it answers nothing`,
        });
        break;
      default:
        break;
    }
  }

  private linksDown(id: string): void {
    const links = [...this.edges].filter(([replica, master]) => replica === id || master === id);
    for (const [replica, master] of links) {
      this.add({
        kind: 'link',
        nodeId: replica,
        edge: { replica, master },
        level: 'warning',
        title: `Link ${this.name(replica)} ← ${this.name(master)} is down`,
        details: { master_link_status: 'down' },
      });
    }
  }

  /** After a restart: partial when the replica kept its replication id and offset, else full. */
  private resync(replica: string, master: string, partial: boolean): void {
    const gap = Math.max(0, this.host.offset(master) - this.host.offset(replica)) || 1873;
    const names = `${this.name(replica)} ← ${this.name(master)}`;
    this.add({ kind: 'link', nodeId: replica, edge: { replica, master }, title: `Link ${names} is up again` });
    if (partial) {
      this.add({
        kind: 'sync',
        nodeId: replica,
        edge: { replica, master },
        title: `${this.name(replica)} did a partial resync from ${this.name(master)}`,
        sync: {
          mode: 'partial',
          reason: `the gap (${gap} bytes) fitted in the backlog (${BACKLOG} bytes)`,
          gapBytes: gap,
          backlogBytes: BACKLOG,
          evidence: [
            `INFO stats on ${this.name(master)}: sync_partial_ok 0→1`,
            `${this.name(master)} log: Partial resynchronization request from 127.0.0.1:${this.port(replica)} accepted. Sending ${gap} bytes of backlog starting from offset ${this.host.offset(replica) + 1}.`,
            `${this.name(replica)} log: Successful partial resynchronization with master.`,
          ],
        },
      });
    } else
      this.fullSync(replica, master, 'the replica restarted without a dump file: it had no replication id to offer');
  }

  private fullSync(replica: string, master: string, reason: string): void {
    this.add({
      kind: 'sync',
      nodeId: replica,
      edge: { replica, master },
      level: 'warning',
      title: `${this.name(replica)} did a full sync from ${this.name(master)}`,
      sync: {
        mode: 'full',
        reason,
        evidence: [
          `INFO stats on ${this.name(master)}: sync_full 0→1`,
          `${this.name(master)} log: Full resync requested by replica 127.0.0.1:${this.port(replica)}`,
          `${this.name(replica)} log: MASTER <-> REPLICA sync: Finished with success`,
        ],
      },
    });
  }

  private port(id: string): number {
    return this.host.topology().nodes.find((node) => node.id === id)?.port ?? 0;
  }

  private onTopology(topology: Topology): void {
    const next = new Map(topology.edges.map((edge) => [edge.replica, edge.master]));
    if (topology.nodes.length - this.nodeCount >= 2) {
      this.add({
        kind: 'topology',
        title: `${topology.nodes.length - this.nodeCount} nodes added: ${topology.nodes.length} nodes, ${topology.edges.length} links`,
      });
    }
    this.nodeCount = topology.nodes.length;
    for (const [replica, master] of next) {
      if (this.edges.get(replica) === master) continue;
      this.edges.set(replica, master);
      this.add({
        kind: 'role',
        nodeId: replica,
        edge: { replica, master },
        title: `${this.name(replica)} became a replica of ${this.name(master)}`,
        details: { command: `REPLICAOF 127.0.0.1 ${this.port(master)}` },
      });
      this.add({
        kind: 'link',
        nodeId: replica,
        edge: { replica, master },
        title: `Link ${this.name(replica)} ← ${this.name(master)} is up`,
      });
      this.fullSync(replica, master, 'a new replica has no history with this master (PSYNC ? -1)');
    }
    for (const [replica] of this.edges) {
      if (next.has(replica)) continue;
      this.edges.delete(replica);
      if (!topology.nodes.some((node) => node.id === replica)) continue;
      this.add({
        kind: 'role',
        nodeId: replica,
        title: `${this.name(replica)} became a master (REPLICAOF NO ONE): it keeps its data`,
        details: { command: 'REPLICAOF NO ONE' },
      });
    }
  }

  // ---- consistency and diffs ----

  private running(id: string): boolean {
    const state = this.host.state(id);
    return state === 'up' || state === 'syncing';
  }

  private check(force: boolean): void {
    const changed: Record<string, ConsistencyState> = {};
    const now = Date.now();
    for (const node of this.host.topology().nodes) {
      const master = this.edges.get(node.id);
      if (!master) {
        if (this.consistency.delete(node.id)) changed[node.id] = { nodeId: node.id, state: 'unknown', checkedAt: now };
        continue;
      }
      const next = this.judge(node.id, master, node.engine === 'remote' || this.remote(master), now);
      const previous = this.consistency.get(node.id);
      if (force || previous?.state !== next.state || previous.reason !== next.reason) changed[node.id] = next;
      this.consistency.set(node.id, next);
    }
    if (Object.keys(changed).length) this.host.emit('consistency', changed);
  }

  private remote(id: string): boolean {
    return this.host.topology().nodes.find((node) => node.id === id)?.engine === 'remote';
  }

  private judge(id: string, master: string, remote: boolean, now: number): ConsistencyState {
    const base = { nodeId: id, masterId: master, checkedAt: now };
    if (remote)
      return { ...base, state: 'unknown', reason: 'A remote server refused DEBUG DIGEST (enable-debug-command no).' };
    if (!this.running(id) || !this.running(master)) {
      const down = this.running(id) ? master : id;
      return { ...base, state: 'unknown', reason: `${this.name(down)} is not running: no digest to compare.` };
    }
    const offset = this.host.offset(id);
    const masterOffset = this.host.offset(master);
    if (offset !== masterOffset) {
      return {
        ...base,
        state: 'pending',
        reason: `Writes in flight: ${this.name(master)} is at offset ${masterOffset}, ${this.name(id)} at ${offset}.`,
      };
    }
    const digest = hex(this.host.keys(master) * 31 + masterOffset);
    if (this.host.keys(id) !== this.host.keys(master)) {
      return {
        ...base,
        state: 'differs',
        digest: hex(this.host.keys(id) * 31 + offset),
        masterDigest: digest,
        reason: 'DEBUG DIGEST differs at the same offset.',
      };
    }
    return {
      ...base,
      state: 'equal',
      digest,
      masterDigest: digest,
      reason: `DEBUG DIGEST ${digest.slice(0, 12)}… on both, at offset ${offset}.`,
    };
  }

  private diff(a: string, b: string, limit: number, match?: string): Results['node.diff'] {
    for (const id of [a, b]) {
      if (!this.running(id)) {
        throw new LabRequestError({
          code: 'failed',
          message: `${this.name(id)} is not running: its keys cannot be read.`,
        });
      }
    }
    const keysA = this.host.keys(a);
    const keysB = this.host.keys(b);
    const sameData = keysA === keysB && this.host.offset(a) === this.host.offset(b);
    // Different histories differ by a share of their keys; the same history by nothing.
    const count = a === b || sameData ? 0 : Math.max(3, Math.min(400, Math.abs(keysA - keysB) + 7));
    const all: KeyDifference[] = [];
    const kinds: KeyDifference['kind'][] = ['value', 'missing-b', 'value', 'missing-a', 'ttl', 'value', 'type'];
    for (let i = 0; i < count; i++) {
      const kind = kinds[i % kinds.length]!;
      const key = `${['user', 'session', 'cart', 'counter'][i % 4]}:${1000 + i * 37}`;
      if (match && !globMatch(match, key)) continue;
      const version = 40 + i;
      const value = (v: number) => `string "v${v}-${key}" (${12 + key.length} bytes)`;
      const difference: KeyDifference =
        kind === 'value'
          ? { key, kind, a: value(version + 1), b: value(version) }
          : kind === 'missing-b'
            ? { key, kind, a: value(version) }
            : kind === 'missing-a'
              ? { key, kind, b: value(version) }
              : kind === 'ttl'
                ? { key, kind, a: 'ttl 38 s', b: 'no ttl' }
                : { key, kind, a: 'list (3 items)', b: 'string (6 bytes)' };
      all.push(difference);
    }
    return {
      a,
      b,
      differences: all.slice(0, limit),
      keysA,
      keysB,
      truncated: all.length > limit,
      tookMs: 4 + Math.round((keysA + keysB) / 500),
    };
  }
}

/** Redis's MATCH patterns, enough for the demo: `*`, `?` and literal characters. */
function globMatch(pattern: string, key: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(key);
}
