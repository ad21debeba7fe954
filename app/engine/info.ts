/**
 * The INFO text (server.c genRedisInfoString): every section and field Redis
 * 7.0.15 prints, in its order and with its names, filled from the engine's state.
 * Fields describing machinery the engine does not have (forks, AOF, jemalloc,
 * Lua, I/O threads) keep the values an idle Redis shows for them.
 */
import { arch, machine, release, totalmem, type } from 'node:os';
import { resolve } from 'node:path';
import type { Client } from './client.js';
import type { Server } from './server.js';
import { REDIS_VERSION } from './server.js';
import { latencyState } from './latency.js';
import { replicaStateName } from './replication/master.js';
import { scriptingMemoryInfo } from './scripting/scripting.js';

/** Sections of `INFO` / `INFO default`, as genInfoSectionDict's default list. */
const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'errorstats',
  'cluster',
  'keyspace',
];

type SectionWriter = (server: Server) => string;

/**
 * The sections in output order. `module_list` and `modules` both select the
 * Modules section, as in Redis.
 */
const SECTIONS: readonly { names: readonly string[]; write: SectionWriter; inDefault: boolean }[] = [
  { names: ['server'], write: serverSection, inDefault: true },
  { names: ['clients'], write: clientsSection, inDefault: true },
  { names: ['memory'], write: memorySection, inDefault: true },
  { names: ['persistence'], write: persistenceSection, inDefault: true },
  { names: ['stats'], write: statsSection, inDefault: true },
  { names: ['replication'], write: replicationSection, inDefault: true },
  { names: ['cpu'], write: cpuSection, inDefault: true },
  { names: ['module_list', 'modules'], write: () => '# Modules\r\n', inDefault: true },
  { names: ['commandstats'], write: commandstatsSection, inDefault: false },
  { names: ['errorstats'], write: errorstatsSection, inDefault: true },
  { names: ['latencystats'], write: latencystatsSection, inDefault: false },
  { names: ['cluster'], write: () => '# Cluster\r\ncluster_enabled:0\r\n', inDefault: true },
  { names: ['keyspace'], write: keyspaceSection, inDefault: true },
];

/**
 * genInfoSectionDict() + genRedisInfoString(): `args` are INFO's arguments
 * (section names, `default`, `all`, `everything`), case-insensitive.
 */
export function genInfoString(server: Server, args: readonly string[]): string {
  const wanted = new Set<string>();
  let all = false;
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) wanted.add(s);
  for (const arg of args) {
    const name = arg.toLowerCase();
    if (name === 'default') for (const s of DEFAULT_SECTIONS) wanted.add(s);
    else if (name === 'all' || name === 'everything') all = true;
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const section of SECTIONS) {
    if (all || section.names.some((n) => wanted.has(n))) parts.push(section.write(server));
  }
  return parts.join('\r\n');
}

function lines(title: string, fields: readonly (readonly [string, string | number])[]): string {
  let s = `# ${title}\r\n`;
  for (const [name, value] of fields) s += `${name}:${value}\r\n`;
  return s;
}

/** bytesToHuman(): 894.96K, 6.44M, ... */
export function bytesToHuman(n: number): string {
  let scaled = n;
  for (const unit of ['B', 'K', 'M', 'G', 'T', 'P']) {
    if (scaled < 1024) return unit === 'B' ? `${n}B` : `${scaled.toFixed(2)}${unit}`;
    scaled /= 1024;
  }
  // Beyond petabytes Redis falls back to plain bytes.
  return `${n}B`;
}

