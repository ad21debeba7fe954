/**
 * The contract between the lab and any UI: every request the UI can make, with the
 * schema its parameters are validated against before the lab sees them, what it
 * returns, and the events the lab pushes. Both hosts (Electron IPC and the web host's
 * WebSocket) carry exactly these messages; the renderer imports the types only.
 */
import { z } from 'zod';
import {
  engineKindSchema,
  linkFaultSchema,
  nodeIdSchema,
  portSchema,
  positionSchema,
  remoteAuthSchema,
  type Topology,
} from './topology';
import type {
  CommandLogEntry,
  ConsistencyState,
  DiffResult,
  LabSnapshot,
  LinkRuntime,
  MetricsSample,
  NodeMetrics,
  NodeRuntime,
  SentinelRuntime,
  SentinelView,
  TerminalInfo,
  TimelineEvent,
  WorkloadStatus,
} from './runtime';

const byId = z.object({ id: nodeIdSchema }).strict();
const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a session id is 1 to 64 letters, digits, "-" or "_"');
const nothing = z.object({}).strict();
const settingName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a setting name is a lower-case redis.conf directive');

export const requestSchemas = {
  'lab.snapshot': nothing,

  /** Starts a node. A replica is created replicating from `masterId`. */
  'node.create': z
    .object({
      role: z.enum(['master', 'replica']),
      engine: engineKindSchema.exclude(['remote']).default('builtin'),
      masterId: nodeIdSchema.optional(),
      position: positionSchema.optional(),
      port: portSchema.optional(),
      name: z.string().min(1).max(80).optional(),
    })
    .strict(),
  /** Adds a server the lab does not run (host:port, with AUTH). */
  'node.attach': z
    .object({
      host: z.string().min(1).max(253),
      port: portSchema,
      auth: remoteAuthSchema.optional(),
      name: z.string().min(1).max(80).optional(),
      position: positionSchema.optional(),
    })
    .strict(),
  'node.start': byId,
  'node.stop': byId,
  /** SHUTDOWN then start again; `dump: 'delete'` removes its dump file first (it starts empty). */
  'node.restart': z.object({ id: nodeIdSchema, dump: z.enum(['keep', 'delete']).default('keep') }).strict(),
  'node.kill': byId,
  'node.freeze': byId,
  'node.thaw': byId,
  'node.remove': z.object({ id: nodeIdSchema, deleteFiles: z.boolean().default(false) }).strict(),
  'node.rename': z.object({ id: nodeIdSchema, name: z.string().min(1).max(80) }).strict(),
  /** Layout only: never touches a process. */
  'node.move': z
    .object({ moves: z.array(z.object({ id: nodeIdSchema, position: positionSchema }).strict()).max(1000) })
    .strict(),
  'node.configSet': z.object({ id: nodeIdSchema, name: settingName, value: z.string().max(4096) }).strict(),
  'node.configGet': z.object({ id: nodeIdSchema, pattern: z.string().min(1).max(256) }).strict(),
  /** DEBUG SLEEP: the node stops answering for that long. */
  'node.debugSleep': z.object({ id: nodeIdSchema, seconds: z.number().min(0).max(600) }).strict(),
  /** CLIENT PAUSE: clients (or only writers) wait that long. */
  'node.clientPause': z
    .object({
      id: nodeIdSchema,
      ms: z.number().int().min(0).max(600_000),
      mode: z.enum(['write', 'all']).default('all'),
    })
    .strict(),
  /** Promotes a replica: REPLICAOF NO ONE on it, then its former siblings re-pointed to it. */
  'node.promote': z.object({ id: nodeIdSchema, moveSiblings: z.boolean().default(true) }).strict(),
  /** The coordinated FAILOVER: its master runs `FAILOVER TO <this replica>` (engines that have it). */
  'node.failover': z
    .object({
      id: nodeIdSchema,
      force: z.boolean().default(false),
      timeoutMs: z.number().int().min(0).max(600_000).optional(),
    })
    .strict(),
  /** Key-level differences between two nodes' data sets (SCAN + DEBUG DIGEST-VALUE / DUMP). */
  'node.diff': z
    .object({
      a: nodeIdSchema,
      b: nodeIdSchema,
      limit: z.number().int().min(1).max(10_000).default(200),
      match: z.string().max(256).optional(),
    })
    .strict(),
  /** `INFO <section>` as the server prints it. */
  'node.info': z.object({ id: nodeIdSchema, section: z.string().max(64).optional() }).strict(),
  'node.logTail': z.object({ id: nodeIdSchema, lines: z.number().int().min(1).max(5000).default(200) }).strict(),

  /** REPLICAOF: `replica` replicates from `master` (re-points it if it had another). */
  'edge.connect': z.object({ replica: nodeIdSchema, master: nodeIdSchema }).strict(),
  /** REPLICAOF NO ONE: the replica keeps its data and becomes a master. */
  'edge.disconnect': z.object({ replica: nodeIdSchema }).strict(),

  /** Puts the lab's proxy between the replica and its master (if not there yet) and applies the fault. */
  'edge.fault': z.object({ replica: nodeIdSchema, fault: linkFaultSchema }).strict(),
  /** Clears the link's fault; `direct: true` also takes the proxy away (REPLICAOF the master itself). */
  'edge.heal': z.object({ replica: nodeIdSchema, direct: z.boolean().default(false) }).strict(),

  /** Writes to `masterId`, reads from its replicas (or the master), at a rate, with a stale-read meter. */
  'workload.start': z
    .object({
      masterId: nodeIdSchema,
      ratePerSec: z.number().int().min(1).max(200_000).default(1000),
      keySpace: z.number().int().min(1).max(10_000_000).default(10_000),
      valueSize: z.number().int().min(1).max(1_048_576).default(100),
      readShare: z.number().min(0).max(1).default(0.8),
      readFrom: z.enum(['replicas', 'master', 'all']).default('replicas'),
    })
    .strict(),
  'workload.stop': z.object({ masterId: nodeIdSchema }).strict(),

  /** Checks every node's DEBUG DIGEST against its master's now (the lab also does it on its own). */
  'consistency.check': nothing,

  /** Starts `count` redis-sentinel processes watching `masterId` (Debian's redis-sentinel). */
  'sentinel.create': z
    .object({
      masterId: nodeIdSchema,
      count: z.number().int().min(1).max(7).default(3),
      quorum: z.number().int().min(1).max(7).default(2),
      downAfterMs: z.number().int().min(100).max(86_400_000).default(30_000),
      failoverTimeoutMs: z.number().int().min(1000).max(86_400_000).default(180_000),
      masterName: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/)
        .default('mymaster'),
      /** The first Sentinel's port (the others take the next free ones); default 26379 up. */
      port: portSchema.optional(),
    })
    .strict(),
  'sentinel.remove': byId,
  'sentinel.stop': byId,
  'sentinel.start': byId,
  /** SENTINEL FAILOVER <name> on this Sentinel: a failover without waiting for agreement. */
  'sentinel.failover': byId,
  /** What this Sentinel sees now (SENTINEL MASTER / REPLICAS). */
  'sentinel.view': byId,
  'sentinel.move': z
    .object({ moves: z.array(z.object({ id: nodeIdSchema, position: positionSchema }).strict()).max(100) })
    .strict(),

  /** Every timeline event the lab holds (newest last). */
  'timeline.list': nothing,
  'timeline.clear': nothing,
  /** The last minutes of each node's metrics, for the charts. */
  'metrics.history': z.object({ ids: z.array(nodeIdSchema).max(1000).optional() }).strict(),

  /** One master and two replicas on 6379/6380/6381, as the seed walkthrough sets up. */
  'topology.seed': z.object({ engine: engineKindSchema.exclude(['remote']).default('builtin') }).strict(),
  'topology.layout': nothing,
  /** Stops and removes every node (their folders stay). */
  'topology.clear': nothing,
  'topology.rename': z.object({ name: z.string().min(1).max(120) }).strict(),
  /** The topology as a YAML document (for a download). */
  'topology.toYaml': nothing,
  /** Replaces the lab with a YAML document; a bad document changes nothing. */
  'topology.fromYaml': z.object({ yaml: z.string().max(4_000_000), fileName: z.string().max(255).optional() }).strict(),
  'topology.save': z.object({ path: z.string().max(4096).optional() }).strict(),
  'topology.open': z.object({ path: z.string().min(1).max(4096) }).strict(),
  /** A folder of redis.conf files, a start script for plain redis-server and a docker-compose.yml. */
  'topology.exportConfigs': z.object({ dir: z.string().max(4096).optional() }).strict(),
  /** Reads such a folder (the seed's `config/` with redis_6379.conf ...) and draws it. */
  'topology.importConfigs': z.object({ dir: z.string().min(1).max(4096) }).strict(),

  /** A redis-cli session in a pty, bound to a node (`auto`: Debian's redis-cli where installed, else ours). */
  'terminal.open': z
    .object({
      nodeId: nodeIdSchema,
      cli: z.enum(['auto', 'redis-cli', 'builtin']).default('auto'),
      cols: z.number().int().min(2).max(1000).default(80),
      rows: z.number().int().min(2).max(500).default(24),
    })
    .strict(),
  /** Keystrokes or pasted text for the session. */
  'terminal.input': z.object({ sessionId: sessionIdSchema, data: z.string().max(1_000_000) }).strict(),
  'terminal.resize': z
    .object({
      sessionId: sessionIdSchema,
      cols: z.number().int().min(2).max(1000),
      rows: z.number().int().min(2).max(500),
    })
    .strict(),
  /** Flow control: the renderer has drawn this many more characters of output. */
  'terminal.ack': z.object({ sessionId: sessionIdSchema, chars: z.number().int().min(0) }).strict(),
  /** Starts the session's redis-cli again (after the node restarted, or it exited). */
  'terminal.restart': z.object({ sessionId: sessionIdSchema }).strict(),
  'terminal.close': z.object({ sessionId: sessionIdSchema }).strict(),
  /** The running sessions with their scrollback, to reattach after a page reload. */
  'terminal.list': nothing,
} as const;

