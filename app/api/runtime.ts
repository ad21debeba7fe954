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
