/**
 * How a part of the lab (faults, Sentinel, workloads, consistency) plugs into the
 * service: it answers its own requests, reads the lab through a LabContext, and
 * hears about changes through hooks. Each feature lives in its own folder; the
 * service only lists them, so adding one never means editing the others.
 */
import type { EventName, Events, Method, ParsedParams, Results } from '../api/contract';
import type { CommandLogEntry, LabSnapshot, NodeRuntime } from '../api/runtime';
import type { Topology, TopologyNode } from '../api/topology';
import type { RespValue } from '../resp/reply-parser';
import type { NodeAddress } from './node-connection';
import type { MetricsPoller } from './metrics';
import type { NodeSupervisor } from './supervisor';
import type { Timeline } from './timeline';
import type { EngineInfo, Endpoint, NodeMetrics, NodeStatus } from './types';

export type Handler<M extends Method> = (params: ParsedParams<M>) => Promise<Results[M]>;
export type Handlers = { [M in Method]: Handler<M> };

/** What a feature may read and do. Every method is the service's own. */
export interface LabContext {
  readonly workspace: string;
  readonly engines: readonly EngineInfo[];
  readonly supervisor: NodeSupervisor;
  /** The INFO poller (its endpoint aliases make a proxied replica's lag computable). */
  readonly poller: MetricsPoller;
  readonly timeline: Timeline;
  topology(): Topology;
  /** Replaces the topology and tells the UI (check the rules in app/lab/topology.ts first). */
  setTopology(next: Topology): void;
  runtime(id: string): NodeRuntime | undefined;
  /** The node, or a `not-found` LabError. */
  node(id: string): TopologyNode;
  /** `redis_6380 (127.0.0.1:6380)`. */
  label(id: string): string;
  address(node: TopologyNode): NodeAddress;
  /** Sends a command, writing it to the command log as its redis-cli line unless `log: false`. */
  command(id: string, args: string[], options?: { log?: boolean }): Promise<RespValue>;
  record(entry: Omit<CommandLogEntry, 'seq' | 'at'>): void;
  emit<E extends EventName>(event: E, data: Events[E]): void;
  /** Runs `work` after every topology change queued before it (changes never interleave). */
  serial<T>(work: () => Promise<T>): Promise<T>;
  /** REPLICAOF for a replica whose master is `masterId`: logged, checked, topology updated. */
  connectEdge(replicaId: string, masterId: string): Promise<void>;
}

export interface LabFeature {
  /** The requests this feature answers. */
  readonly handlers: Partial<Handlers>;
  /** Its part of `lab.snapshot`. */
  snapshot?(): Partial<LabSnapshot>;
  /**
   * Where a replica should connect to reach `master` (the faults feature answers
   * with its proxy for a proxied link). The first feature that answers wins.
   */
  replicationEndpoint?(replicaId: string, master: TopologyNode): Endpoint | undefined;
  /** The node a `host:port` a replica reports as its master stands for (a proxy's port, for one). */
  resolveEndpoint?(host: string, port: number): string | undefined;
  /** Every poll tick, with the latest metrics of every polled node. */
  onTick?(at: number, metrics: ReadonlyMap<string, NodeMetrics>): void;
  onNodeState?(status: NodeStatus, previous: NodeRuntime | undefined): void;
  /** After any topology change (the new topology). */
  onTopology?(topology: Topology): void;
  /** Before a node is removed from the lab (stop what the feature runs for it). */
  onNodeRemoved?(id: string): void | Promise<void>;
  /** The lab is cleared or replaced (topology.clear, open, import): stop everything the feature runs. */
  onClear?(): void | Promise<void>;
  /** A topology was opened or imported and its nodes started: start what it holds for the feature (its Sentinels). */
  onLoad?(topology: Topology): void | Promise<void>;
  dispose(): Promise<void>;
}
