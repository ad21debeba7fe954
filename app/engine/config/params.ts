/**
 * Every configuration parameter of Redis 7.0.15, transcribed from the
 * `static_configs[]` table of src/config.c (order, names, aliases, flags,
 * bounds and defaults are Redis's), plus the "special" parameters Redis
 * implements by hand (save, bind, dir, client-output-buffer-limit, ...).
 *
 * Defaults are written as CONFIG GET prints them on a fresh redis-server:
 * memory values in bytes, enums by name, booleans yes/no. `dir` has no static
 * default: it is the working directory at start-up.
 */

/** Flags of standardConfig (server.h). MODIFIABLE is the absence of IMMUTABLE. */
export const MODIFIABLE = 0;
export const IMMUTABLE = 1 << 0;
export const SENSITIVE = 1 << 1;
export const DEBUG = 1 << 2;
export const MULTI_ARG = 1 << 3;
export const HIDDEN = 1 << 4;
export const PROTECTED = 1 << 5;
export const DENY_LOADING = 1 << 6;
export const VOLATILE = 1 << 7;

/** numericConfigData.flags: how a number is written and parsed. */
export const INTEGER = 0;
export const MEMORY = 1 << 0;
export const PERCENT = 1 << 1;
export const OCTAL = 1 << 2;

/** C integer type behind a numeric parameter: decides signed/unsigned bound checks. */
export type NumericCType =
  'int' | 'uint' | 'long' | 'ulong' | 'longlong' | 'ulonglong' | 'size_t' | 'ssize_t' | 'time_t' | 'off_t';

/** configEnum: names and values; several names may share a value (the first one prints). */
export type EnumTable = readonly (readonly [name: string, value: number])[];

interface ParamBase {
  name: string;
  /** Redis has at most one alias per parameter (the old "slave" names mostly). */
  aliases?: string[];
  flags: number;
  default: string;
}

export interface BoolParam extends ParamBase {
  kind: 'bool';
}

/** createStringConfig / createSDSConfig. `emptyIsNull`: the empty value is "unset" (not rewritten). */
export interface StringParam extends ParamBase {
  kind: 'string';
  emptyIsNull: boolean;
}

export interface EnumParam extends ParamBase {
  kind: 'enum';
  values: EnumTable;
}

export interface NumericParam extends ParamBase {
  kind: 'numeric';
  ctype: NumericCType;
  min: bigint;
  max: bigint;
  format: number;
}

/** Parameters with hand-written parsing and printing (config/special.ts). */
export interface SpecialParam extends ParamBase {
  kind: 'special';
}

export type ParamDef = BoolParam | StringParam | EnumParam | NumericParam | SpecialParam;

const maxmemoryPolicyEnum: EnumTable = [
  ['volatile-lru', 0],
  ['volatile-lfu', 1],
  ['volatile-random', 2],
  ['volatile-ttl', 3],
  ['allkeys-lru', 4],
  ['allkeys-lfu', 5],
  ['allkeys-random', 6],
  ['noeviction', 7],
];
const syslogFacilityEnum: EnumTable = [
  ['user', 8],
  ['local0', 128],
  ['local1', 136],
  ['local2', 144],
  ['local3', 152],
  ['local4', 160],
  ['local5', 168],
  ['local6', 176],
  ['local7', 184],
];
const loglevelEnum: EnumTable = [
  ['debug', 0],
  ['verbose', 1],
  ['notice', 2],
  ['warning', 3],
];
const supervisedModeEnum: EnumTable = [
  ['upstart', 1],
  ['systemd', 2],
  ['auto', 3],
  ['no', 0],
];
const aofFsyncEnum: EnumTable = [
  ['everysec', 2],
  ['always', 1],
  ['no', 0],
];
/** Bit flags (MULTI_ARG): "save now" is SHUTDOWN_SAVE | SHUTDOWN_NOW. */
const shutdownOnSigEnum: EnumTable = [
  ['default', 0],
  ['save', 1],
  ['nosave', 2],
  ['now', 4],
  ['force', 8],
];
const replDisklessLoadEnum: EnumTable = [
  ['disabled', 0],
  ['on-empty-db', 1],
  ['swapdb', 2],
];
const tlsAuthClientsEnum: EnumTable = [
  ['no', 0],
  ['yes', 1],
  ['optional', 2],
];
/** "yes" and "relative" share a value, so CONFIG GET prints "yes" after "relative". */
const oomScoreAdjEnum: EnumTable = [
  ['no', 0],
  ['yes', 1],
  ['relative', 1],
  ['absolute', 2],
];
const aclPubsubDefaultEnum: EnumTable = [
  ['allchannels', 8],
  ['resetchannels', 0],
];
const sanitizeDumpPayloadEnum: EnumTable = [
  ['no', 0],
  ['yes', 1],
  ['clients', 2],
];
const protectedActionEnum: EnumTable = [
  ['no', 0],
  ['yes', 1],
  ['local', 2],
];
const clusterPreferredEndpointTypeEnum: EnumTable = [
  ['ip', 0],
  ['hostname', 1],
  ['unknown-endpoint', 2],
];
const propagationErrorBehaviorEnum: EnumTable = [
  ['ignore', 0],
  ['panic', 1],
  ['panic-on-replicas', 2],
];

