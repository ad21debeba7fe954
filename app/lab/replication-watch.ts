/**
 * Watches the replication every node reports in INFO and turns changes into
 * timeline events (role changes, link up and down, a node that stops answering),
 * and into re-wirings of the topology when Redis's wiring differs from the
 * canvas's: a REPLICAOF typed in a terminal, a Sentinel failover or a FAILOVER
 * re-points replicas behind the lab's back, and the canvas must show what Redis has.
 *
 * A difference must be seen on two consecutive ticks before it re-wires: an INFO
 * sent just before the lab's own REPLICAOF still shows the old wiring.
 */
import type { TimelineEvent } from '../api/runtime';
import type { Topology } from '../api/topology';
import { findNode, masterOf } from './topology';
import type { NodeMetrics } from './types';

export type TimelineInput = Omit<TimelineEvent, 'seq' | 'at' | 'level'> & Partial<Pick<TimelineEvent, 'level'>>;

/** A node's wiring as INFO shows it: a master (`master: undefined`), or the replica of a lab node. */
export interface Rewire {
  node: string;
  /** The lab node it replicates from; undefined: it is a master. */
  master: string | undefined;
}

export interface WatchOutcome {
  events: TimelineInput[];
  rewires: Rewire[];
}

interface Seen {
  reachable: boolean;
  role?: 'master' | 'replica';
  /** The lab node (or `host:port` when not a lab node) it replicates from. */
  source?: string;
  linkStatus?: 'up' | 'down';
}

const UNKNOWN_MASTER = Symbol('not a lab node');

export class ReplicationWatch {
  private readonly seen = new Map<string, Seen>();
  /** Differences seen once, waiting for a second tick. */
  private readonly candidates = new Map<string, string | undefined>();

  /**
   * @param resolve the lab node a `host:port` a replica names as its master stands for
   * @param name how events name a node
   */
  constructor(
    private readonly resolve: (host: string, port: number) => string | undefined,
    private readonly name: (id: string) => string,
  ) {}

  observe(metrics: ReadonlyMap<string, NodeMetrics>, topology: Topology): WatchOutcome {
    const events: TimelineInput[] = [];
    const rewires: Rewire[] = [];
    for (const [id, m] of metrics) {
      if (!findNode(topology, id)) continue;
      const before = this.seen.get(id);
      const now = this.describe(m, before);
      this.seen.set(id, now);
      if (before) events.push(...this.changes(id, before, now));
      if (!now.reachable || now.role === undefined) continue;
      const observedMaster = this.observedMaster(m);
      if (observedMaster === UNKNOWN_MASTER) {
        this.candidates.delete(id);
        continue;
      }
      const drawnMaster = masterOf(topology, id);
      if (observedMaster === drawnMaster) {
        this.candidates.delete(id);
        continue;
      }
      if (this.candidates.has(id) && this.candidates.get(id) === observedMaster) {
        this.candidates.delete(id);
        rewires.push({ node: id, master: observedMaster });
      } else {
        this.candidates.set(id, observedMaster);
      }
    }
    return { events, rewires };
  }

  forget(id: string): void {
    this.seen.delete(id);
    this.candidates.delete(id);
  }

  private observedMaster(m: NodeMetrics): string | undefined | typeof UNKNOWN_MASTER {
    if (m.role === 'master') return undefined;
    if (m.masterHost === undefined || m.masterPort === undefined) return UNKNOWN_MASTER;
    return this.resolve(m.masterHost, m.masterPort) ?? UNKNOWN_MASTER;
  }

  private describe(m: NodeMetrics, before: Seen | undefined): Seen {
    // An unreachable node keeps what it last showed: a frozen master is still a master.
    if (!m.reachable) return { ...before, reachable: false };
    const seen: Seen = { reachable: true, role: m.role };
    if (m.role === 'replica' && m.masterHost !== undefined && m.masterPort !== undefined) {
      seen.source = this.resolve(m.masterHost, m.masterPort) ?? `${m.masterHost}:${m.masterPort}`;
      seen.linkStatus = m.linkStatus;
    }
    return seen;
  }

  private sourceName(source: string | undefined): string {
    if (source === undefined) return 'an unknown master';
    return source.includes(':') ? source : this.name(source);
  }

  private changes(id: string, before: Seen, now: Seen): TimelineInput[] {
    const events: TimelineInput[] = [];
    const name = this.name(id);
    if (before.reachable && !now.reachable) {
      events.push({ kind: 'node', nodeId: id, level: 'warning', title: `${name} stopped answering INFO` });
    } else if (!before.reachable && now.reachable) {
      events.push({ kind: 'node', nodeId: id, title: `${name} answers again` });
    }
    if (!now.reachable || before.role === undefined || now.role === undefined) return events;
    const edge = (source: string | undefined) =>
      source !== undefined && !source.includes(':') ? { replica: id, master: source } : undefined;
    if (before.role !== now.role) {
      events.push(
        now.role === 'master'
          ? {
              kind: 'role',
              nodeId: id,
              title: `${name} is now a master`,
              details: { was: `replica of ${this.sourceName(before.source)}` },
            }
          : {
              kind: 'role',
              nodeId: id,
              edge: edge(now.source),
              title: `${name} is now a replica of ${this.sourceName(now.source)}`,
            },
      );
    } else if (now.role === 'replica' && before.source !== now.source) {
      events.push({
        kind: 'role',
        nodeId: id,
        edge: edge(now.source),
        title: `${name} now replicates from ${this.sourceName(now.source)} (was ${this.sourceName(before.source)})`,
      });
    }
    if (now.role === 'replica' && before.role === 'replica' && before.source === now.source) {
      if (before.linkStatus === 'up' && now.linkStatus === 'down') {
        events.push({
          kind: 'link',
          nodeId: id,
          edge: edge(now.source),
          level: 'warning',
          title: `Link ${this.sourceName(now.source)} → ${name} is down`,
        });
      } else if (before.linkStatus === 'down' && now.linkStatus === 'up') {
        events.push({
          kind: 'link',
          nodeId: id,
          edge: edge(now.source),
          title: `Link ${this.sourceName(now.source)} → ${name} is up`,
        });
      }
    } else if (now.role === 'replica' && now.linkStatus === 'up' && before.source !== now.source) {
      events.push({
        kind: 'link',
        nodeId: id,
        edge: edge(now.source),
        title: `Link ${this.sourceName(now.source)} → ${name} is up`,
      });
    }
    return events;
  }
}
