/**
 * The lab's plain, serialisable shapes: what the supervisor, the engines list and
 * the metrics poller hand to a UI (through app/api). No classes, no functions, no
 * Dates: every value survives JSON and structured clone unchanged.
 */

/** Where a node's server comes from. */
export type EngineKind = 'builtin' | 'redis-server' | 'valkey-server' | 'remote';

/** An engine the lab can run nodes on (or attach to, for `remote`). */
export interface EngineInfo {
  kind: EngineKind;
  /** False when the executable was not found or did not answer `--version`. */
  available: boolean;
  /** Absolute path of the executable (for builtin: the Node executable that runs the entry). */
  executable?: string;
  /** Server version as the executable reports it (`7.0.15`). */
  version?: string;
  /** What the app shows: `redis-server 7.0.15 at /usr/bin/redis-server`. */
  description: string;
  /** False for remote servers: the lab never starts, stops, kills or freezes them. */
  managesProcess: boolean;
}

/** A `host:port` a replica replicates from. */
export interface Endpoint {
  host: string;
  port: number;
}

/** What the supervisor is asked to run (or, for `remote`, to attach to). */
export interface NodeSpec {
  /** Unique within the lab; the canvas's node id. */
  id: string;
  engine: EngineKind;
  /** Local nodes: a free port from the supervisor's base is picked when absent. Remote: required. */
  port?: number;
  /** Remote nodes only (local nodes always listen on 127.0.0.1). */
  host?: string;
  /** AUTH for remote nodes (and for local ones whose settings set requirepass). */
  username?: string;
  password?: string;
  /** Extra redis.conf directives, `name value` (e.g. `{ 'repl-diskless-sync': 'yes' }`). */
  settings?: Record<string, string>;
  replicaOf?: Endpoint;
}

/**
 * The supervisor's view of a node's process. `syncing` is not here: it is a
 * metrics fact (master_sync_in_progress), not a process state.
 * - starting: spawned, not yet answering PING
 * - up: answers PING (remote: answered PING when attached)
 * - down: remote server that did not answer when attached
 * - crashed: exited without being asked to stop (or killed with -9 from the lab), or failed to start
 * - frozen: stopped with SIGSTOP
 * - stopped: exited because the lab asked it to (stop, restart, remove, dispose)
 */
export type NodeState = 'starting' | 'up' | 'down' | 'crashed' | 'frozen' | 'stopped';

export interface NodeExit {
  code: number | null;
  signal: string | null;
  /** True when the lab asked for the exit (stop, or a kill from the lab). */
  requested: boolean;
}

export interface NodeStatus {
  id: string;
  engine: EngineKind;
  host: string;
  port: number;
  state: NodeState;
  replicaOf?: Endpoint;
  pid?: number;
  /** Epoch milliseconds of the last spawn. */
  startedAt?: number;
  /** The node's folder and files (local nodes only). */
  dir?: string;
  confPath?: string;
  logPath?: string;
  /** How the process last ended. */
  exit?: NodeExit;
  /** A sentence for the user when something went wrong (crash, port in use, start timeout). */
  error?: string;
  /** Last lines of the node's log (and of its stderr) when it crashed or failed to start. */
  logTail?: string[];
}

/** One `slaveN:` line of a master's INFO replication. */
export interface ReplicaLink {
  ip: string;
  port: number;
  state: string;
  offset: number;
  /** Seconds since that replica's last REPLCONF ACK. */
  lag: number;
}

/** What the metrics poller knows about one node; every field is from INFO. */
export interface NodeMetrics {
  id: string;
  /** False when the node could not be reached or did not answer INFO in time. */
  reachable: boolean;
  /** Why it is unreachable (a sentence), or the error INFO returned. */
  error?: string;
  role?: 'master' | 'replica';
  /** Replica side (role replica). */
  masterHost?: string;
  masterPort?: number;
  linkStatus?: 'up' | 'down';
  masterLastIoSecondsAgo?: number;
  syncInProgress: boolean;
  /** Sum of keys over all databases (INFO keyspace). */
  keys: number;
  opsPerSec: number;
  usedMemory: number;
  connectedClients: number;
  masterReplOffset: number;
  /** Replica side: slave_repl_offset. */
  replicaOffset?: number;
  /** Replica side: how far it is behind its master, in bytes and in seconds. */
  lagBytes?: number;
  lagSeconds?: number;
  /** Master side: its replicas as it lists them. */
  replicas: ReplicaLink[];
  /** The `# Replication` section exactly as Redis prints it (CRLF turned into LF). */
  replicationInfo: string;
  /** master_replid: changes on promotion and on a full sync from another history. */
  replId?: string;
  /** INFO stats, master side: full syncs served, partial resyncs accepted and refused. */
  syncFull?: number;
  syncPartialOk?: number;
  syncPartialErr?: number;
  /** repl_backlog_size and repl_backlog_histlen (bytes in the backlog now). */
  backlogSize?: number;
  backlogHistlen?: number;
}

/** One poller tick: only the nodes whose metrics changed since the previous tick. */
export interface MetricsBatch {
  /** Epoch milliseconds of the tick. */
  at: number;
  nodes: NodeMetrics[];
}