function aliasList(alias: string | undefined): { aliases?: string[] } {
  return alias === undefined ? {} : { aliases: [alias] };
}

function bool(name: string, dflt: 'yes' | 'no', flags: number, alias?: string): BoolParam {
  return { kind: 'bool', name, default: dflt, flags, ...aliasList(alias) };
}

/** createStringConfig(..., ALLOW_EMPTY_STRING, ...). */
function str(name: string, dflt: string, flags: number, alias?: string): StringParam {
  return { kind: 'string', name, default: dflt, flags, emptyIsNull: false, ...aliasList(alias) };
}

/** createStringConfig / createSDSConfig(..., EMPTY_STRING_IS_NULL, ..., NULL default). */
function nullable(name: string, flags: number, alias?: string): StringParam {
  return { kind: 'string', name, default: '', flags, emptyIsNull: true, ...aliasList(alias) };
}

function enumOf(name: string, values: EnumTable, dflt: string, flags: number, alias?: string): EnumParam {
  return { kind: 'enum', name, values, default: dflt, flags, ...aliasList(alias) };
}

function num(
  name: string,
  ctype: NumericCType,
  min: bigint,
  max: bigint,
  dflt: number,
  format: number,
  flags: number,
  alias?: string,
): NumericParam {
  return { kind: 'numeric', name, ctype, min, max, default: String(dflt), format, flags, ...aliasList(alias) };
}

function special(name: string, dflt: string, flags: number, alias?: string): SpecialParam {
  return { kind: 'special', name, default: dflt, flags, ...aliasList(alias) };
}

