/**
 * The topology as data: what the canvas draws, what a topology file holds and what
 * the supervisor makes real. Plain serialisable shapes only (the renderer imports
 * them), with the zod schemas that validate every message and every file.
 */
import { z } from 'zod';

/** Where a node's process comes from. `remote` nodes are attached, never started. */
export const ENGINE_KINDS = ['builtin', 'redis-server', 'valkey-server', 'remote'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];
export const engineKindSchema = z.enum(ENGINE_KINDS);

export const positionSchema = z.object({ x: z.number().finite(), y: z.number().finite() }).strict();
export type Position = z.infer<typeof positionSchema>;

/** A node id is how edges and requests name a node; it never changes once given. */
export const nodeIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a node id is 1 to 64 letters, digits, "-" or "_"');

export const portSchema = z.number().int().min(1).max(65535);

/**
 * redis.conf directives the user set on a node, by name. The lab writes its own
 * (port, dir, logfile, replicaof, ...) and refuses those here: one source of truth.
 */
export const settingsSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9-]*$/, 'a setting name is a lower-case redis.conf directive'),
  z.string(),
);

export const remoteAuthSchema = z.object({ username: z.string().optional(), password: z.string().optional() }).strict();

export const topologyNodeSchema = z
  .object({
    id: nodeIdSchema,
    name: z.string().min(1).max(80),
    engine: engineKindSchema,
    host: z.string().min(1).default('127.0.0.1'),
    port: portSchema,
    position: positionSchema.default({ x: 0, y: 0 }),
    settings: settingsSchema.default({}),
    auth: remoteAuthSchema.optional(),
  })
  .strict();
export type TopologyNode = z.infer<typeof topologyNodeSchema>;

/** A fault for a replication link (see LinkFault). Fields left out are off. */
export const linkFaultSchema = z
  .object({
    cut: z.enum(['none', 'both', 'to-replica', 'to-master']).default('none'),
    latencyMs: z.number().int().min(0).max(60_000).default(0),
    jitterMs: z.number().int().min(0).max(60_000).default(0),
    /** 0: no cap. */
    bandwidthKbps: z.number().int().min(0).max(10_000_000).default(0),
  })
  .strict();

/**
 * A replication edge: `replica` runs REPLICAOF `master`. Data flows master -> replica.
 * `fault`: the link runs through the lab's proxy with this fault (kept in topology files).
 */
export const replicationEdgeSchema = z
  .object({ replica: nodeIdSchema, master: nodeIdSchema, fault: linkFaultSchema.optional() })
  .strict();
export type ReplicationEdge = z.infer<typeof replicationEdgeSchema>;

/**
 * A redis-sentinel process the lab runs beside the nodes, watching `master` (a node
 * id) under `masterName`. Its settings are Sentinel's: quorum, down-after-milliseconds,
 * failover-timeout.
 */
export const sentinelSchema = z
  .object({
    id: nodeIdSchema,
    name: z.string().min(1).max(80),
    port: portSchema,
    position: positionSchema.default({ x: 0, y: 0 }),
    master: nodeIdSchema,
    masterName: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/)
      .default('mymaster'),
    quorum: z.number().int().min(1).max(100).default(2),
    downAfterMs: z.number().int().min(100).max(86_400_000).default(30_000),
    failoverTimeoutMs: z.number().int().min(1000).max(86_400_000).default(180_000),
  })
  .strict();
export type TopologySentinel = z.infer<typeof sentinelSchema>;

export const TOPOLOGY_VERSION = 1;

export const topologySchema = z
  .object({
    version: z.literal(TOPOLOGY_VERSION),
    name: z.string().min(1).max(120).default('Untitled lab'),
    nodes: z.array(topologyNodeSchema).default([]),
    edges: z.array(replicationEdgeSchema).default([]),
    sentinels: z.array(sentinelSchema).default([]),
  })
  .strict();
export type Topology = z.infer<typeof topologySchema>;

export function emptyTopology(name = 'Untitled lab'): Topology {
  return { version: TOPOLOGY_VERSION, name, nodes: [], edges: [], sentinels: [] };
}