export { linkFaultSchema };

export type Method = keyof typeof requestSchemas;
export type Params<M extends Method> = z.input<(typeof requestSchemas)[M]>;
export type ParsedParams<M extends Method> = z.output<(typeof requestSchemas)[M]>;

type Ok = Record<string, never>;
export interface Results {
  'lab.snapshot': LabSnapshot;
  'node.create': { id: string };
  'node.attach': { id: string };
  'node.start': Ok;
  'node.stop': Ok;
  'node.restart': Ok;
  'node.kill': Ok;
  'node.freeze': Ok;
  'node.thaw': Ok;
  'node.remove': Ok;
  'node.rename': Ok;
  'node.move': Ok;
  'node.configSet': { reply: string };
  'node.configGet': { values: Record<string, string> };
  'node.info': { text: string };
  'node.logTail': { lines: string[] };
  'node.debugSleep': Ok;
  'node.clientPause': Ok;
  'node.promote': Ok;
  'node.failover': { reply: string };
  'node.diff': DiffResult;
  'edge.fault': LinkRuntime;
  'edge.heal': Ok;
  'workload.start': WorkloadStatus;
  'workload.stop': Ok;
  'consistency.check': { consistency: Record<string, ConsistencyState> };
  'sentinel.create': { ids: string[] };
  'sentinel.remove': Ok;
  'sentinel.stop': Ok;
  'sentinel.start': Ok;
  'sentinel.failover': { reply: string };
  'sentinel.view': { view: SentinelView | undefined };
  'sentinel.move': Ok;
  'timeline.list': { events: TimelineEvent[] };
  'timeline.clear': Ok;
  'metrics.history': { series: Record<string, MetricsSample[]> };
  'edge.connect': Ok;
  'edge.disconnect': Ok;
  'topology.seed': { ids: string[] };
  'topology.layout': Ok;
  'topology.clear': Ok;
  'topology.rename': Ok;
  'topology.toYaml': { yaml: string; fileName: string };
  'topology.fromYaml': Ok;
  'topology.save': { path: string };
  'topology.open': Ok;
  'topology.exportConfigs': { dir: string; files: string[] };
  'topology.importConfigs': { ids: string[] };
  'terminal.open': TerminalInfo;
  'terminal.input': Ok;
  'terminal.resize': Ok;
  'terminal.ack': Ok;
  'terminal.restart': TerminalInfo;
  'terminal.close': Ok;
  'terminal.list': { sessions: Array<TerminalInfo & { scrollback: string }> };
}