export const PARAMS: readonly ParamDef[] = [
  bool('rdbchecksum', 'yes', IMMUTABLE),
  bool('daemonize', 'no', IMMUTABLE),
  bool('io-threads-do-reads', 'no', DEBUG | IMMUTABLE),
  bool('always-show-logo', 'no', IMMUTABLE),
  bool('protected-mode', 'yes', MODIFIABLE),
  bool('rdbcompression', 'yes', MODIFIABLE),
  bool('rdb-del-sync-files', 'no', MODIFIABLE),
  bool('activerehashing', 'yes', MODIFIABLE),
  bool('stop-writes-on-bgsave-error', 'yes', MODIFIABLE),
  bool('set-proc-title', 'yes', IMMUTABLE),
  bool('dynamic-hz', 'yes', MODIFIABLE),
  bool('lazyfree-lazy-eviction', 'no', DEBUG),
  bool('lazyfree-lazy-expire', 'no', DEBUG),
  bool('lazyfree-lazy-server-del', 'no', DEBUG),
  bool('lazyfree-lazy-user-del', 'no', DEBUG),
  bool('lazyfree-lazy-user-flush', 'no', DEBUG),
  bool('repl-disable-tcp-nodelay', 'no', MODIFIABLE),
  bool('repl-diskless-sync', 'yes', DEBUG),
  bool('aof-rewrite-incremental-fsync', 'yes', MODIFIABLE),
  bool('no-appendfsync-on-rewrite', 'no', MODIFIABLE),
  bool('cluster-require-full-coverage', 'yes', MODIFIABLE),
  bool('rdb-save-incremental-fsync', 'yes', MODIFIABLE),
  bool('aof-load-truncated', 'yes', MODIFIABLE),
  bool('aof-use-rdb-preamble', 'yes', MODIFIABLE),
  bool('aof-timestamp-enabled', 'no', MODIFIABLE),
  bool('cluster-replica-no-failover', 'no', MODIFIABLE, 'cluster-slave-no-failover'),
  bool('replica-lazy-flush', 'no', MODIFIABLE, 'slave-lazy-flush'),
  bool('replica-serve-stale-data', 'yes', MODIFIABLE, 'slave-serve-stale-data'),
  bool('replica-read-only', 'yes', DEBUG, 'slave-read-only'),
  bool('replica-ignore-maxmemory', 'yes', MODIFIABLE, 'slave-ignore-maxmemory'),
  bool('jemalloc-bg-thread', 'yes', MODIFIABLE),
  bool('activedefrag', 'no', DEBUG),
  bool('syslog-enabled', 'no', IMMUTABLE),
  bool('cluster-enabled', 'no', IMMUTABLE),
  bool('appendonly', 'no', DENY_LOADING),
  bool('cluster-allow-reads-when-down', 'no', MODIFIABLE),
  bool('cluster-allow-pubsubshard-when-down', 'yes', MODIFIABLE),
  bool('crash-log-enabled', 'yes', MODIFIABLE),
  bool('crash-memcheck-enabled', 'yes', MODIFIABLE),
  bool('use-exit-on-panic', 'no', HIDDEN),
  bool('disable-thp', 'yes', IMMUTABLE),
  bool('cluster-allow-replica-migration', 'yes', MODIFIABLE),
  bool('replica-announced', 'yes', MODIFIABLE),
  bool('latency-tracking', 'yes', MODIFIABLE),
  bool('aof-disable-auto-gc', 'no', MODIFIABLE),
  bool('replica-ignore-disk-write-errors', 'no', MODIFIABLE),
  bool('lua-enable-deprecated-api', 'no', IMMUTABLE | HIDDEN),
  str('aclfile', '', IMMUTABLE),
  nullable('unixsocket', IMMUTABLE),
  nullable('pidfile', IMMUTABLE),
  nullable('replica-announce-ip', MODIFIABLE, 'slave-announce-ip'),
  nullable('masteruser', SENSITIVE),
  nullable('cluster-announce-ip', MODIFIABLE),
  str('cluster-config-file', 'nodes.conf', IMMUTABLE),
  nullable('cluster-announce-hostname', MODIFIABLE),
  str('syslog-ident', 'redis', IMMUTABLE),
  str('dbfilename', 'dump.rdb', PROTECTED),
  str('appendfilename', 'appendonly.aof', IMMUTABLE),
  str('appenddirname', 'appendonlydir', IMMUTABLE),
  nullable('server_cpulist', IMMUTABLE),
  nullable('bio_cpulist', IMMUTABLE),
  nullable('aof_rewrite_cpulist', IMMUTABLE),
  nullable('bgsave_cpulist', IMMUTABLE),
  str('ignore-warnings', '', MODIFIABLE),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', MODIFIABLE),
  nullable('bind-source-addr', MODIFIABLE),
  str('logfile', '', IMMUTABLE),
  nullable('masterauth', SENSITIVE),
  nullable('requirepass', SENSITIVE),
  enumOf('supervised', supervisedModeEnum, 'no', IMMUTABLE),
  enumOf('syslog-facility', syslogFacilityEnum, 'local0', IMMUTABLE),
  enumOf('repl-diskless-load', replDisklessLoadEnum, 'disabled', DEBUG | DENY_LOADING),
  enumOf('loglevel', loglevelEnum, 'notice', MODIFIABLE),
  enumOf('maxmemory-policy', maxmemoryPolicyEnum, 'noeviction', MODIFIABLE),
  enumOf('appendfsync', aofFsyncEnum, 'everysec', MODIFIABLE),
  enumOf('oom-score-adj', oomScoreAdjEnum, 'no', MODIFIABLE),
  enumOf('acl-pubsub-default', aclPubsubDefaultEnum, 'resetchannels', MODIFIABLE),
  enumOf('sanitize-dump-payload', sanitizeDumpPayloadEnum, 'no', DEBUG),
  enumOf('enable-protected-configs', protectedActionEnum, 'no', IMMUTABLE),
  enumOf('enable-debug-command', protectedActionEnum, 'no', IMMUTABLE),
  enumOf('enable-module-command', protectedActionEnum, 'no', IMMUTABLE),
  enumOf('cluster-preferred-endpoint-type', clusterPreferredEndpointTypeEnum, 'ip', MODIFIABLE),
  enumOf('propagation-error-behavior', propagationErrorBehaviorEnum, 'ignore', MODIFIABLE),
  enumOf('shutdown-on-sigint', shutdownOnSigEnum, 'default', MULTI_ARG),
  enumOf('shutdown-on-sigterm', shutdownOnSigEnum, 'default', MULTI_ARG),
  num('databases', 'int', 1n, 2147483647n, 16, INTEGER, IMMUTABLE),
  num('port', 'int', 0n, 65535n, 6379, INTEGER, MODIFIABLE),
  num('io-threads', 'int', 1n, 128n, 1, INTEGER, DEBUG | IMMUTABLE),
  num('auto-aof-rewrite-percentage', 'int', 0n, 2147483647n, 100, INTEGER, MODIFIABLE),
  num(
    'cluster-replica-validity-factor',
    'int',
    0n,
    2147483647n,
    10,
    INTEGER,
    MODIFIABLE,
    'cluster-slave-validity-factor',
  ),
  num('list-max-listpack-size', 'int', -2147483648n, 2147483647n, -2, INTEGER, MODIFIABLE, 'list-max-ziplist-size'),
  num('tcp-keepalive', 'int', 0n, 2147483647n, 300, INTEGER, MODIFIABLE),
  num('cluster-migration-barrier', 'int', 0n, 2147483647n, 1, INTEGER, MODIFIABLE),
  num('active-defrag-cycle-min', 'int', 1n, 99n, 1, INTEGER, MODIFIABLE),
  num('active-defrag-cycle-max', 'int', 1n, 99n, 25, INTEGER, MODIFIABLE),
  num('active-defrag-threshold-lower', 'int', 0n, 1000n, 10, INTEGER, MODIFIABLE),
  num('active-defrag-threshold-upper', 'int', 0n, 1000n, 100, INTEGER, MODIFIABLE),
  num('lfu-log-factor', 'int', 0n, 2147483647n, 10, INTEGER, MODIFIABLE),
  num('lfu-decay-time', 'int', 0n, 2147483647n, 1, INTEGER, MODIFIABLE),
  num('replica-priority', 'int', 0n, 2147483647n, 100, INTEGER, MODIFIABLE, 'slave-priority'),
  num('repl-diskless-sync-delay', 'int', 0n, 2147483647n, 5, INTEGER, MODIFIABLE),
  num('maxmemory-samples', 'int', 1n, 2147483647n, 5, INTEGER, MODIFIABLE),
  num('maxmemory-eviction-tenacity', 'int', 0n, 100n, 10, INTEGER, MODIFIABLE),
  num('timeout', 'int', 0n, 2147483647n, 0, INTEGER, MODIFIABLE),
  num('replica-announce-port', 'int', 0n, 65535n, 0, INTEGER, MODIFIABLE, 'slave-announce-port'),
  num('tcp-backlog', 'int', 0n, 2147483647n, 511, INTEGER, IMMUTABLE),
  num('cluster-port', 'int', 0n, 65535n, 0, INTEGER, IMMUTABLE),
  num('cluster-announce-bus-port', 'int', 0n, 65535n, 0, INTEGER, MODIFIABLE),
  num('cluster-announce-port', 'int', 0n, 65535n, 0, INTEGER, MODIFIABLE),
  num('cluster-announce-tls-port', 'int', 0n, 65535n, 0, INTEGER, MODIFIABLE),
  num('repl-timeout', 'int', 1n, 2147483647n, 60, INTEGER, MODIFIABLE),
  num('repl-ping-replica-period', 'int', 1n, 2147483647n, 10, INTEGER, MODIFIABLE, 'repl-ping-slave-period'),
  num('list-compress-depth', 'int', 0n, 2147483647n, 0, INTEGER, DEBUG),
  num('rdb-key-save-delay', 'int', -2147483648n, 2147483647n, 0, INTEGER, HIDDEN),
  num('key-load-delay', 'int', -2147483648n, 2147483647n, 0, INTEGER, HIDDEN),
  num('active-expire-effort', 'int', 1n, 10n, 1, INTEGER, MODIFIABLE),
  num('hz', 'int', 0n, 2147483647n, 10, INTEGER, MODIFIABLE),
  num('min-replicas-to-write', 'int', 0n, 2147483647n, 0, INTEGER, MODIFIABLE, 'min-slaves-to-write'),
  num('min-replicas-max-lag', 'int', 0n, 2147483647n, 10, INTEGER, MODIFIABLE, 'min-slaves-max-lag'),
  num('watchdog-period', 'int', 0n, 2147483647n, 0, INTEGER, HIDDEN),
  num('shutdown-timeout', 'int', 0n, 2147483647n, 10, INTEGER, MODIFIABLE),
  num('repl-diskless-sync-max-replicas', 'int', 0n, 2147483647n, 0, INTEGER, MODIFIABLE),
  num('maxclients', 'uint', 1n, 4294967295n, 10000, INTEGER, MODIFIABLE),
  num('unixsocketperm', 'uint', 0n, 511n, 0, OCTAL, IMMUTABLE),
  num('socket-mark-id', 'uint', 0n, 4294967295n, 0, INTEGER, IMMUTABLE),
  num('active-defrag-max-scan-fields', 'ulong', 1n, 9223372036854775807n, 1000, INTEGER, MODIFIABLE),
  num('slowlog-max-len', 'ulong', 0n, 9223372036854775807n, 128, INTEGER, MODIFIABLE),
  num('acllog-max-len', 'ulong', 0n, 9223372036854775807n, 128, INTEGER, MODIFIABLE),
  num('busy-reply-threshold', 'longlong', 0n, 9223372036854775807n, 5000, INTEGER, MODIFIABLE, 'lua-time-limit'),
  num('cluster-node-timeout', 'longlong', 0n, 9223372036854775807n, 15000, INTEGER, MODIFIABLE),
  num('slowlog-log-slower-than', 'longlong', -1n, 9223372036854775807n, 10000, INTEGER, MODIFIABLE),
  num('latency-monitor-threshold', 'longlong', 0n, 9223372036854775807n, 0, INTEGER, MODIFIABLE),
  num('proto-max-bulk-len', 'longlong', 1048576n, 9223372036854775807n, 536870912, MEMORY, DEBUG),
  num('stream-node-max-entries', 'longlong', 0n, 9223372036854775807n, 100, INTEGER, MODIFIABLE),
  num('repl-backlog-size', 'longlong', 1n, 9223372036854775807n, 1048576, MEMORY, MODIFIABLE),
  num('maxmemory', 'ulonglong', 0n, 18446744073709551615n, 0, MEMORY, MODIFIABLE),
  num('cluster-link-sendbuf-limit', 'ulonglong', 0n, 18446744073709551615n, 0, MEMORY, MODIFIABLE),
  num(
    'hash-max-listpack-entries',
    'size_t',
    0n,
    9223372036854775807n,
    512,
    INTEGER,
    MODIFIABLE,
    'hash-max-ziplist-entries',
  ),
  num('set-max-intset-entries', 'size_t', 0n, 9223372036854775807n, 512, INTEGER, MODIFIABLE),
  num(
    'zset-max-listpack-entries',
    'size_t',
    0n,
    9223372036854775807n,
    128,
    INTEGER,
    MODIFIABLE,
    'zset-max-ziplist-entries',
  ),
  num('active-defrag-ignore-bytes', 'size_t', 1n, 9223372036854775807n, 104857600, MEMORY, MODIFIABLE),
  num('hash-max-listpack-value', 'size_t', 0n, 9223372036854775807n, 64, MEMORY, MODIFIABLE, 'hash-max-ziplist-value'),
  num('stream-node-max-bytes', 'size_t', 0n, 9223372036854775807n, 4096, MEMORY, MODIFIABLE),
  num('zset-max-listpack-value', 'size_t', 0n, 9223372036854775807n, 64, MEMORY, MODIFIABLE, 'zset-max-ziplist-value'),
  num('hll-sparse-max-bytes', 'size_t', 0n, 9223372036854775807n, 3000, MEMORY, MODIFIABLE),
  num('tracking-table-max-keys', 'size_t', 0n, 9223372036854775807n, 1000000, INTEGER, MODIFIABLE),
  num('client-query-buffer-limit', 'size_t', 1048576n, 9223372036854775807n, 1073741824, MEMORY, DEBUG),
  num('maxmemory-clients', 'ssize_t', -100n, 9223372036854775807n, 0, MEMORY | PERCENT, MODIFIABLE),
  num('repl-backlog-ttl', 'time_t', 0n, 9223372036854775807n, 3600, INTEGER, MODIFIABLE),
  num('auto-aof-rewrite-min-size', 'off_t', 0n, 9223372036854775807n, 67108864, MEMORY, MODIFIABLE),
  num('loading-process-events-interval-bytes', 'off_t', 1024n, 2147483647n, 2097152, INTEGER, HIDDEN),
  num('tls-port', 'int', 0n, 65535n, 0, INTEGER, MODIFIABLE),
  num('tls-session-cache-size', 'int', 0n, 2147483647n, 20480, INTEGER, MODIFIABLE),
  num('tls-session-cache-timeout', 'int', 0n, 2147483647n, 300, INTEGER, MODIFIABLE),
  bool('tls-cluster', 'no', MODIFIABLE),
  bool('tls-replication', 'no', MODIFIABLE),
  enumOf('tls-auth-clients', tlsAuthClientsEnum, 'yes', MODIFIABLE),
  bool('tls-prefer-server-ciphers', 'no', MODIFIABLE),
  bool('tls-session-caching', 'yes', MODIFIABLE),
  nullable('tls-cert-file', VOLATILE),
  nullable('tls-key-file', VOLATILE),
  nullable('tls-key-file-pass', MODIFIABLE),
  nullable('tls-client-cert-file', VOLATILE),
  nullable('tls-client-key-file', VOLATILE),
  nullable('tls-client-key-file-pass', MODIFIABLE),
  nullable('tls-dh-params-file', VOLATILE),
  nullable('tls-ca-cert-file', VOLATILE),
  nullable('tls-ca-cert-dir', VOLATILE),
  nullable('tls-protocols', MODIFIABLE),
  nullable('tls-ciphers', MODIFIABLE),
  nullable('tls-ciphersuites', MODIFIABLE),

  // Special configs: hand-written set/get/rewrite in Redis (and in special.ts here).
  special('dir', '', PROTECTED | DENY_LOADING),
  special('save', '3600 1 300 100 60 10000', MULTI_ARG),
  special(
    'client-output-buffer-limit',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    MULTI_ARG,
  ),
  special('oom-score-adj-values', '0 200 800', MULTI_ARG),
  special('notify-keyspace-events', '', MODIFIABLE),
  special('bind', '* -::*', MULTI_ARG),
  special('replicaof', '', IMMUTABLE | MULTI_ARG, 'slaveof'),
  special('latency-tracking-info-percentiles', '50 99 99.9', MULTI_ARG),
];
