/**
 * Reading INFO: the fields the lab shows, and the lag of each replica, which
 * needs its master's INFO as well as its own.
 */
import type { NodeMetrics, ReplicaLink } from './types.js';

/** The sections the poller asks for (INFO with several sections: Redis 7). */
export const POLLED_SECTIONS = ['clients', 'memory', 'stats', 'replication', 'keyspace'] as const;

/** `name:value` lines of an INFO reply (all sections together). */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/\r$/, ''));
  }
  return fields;
}

/** One section (`# Replication` and its lines) as Redis prints it, LF line ends, no trailing blank line. */
export function infoSection(text: string, name: string): string {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => line.toLowerCase() === `# ${name.toLowerCase()}`);
  if (start === -1) return '';
  let end = start + 1;
  while (end < lines.length && lines[end] !== '' && !lines[end]!.startsWith('#')) end++;
  return lines.slice(start, end).join('\n');
}

/** `ip=127.0.0.1,port=6380,state=online,offset=238,lag=0` */
export function parseReplicaLine(value: string): ReplicaLink | undefined {
  const parts = new Map(value.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const ip = parts.get('ip');
  const port = Number(parts.get('port'));
  if (ip === undefined || !Number.isFinite(port)) return undefined;
  return {
    ip,
    port,
    state: parts.get('state') ?? '',
    offset: Number(parts.get('offset') ?? 0),
    lag: Number(parts.get('lag') ?? 0),
  };
}

function num(fields: Map<string, string>, name: string): number | undefined {
  const raw = fields.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** A node's metrics from its own INFO (lag is filled in later by computeLag). */
export function metricsFromInfo(id: string, text: string): NodeMetrics {
  const fields = infoFields(text);
  const role = fields.get('role') === 'slave' ? 'replica' : fields.get('role') === 'master' ? 'master' : undefined;
  let keys = 0;
  const replicas: ReplicaLink[] = [];
  for (const [name, value] of fields) {
    if (/^db\d+$/.test(name)) keys += Number(/(?:^|,)keys=(\d+)/.exec(value)?.[1] ?? 0);
    else if (/^slave\d+$/.test(name)) {
      const link = parseReplicaLine(value);
      if (link) replicas.push(link);
    }
  }
  const metrics: NodeMetrics = {
    id,
    reachable: true,
    role,
    syncInProgress: fields.get('master_sync_in_progress') === '1',
    keys,
    opsPerSec: num(fields, 'instantaneous_ops_per_sec') ?? 0,
    usedMemory: num(fields, 'used_memory') ?? 0,
    connectedClients: num(fields, 'connected_clients') ?? 0,
    masterReplOffset: num(fields, 'master_repl_offset') ?? 0,
    replicas,
    replicationInfo: infoSection(text, 'Replication'),
    replId: fields.get('master_replid'),
    syncFull: num(fields, 'sync_full'),
    syncPartialOk: num(fields, 'sync_partial_ok'),
    syncPartialErr: num(fields, 'sync_partial_err'),
    backlogSize: num(fields, 'repl_backlog_size'),
    backlogHistlen: num(fields, 'repl_backlog_histlen'),
  };
  if (role === 'replica') {
    metrics.masterHost = fields.get('master_host');
    metrics.masterPort = num(fields, 'master_port');
    const link = fields.get('master_link_status');
    if (link === 'up' || link === 'down') metrics.linkStatus = link;
    const lastIo = num(fields, 'master_last_io_seconds_ago');
    if (lastIo !== undefined && lastIo >= 0) metrics.masterLastIoSecondsAgo = lastIo;
    metrics.replicaOffset = num(fields, 'slave_repl_offset');
  }
  return metrics;
}

function sameHost(a: string, b: string): boolean {
  const normal = (host: string) => (host === 'localhost' || host === '::1' ? '127.0.0.1' : host);
  return normal(a) === normal(b);
}

export interface PolledNode {
  metrics: NodeMetrics;
  /** Where the poller reaches it. */
  host: string;
  port: number;
}

/**
 * Fills lagBytes/lagSeconds of every reachable replica: bytes are its master's
 * master_repl_offset minus its own slave_repl_offset (or, for a master the lab
 * does not poll, unknown); seconds are the master's `lag=` for it, else the
 * replica's master_last_io_seconds_ago.
 */
export function computeLag(
  nodes: readonly PolledNode[],
  alias: (host: string, port: number) => { host: string; port: number } | undefined = () => undefined,
): void {
  for (const replica of nodes) {
    const m = replica.metrics;
    delete m.lagBytes;
    delete m.lagSeconds;
    if (!m.reachable || m.role !== 'replica' || m.masterHost === undefined || m.masterPort === undefined) continue;
    const masterAt = alias(m.masterHost, m.masterPort) ?? { host: m.masterHost, port: m.masterPort };
    const master = nodes.find(
      (n) => n.metrics.reachable && n.port === masterAt.port && sameHost(n.host, masterAt.host) && n !== replica,
    );
    const link = master?.metrics.replicas.find((r) => r.port === replica.port && sameHost(r.ip, replica.host));
    if (master && m.replicaOffset !== undefined && m.linkStatus === 'up') {
      m.lagBytes = Math.max(0, master.metrics.masterReplOffset - m.replicaOffset);
    } else if (master && link) {
      m.lagBytes = Math.max(0, master.metrics.masterReplOffset - link.offset);
    }
    if (link && m.linkStatus === 'up') m.lagSeconds = link.lag;
    else if (m.masterLastIoSecondsAgo !== undefined) m.lagSeconds = m.masterLastIoSecondsAgo;
  }
}