export interface Events {
  /** The whole topology after any change to it (small: nodes and edges only). */
  topology: Topology;
  /** Process states that changed, by node id. A removed node maps to null. */
  nodes: Record<string, NodeRuntime | null>;
  /** One poll tick: only the nodes whose metrics changed, by node id. */
  metrics: Record<string, NodeMetrics>;
  log: CommandLogEntry;
  notice: { level: 'info' | 'warning' | 'error'; message: string };
  /** Output of a terminal session, in order; acknowledge it with `terminal.ack` once drawn. */
  'terminal.output': { sessionId: string; data: string };
  'terminal.exit': { sessionId: string; exitCode: number | null; signal: number | null };
  timeline: TimelineEvent;
  /** Links whose proxy or fault changed, by replica id (null: back to a direct link). */
  links: Record<string, LinkRuntime | null>;
  /** A workload's figures, once a second while it runs, and when it stops. */
  workload: WorkloadStatus;
  consistency: Record<string, ConsistencyState>;
  /** Sentinels whose state or view changed, by id (null: removed). */
  sentinels: Record<string, SentinelRuntime | null>;
}
export type EventName = keyof Events;

/**
 * Why a request failed. `invalid`: the parameters did not match the schema;
 * `rule`: the topology would break a rule; `refused`: not possible for this node
 * (a remote node cannot be killed); `not-found`; `failed`: the operation ran and failed.
 */
export interface ApiError {
  code: 'invalid' | 'rule' | 'refused' | 'not-found' | 'failed';
  message: string;
  /** For a file that is `invalid` or breaks a `rule`: where the problem is (1-based line, field path). */
  line?: number;
  field?: string;
}

/** The messages on the wire (IPC or WebSocket), one JSON object each. */
export type ClientMessage = { type: 'request'; id: number; method: Method; params: unknown };
export type ServerMessage =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: ApiError }
  | { type: 'event'; event: EventName; data: unknown };

/** What the renderer calls, whatever the host. */
export interface LabClient {
  request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]>;
  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void;
}

export class ApiRequestError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'ApiRequestError';
  }
}

/** Validates a request's parameters against its schema; the error names the field. */
export function parseParams<M extends Method>(
  method: M,
  params: unknown,
): { ok: true; value: ParsedParams<M> } | { ok: false; error: ApiError } {
  // The map's value type is a union of every schema; indexing by M cannot narrow it.
  const schema: z.ZodType = requestSchemas[method];
  const result = schema.safeParse(params ?? {});
  if (result.success) return { ok: true, value: result.data as ParsedParams<M> };
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || undefined;
  return {
    ok: false,
    error: { code: 'invalid', message: `${method}: ${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`, field },
  };
}

export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name);
}