/** getSafeInfoString(): names must not break the `field:value` lines. */
function safeInfoName(name: string): string {
  return /[#:\r\n]/.test(name) ? name.replace(/[#:\r\n]/g, '_') : name;
}

const BUILD_ID = '7a1ab0e17e2d5c0e';

function serverSection(server: Server): string {
  const now = Date.now();
  const uptime = Math.floor((now - server.startTime) / 1000);
  const hz = server.config.num('hz');
  const script = process.argv[1];
  return lines('Server', [
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', BUILD_ID],
    ['redis_mode', 'standalone'],
    ['os', `${type()} ${release()} ${machine()}`],
    ['arch_bits', arch().endsWith('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : 'kqueue'],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', server.runId],
    ['tcp_port', server.boundPort()],
    ['server_time_usec', now * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', Math.floor(now / 1000) & 0xffffff],
    ['executable', script ? resolve(script) : process.execPath],
    ['config_file', server.config.configFile ?? ''],
    ['io_threads_active', 0],
  ]);
}

function clientsSection(server: Server): string {
  let normal = 0;
  let maxIn = 0;
  let maxOut = 0;
  let inTimeoutTable = 0;
  // Clients held by CLIENT PAUSE are blocked ones for Redis (BLOCKED_POSTPONE).
  let postponed = 0;
  for (const c of server.clients.values()) {
    if (c.paused) postponed++;
    if (!c.isReplica || c.monitor) normal++;
    maxIn = Math.max(maxIn, c.parser.bufferedBytes());
    maxOut = Math.max(maxOut, c.socket?.writableLength ?? 0);
    if (c.blocked && c.blocked.deadline > 0) inTimeoutTable++;
  }
  return lines('Clients', [
    ['connected_clients', normal],
    ['cluster_connections', 0],
    ['maxclients', server.config.num('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', server.blocking.blockedCount + postponed],
    ['tracking_clients', 0],
    ['clients_in_timeout_table', inTimeoutTable],
  ]);
}

/** Memory figures INFO memory derives from the process, remembered per server. */
interface MemoryMarks {
  startup: number;
  peak: number;
}

const memoryMarks = new WeakMap<Server, MemoryMarks>();

/** The engine's "zmalloc_used_memory": what the JS heap and native buffers hold. */
export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function percent(part: number, whole: number): string {
  return `${(whole > 0 ? (part * 100) / whole : 0).toFixed(2)}%`;
}

function ratio(a: number, b: number): string {
  return (b > 0 ? a / b : 0).toFixed(2);
}

function memorySection(server: Server): string {
  const mem = process.memoryUsage();
  const used = mem.heapUsed + mem.external;
  let marks = memoryMarks.get(server);
  if (!marks) memoryMarks.set(server, (marks = { startup: used, peak: used }));
  if (used > marks.peak) marks.peak = used;
  let clientsNormal = 0;
  let clientsReplicas = 0;
  for (const c of server.clients.values()) {
    const pending = (c.socket?.writableLength ?? 0) + c.out.length + c.parser.bufferedBytes();
    if (c.isReplica && !c.monitor) clientsReplicas += pending;
    else clientsNormal += pending;
  }
  const overhead = Math.min(used, marks.startup + clientsNormal + clientsReplicas);
  const dataset = used - overhead;
  const netUsage = used - marks.startup;
  const maxmemory = server.config.num('maxmemory');
  const total = totalmem();
  const scripts = scriptingMemoryInfo(server);
  return lines('Memory', [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', mem.rss],
    ['used_memory_rss_human', bytesToHuman(mem.rss)],
    ['used_memory_peak', marks.peak],
    ['used_memory_peak_human', bytesToHuman(marks.peak)],
    ['used_memory_peak_perc', percent(used, marks.peak)],
    ['used_memory_overhead', overhead],
    ['used_memory_startup', marks.startup],
    ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', percent(dataset, netUsage)],
    ['allocator_allocated', mem.heapUsed],
    ['allocator_active', mem.heapTotal],
    ['allocator_resident', mem.rss],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_lua', scripts.vmEval],
    ['used_memory_vm_eval', scripts.vmEval],
    ['used_memory_lua_human', bytesToHuman(scripts.vmEval)],
    ['used_memory_scripts_eval', scripts.scriptsEval],
    ['number_of_cached_scripts', scripts.cachedScripts],
    ['number_of_functions', scripts.functions],
    ['number_of_libraries', scripts.libraries],
    ['used_memory_vm_functions', scripts.vmFunctions],
    ['used_memory_vm_total', scripts.vmEval + scripts.vmFunctions],
    ['used_memory_vm_total_human', bytesToHuman(scripts.vmEval + scripts.vmFunctions)],
    ['used_memory_functions', scripts.functionsCache],
    ['used_memory_scripts', scripts.scriptsEval + scripts.functionsCache],
    ['used_memory_scripts_human', bytesToHuman(scripts.scriptsEval + scripts.functionsCache)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.str('maxmemory-policy')],
    ['allocator_frag_ratio', ratio(mem.heapTotal, mem.heapUsed)],
    ['allocator_frag_bytes', Math.max(0, mem.heapTotal - mem.heapUsed)],
    ['allocator_rss_ratio', ratio(mem.rss, mem.heapTotal)],
    ['allocator_rss_bytes', mem.rss - mem.heapTotal],
    ['rss_overhead_ratio', ratio(mem.rss, mem.rss)],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(mem.rss, used)],
    ['mem_fragmentation_bytes', mem.rss - used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', server.replication.backlogMemory()],
    ['mem_total_replication_buffers', server.replication.replicationBufferMemory()],
    ['mem_clients_slaves', clientsReplicas],
    ['mem_clients_normal', clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', 'libc'],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ]);
}

/** LASTSAVE / rdb_last_save_time. */
export function lastSaveTime(server: Server): number {
  return server.persistence.lastSave;
}

function persistenceSection(server: Server): string {
  return lines('Persistence', [
    ['loading', 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ...server.persistence.infoFields(),
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ]);
}

function statsSection(server: Server): string {
  const st = server.stats;
  return lines('Stats', [
    ['total_connections_received', st.totalConnections],
    ['total_commands_processed', st.totalCommands],
    ['instantaneous_ops_per_sec', st.instantaneousOps()],
    ['total_net_input_bytes', st.netInputBytes],
    ['total_net_output_bytes', st.netOutputBytes],
    ['total_net_repl_input_bytes', st.netReplInputBytes],
    ['total_net_repl_output_bytes', st.netReplOutputBytes],
    ['instantaneous_input_kbps', st.instantaneousKbps('input')],
    ['instantaneous_output_kbps', st.instantaneousKbps('output')],
    ['instantaneous_input_repl_kbps', st.instantaneousKbps('input_repl')],
    ['instantaneous_output_repl_kbps', st.instantaneousKbps('output_repl')],
    ['rejected_connections', st.rejectedConnections],
    ['sync_full', st.syncFull],
    ['sync_partial_ok', st.syncPartialOk],
    ['sync_partial_err', st.syncPartialErr],
    ['expired_keys', st.expiredKeys],
    ['expired_stale_perc', '0.00'],
    ['expired_time_cap_reached_count', 0],
    ['expire_cycle_cpu_milliseconds', 0],
    ['evicted_keys', st.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', st.keyspaceHits],
    ['keyspace_misses', st.keyspaceMisses],
    ['pubsub_channels', server.pubsub.channels.size],
    ['pubsub_patterns', server.pubsub.patterns.size],
    ['pubsubshard_channels', server.pubsub.shardChannels.size],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', st.unexpectedErrorReplies],
    ['total_error_replies', st.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', 0],
    ['total_writes_processed', 0],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ]);
}

/**
 * INFO replication, in Redis's field order. The replica-side fields (master_host,
 * master_link_status, ...) are added by the replica side of replication.
 */
export function replicationSection(server: Server): string {
  const repl = server.replication;
  const fields: [string, string | number][] = [['role', server.isReplica() ? 'slave' : 'master']];
  if (server.masterHost !== undefined) fields.push(...replicaFields(server, server.masterHost));
  fields.push(['connected_slaves', repl.replicas.size]);
  // Shown only when min-replicas-to-write is active.
  const maxLag = server.config.num('min-replicas-max-lag');
  if (server.config.num('min-replicas-to-write') > 0 && maxLag > 0) {
    fields.push(['min_slaves_good_slaves', repl.goodReplicasCount(maxLag)]);
  }
  let index = 0;
  const now = Date.now();
  for (const link of repl.replicas.values()) {
    const c = link.client;
    const ip = c.replicaAnnouncedIp || c.addr.slice(0, c.addr.lastIndexOf(':')) || '127.0.0.1';
    // Redis counts lag in whole seconds of its clock, and only once a replica is online.
    const lag = link.state === 'online' ? Math.floor(now / 1000) - Math.floor(link.ackTime / 1000) : 0;
    fields.push([
      `slave${index++}`,
      `ip=${ip},port=${link.listeningPort},state=${replicaStateName(link.state)},offset=${link.ackOffset},lag=${lag}`,
    ]);
  }
  const backlog = repl.backlog;
  fields.push(
    ['master_failover_state', repl.failover.state],
    ['master_replid', repl.replId],
    ['master_replid2', repl.replId2],
    ['master_repl_offset', repl.offset],
    ['second_repl_offset', repl.secondReplOffset],
    ['repl_backlog_active', backlog ? 1 : 0],
    ['repl_backlog_size', server.config.num('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', backlog ? backlog.firstByteOffset : 0],
    ['repl_backlog_histlen', backlog ? backlog.histlen : 0],
  );
  return lines('Replication', fields);
}

/** The role:slave fields of INFO replication, as genRedisInfoString() prints them. */
function replicaFields(server: Server, masterHost: string): [string, string | number][] {
  const replica = server.replica;
  const now = Math.floor(Date.now() / 1000);
  const master = replica.masterClient;
  const fields: [string, string | number][] = [
    ['master_host', masterHost],
    ['master_port', replica.masterPort],
    ['master_link_status', replica.state === 'connected' ? 'up' : 'down'],
    ['master_last_io_seconds_ago', master ? now - Math.floor(master.lastInteraction / 1000) : -1],
    ['master_sync_in_progress', replica.state === 'transfer' ? 1 : 0],
    ['slave_read_repl_offset', replica.readOffset()],
    ['slave_repl_offset', replica.appliedOffset()],
  ];
  if (replica.state === 'transfer') {
    const { size, read, lastIo } = replica.transferProgress();
    fields.push(
      ['master_sync_total_bytes', size],
      ['master_sync_read_bytes', read],
      ['master_sync_left_bytes', size - read],
      ['master_sync_perc', (size ? (read / size) * 100 : 0).toFixed(2)],
      ['master_sync_last_io_seconds_ago', now - lastIo],
    );
  }
  if (replica.state !== 'connected') {
    fields.push(['master_link_down_since_seconds', replica.downSince ? now - replica.downSince : -1]);
  }
  fields.push(
    ['slave_priority', server.config.num('replica-priority')],
    ['slave_read_only', server.config.bool('replica-read-only') ? 1 : 0],
    ['replica_announced', server.config.bool('replica-announced') ? 1 : 0],
  );
  return fields;
}

/** "%ld.%06ld" of a microsecond count. */
function seconds(micros: number): string {
  return `${Math.floor(micros / 1e6)}.${String(Math.floor(micros % 1e6)).padStart(6, '0')}`;
}

function cpuSection(): string {
  const cpu = process.cpuUsage();
  return lines('CPU', [
    ['used_cpu_sys', seconds(cpu.system)],
    ['used_cpu_user', seconds(cpu.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', seconds(cpu.system)],
    ['used_cpu_user_main_thread', seconds(cpu.user)],
  ]);
}

function commandstatsSection(server: Server): string {
  let s = '# Commandstats\r\n';
  for (const cmd of server.commands.all()) {
    if (!cmd.calls && !cmd.failedCalls && !cmd.rejectedCalls) continue;
    // Redis divides as a C float before printing with %.2f.
    const perCall = cmd.calls === 0 ? 0 : Math.fround(cmd.usec / cmd.calls);
    s +=
      `cmdstat_${safeInfoName(cmd.fullName)}:calls=${cmd.calls},usec=${cmd.usec},` +
      `usec_per_call=${perCall.toFixed(2)},rejected_calls=${cmd.rejectedCalls},failed_calls=${cmd.failedCalls}\r\n`;
  }
  return s;
}

function errorstatsSection(server: Server): string {
  let s = '# Errorstats\r\n';
  // Redis keeps them in a radix tree: byte order.
  const codes = [...server.stats.errors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const code of codes) s += `errorstat_${safeInfoName(code)}:count=${server.stats.errors.get(code)}\r\n`;
  return s;
}

function latencystatsSection(server: Server): string {
  let s = '# Latencystats\r\n';
  const state = latencyState(server);
  if (!state.trackingEnabled) return s;
  const percentiles = server.config
    .str('latency-tracking-info-percentiles')
    .split(/\s+/)
    .filter((p) => p !== '')
    .map(Number);
  for (const cmd of server.commands.all()) {
    const histogram = state.histograms.get(cmd);
    if (!histogram) continue;
    const parts = percentiles.map((p) => `p${formatPercentile(p)}=${histogram.valueAtPercentile(p).toFixed(3)}`);
    s += `latency_percentiles_usec_${safeInfoName(cmd.fullName)}:${parts.join(',')}\r\n`;
  }
  return s;
}

/** "%f" then trimDoubleString(): 50 -> "50", 99.9 -> "99.9". */
function formatPercentile(p: number): string {
  return p.toFixed(6).replace(/\.?0+$/, '');
}

function keyspaceSection(server: Server): string {
  let s = '# Keyspace\r\n';
  for (const db of server.dbs) {
    const keys = db.dict.size;
    const expires = db.expires.size;
    if (keys || expires) s += `db${db.id}:keys=${keys},expires=${expires},avg_ttl=${Math.round(db.avgTtl)}\r\n`;
  }
  return s;
}

/** INFO's reply: a bulk string (verbatim `txt` in RESP3). */
export function replyInfo(c: Client, args: readonly string[]): void {
  c.verbatim(genInfoString(c.server, args));
}
