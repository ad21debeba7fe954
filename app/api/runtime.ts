/**
 * What the UI sees of the running lab: each node's process state and its polled
 * metrics, the engines found on this machine and the command log. Plain
 * serialisable data, sent over IPC or a WebSocket.
 */
import type { EngineInfo, NodeMetrics as LabNodeMetrics, NodeStatus } from '../lab/types';
import type { Topology } from './topology';

// The supervisor's and the poller's shapes are the contract's: one definition each.
export type { EngineInfo, NodeExit, ReplicaLink } from '../lab/types';
export type NodeMetrics = LabNodeMetrics;

/**
 * A node's life as the UI shows it: the supervisor's process state, plus `syncing`
 * (up, with a full sync in progress: master_sync_in_progress:1).
 * - starting: spawned, not yet answering PING
 * - up: answers PING
 * - syncing: up, loading its master's snapshot
 * - down: a remote server that does not answer
 * - crashed: exited without being asked to, or failed to start (with the log tail)
 * - frozen: stopped with SIGSTOP
 * - stopped: exited because the lab asked it to
 */
export const NODE_STATES = ['starting', 'up', 'syncing', 'down', 'crashed', 'frozen', 'stopped'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** A node's process (from the supervisor) and its last poll (from the metrics poller). */
export interface NodeRuntime extends Omit<NodeStatus, 'state'> {
  state: NodeState;
  metrics?: NodeMetrics;
}

/** Every action the UI takes, as the redis-cli (or shell) command line it amounts to. */
export interface CommandLogEntry {
  seq: number;
  at: number;
  nodeId?: string;
  /** e.g. `redis-cli -p 6380 REPLICAOF 127.0.0.1 6379` */
  command: string;
  ok: boolean;
  /** The reply, or the error text, as redis-cli would print it. */
  result?: string;
}

export interface LabSnapshot {
  host: 'electron' | 'web';
  workspace: string;
  topology: Topology;
  nodes: Record<string, NodeRuntime>;
  engines: EngineInfo[];
  log: CommandLogEntry[];
  /** The file the topology was last saved to or opened from. */
  topologyFile?: string;
  /** Replication edges that run through the lab's proxy, or carry a fault, by replica id. */
  links: Record<string, LinkRuntime>;
  /** The last events of the timeline (the whole list: `timeline.list`). */
  timeline: TimelineEvent[];
  /** Workloads by master id. */
  workloads: Record<string, WorkloadStatus>;
  consistency: Record<string, ConsistencyState>;
  sentinels: Record<string, SentinelRuntime>;
  /** Whether redis-sentinel runs here (`sentinel.create` needs it): `redis-sentinel 7.0.15 at /usr/bin/redis-sentinel`. */
  sentinelEngine?: { available: boolean; description: string; version?: string };
}

/** A terminal session: a redis-cli (Debian's or ours) in a pty, bound to one node. */
export interface TerminalInfo {
  sessionId: string;
  nodeId: string;
  /** Which client runs: `redis-cli 7.0.15 (/usr/bin/redis-cli)` or `replica-lab-cli (built-in)`. */
  cli: 'redis-cli' | 'builtin';
  cliDescription: string;
  /** The command line the pty runs, e.g. `redis-cli -h 127.0.0.1 -p 6380`. */
  commandLine: string;
  title: string;
  cols: number;
  rows: number;
  running: boolean;
}

// ---- faults, failover, workloads, consistency, Sentinel, the timeline (issue 7) ----

/**
 * A fault on a replication link, applied in the lab's TCP proxy between replica and
 * master. `cut`: which direction stops carrying bytes (`to-replica`: the master's
 * stream; `to-master`: the replica's ACKs). Latency and jitter are per chunk, in ms;
 * bandwidth 0 means no cap.
 */
export interface LinkFault {
  cut: 'none' | 'both' | 'to-replica' | 'to-master';
  latencyMs: number;
  jitterMs: number;
  bandwidthKbps: number;
}

export const NO_FAULT: LinkFault = { cut: 'none', latencyMs: 0, jitterMs: 0, bandwidthKbps: 0 };

/** A replication edge as it runs: straight to the master, or through the lab's proxy. */
export interface LinkRuntime {
  replica: string;
  master: string;
  /** Set when the replica's REPLICAOF points at the lab's proxy rather than at the master. */
  proxy?: { host: string; port: number };
  fault: LinkFault;
  /** Bytes the proxy carried each way since it was put in place. */
  bytesToReplica: number;
  bytesToMaster: number;
  /** TCP connections through the proxy open now. */
  connections: number;
}

/** What a sync was and why, read from the nodes' INFO stats and logs (never guessed). */
export interface SyncExplanation {
  mode: 'partial' | 'full';
  /** A sentence: "the gap (1200 bytes) fitted in the backlog (1048576 bytes)", "the replication id changed", ... */
  reason: string;
  /** Partial: bytes sent from the backlog. */
  gapBytes?: number;
  backlogBytes?: number;
  /** Where the explanation came from: `INFO stats sync_partial_ok 3→4`, a log line. */
  evidence: string[];
}

export const TIMELINE_KINDS = [
  'node', // started, stopped, restarted, crashed, frozen, thawed
  'role', // became master / replica of ...
  'link', // link up / down
  'sync', // full or partial sync, with its explanation
  'failover', // promote, FAILOVER, Sentinel's switch-master
  'fault', // applied or healed
  'sentinel', // a Sentinel event (+sdown, +odown, +switch-master, ...)
  'workload', // started, stopped
  'topology', // wiring changed, file opened
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One event of the lab's timeline. */
export interface TimelineEvent {
  seq: number;
  at: number;
  kind: TimelineKind;
  /** A sentence for the user: "redis_6380 did a partial resync from redis_6379". */
  title: string;
  nodeId?: string;
  /** For link events: the replica and its master. */
  edge?: { replica: string; master: string };
  level: 'info' | 'warning' | 'error';
  sync?: SyncExplanation;
  /** Anything else worth exporting (names and values as the source printed them). */
  details?: Record<string, string | number | boolean>;
}

/** One point of a node's chart. */
export interface MetricsSample {
  at: number;
  opsPerSec: number;
  usedMemory: number;
  keys: number;
  masterReplOffset: number;
  replicaOffset?: number;
  lagBytes?: number;
  lagSeconds?: number;
}

/** A workload's settings (see `workload.start`). */
export interface WorkloadSettings {
  masterId: string;
  ratePerSec: number;
  keySpace: number;
  valueSize: number;
  /** Share of operations that are reads (0..1). */
  readShare: number;
  readFrom: 'replicas' | 'master' | 'all';
}

/** Reads served by one node, and how many were stale. */
export interface WorkloadReadStats {
  nodeId: string;
  reads: number;
  readsPerSec: number;
  /** Reads that returned an older value than the master had already acknowledged. */
  stale: number;
  /** Stale reads over reads in the last second (the totals give the long-run rate). */
  staleRate: number;
  errors: number;
}

export interface WorkloadStatus {
  settings: WorkloadSettings;
  running: boolean;
  startedAt: number;
  writes: number;
  writesPerSec: number;
  writeErrors: number;
  reads: WorkloadReadStats[];
  /** The last error a command got (a sentence with the node). */
  lastError?: string;
}

/** Whether a node's data set equals its master's, from DEBUG DIGEST. */
export interface ConsistencyState {
  nodeId: string;
  masterId?: string;
  /**
   * equal / differs: digests compared at matching offsets; pending: writes in
   * flight (offsets differ); unknown: DEBUG refused (remote, enable-debug-command no) or too large to check.
   */
  state: 'equal' | 'differs' | 'pending' | 'unknown';
  digest?: string;
  masterDigest?: string;
  checkedAt: number;
  reason?: string;
}

export interface KeyDifference {
  key: string;
  /** missing-a / missing-b: the key exists on one node only. */
  kind: 'missing-a' | 'missing-b' | 'type' | 'value' | 'ttl';
  a?: string;
  b?: string;
}

export interface DiffResult {
  a: string;
  b: string;
  differences: KeyDifference[];
  keysA: number;
  keysB: number;
  /** More differences exist than `limit`. */
  truncated: boolean;
  tookMs: number;
}

/** A redis-sentinel process the lab runs, and what it sees. */
export interface SentinelRuntime {
  id: string;
  port: number;
  state: NodeState;
  pid?: number;
  error?: string;
  /** The name it monitors the master under (`mymaster`). */
  masterName: string;
  view?: SentinelView;
}

export interface SentinelView {
  /** The master as this Sentinel sees it now. */
  master: {
    host: string;
    port: number;
    flags: string[];
    quorum: number;
    numReplicas: number;
    numOtherSentinels: number;
    failoverState?: string;
  };
  replicas: Array<{ host: string; port: number; flags: string[] }>;
  /** Raw `SENTINEL MASTER <name>` fields, for the inspector. */
  fields: Record<string, string>;
}
