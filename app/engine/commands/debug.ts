/**
 * DEBUG (debug.c), the test suite's back door. DIGEST / DIGEST-VALUE are exact
 * (keyspace/digest.ts); the subcommands about C internals (OBJECT, SDSLEN,
 * HTSTATS, LISTPACK, QUICKLIST, STRUCTSIZE) describe the Redis object the engine's
 * value stands for. RELOAD saves, flushes and loads through the RDB layer;
 * LOADAOF (no AOF here) answers OK without touching the data.
 * Crash subcommands stop the process, as they stop Redis.
 */
import type { Client } from '../client.js';
import { errnoText } from '../config/loader.js';
import { rewriteConfig } from '../config/rewrite.js';
import type { CommandModule } from '../command-table.js';
import { datasetDigest, toHex, valueDigest } from '../keyspace/digest.js';
import { intsetBytes, listpackBytes } from '../keyspace/memory-usage.js';
import { hashEntries, listValues, setMembers, zsetEntries } from '../keyspace/value-walk.js';
import type { RedisValue } from '../keyspace/types.js';
import { parseMemory } from '../server.js';
import { CommandError, ERR_NO_SUCH_KEY, ERR_NOT_INTEGER, is, toFloat, toInt } from './args.js';
import { replyHelp } from './help.js';
import { encodingOf, refcountOf } from './object.js';
import { scriptingOf } from '../scripting/scripting.js';

/**
 * Tunables DEBUG sets for other modules: quicklist's packed-node threshold
 * (DEBUG QUICKLIST-PACKED-THRESHOLD; elements at least this big get a node of
 * their own, a "plain" node, in Redis).
 */
export const debugSettings = {
  quicklistPackedThreshold: 1 << 30,
};

const HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'ASSERT',
  '    Crash by assertion failed.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'CRASH-AND-RECOVER [<milliseconds>]',
  '    Hard crash and restart after a <milliseconds> delay (default 0).',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LEAK <string>',
  '    Create a memory leak of the input string.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid>',
  '    Return hash table statistics of the specified Redis database.',
  'HTSTATS-KEY <key>',
  "    Like HTSTATS but for the hash table stored at <key>'s value.",
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'DROP-CLUSTER-PACKET-FILTER <packet-type>',
  '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
  'OOM',
  '    Crash the server simulating an out-of-memory error.',
  'PANIC',
  '    Crash the server simulating a panic.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the RDB on disk and reload it back to memory. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from RDB.',
  '    * NOFLUSH: the existing database will not be removed before load, but',
  '      conflicting keys will generate an exception and kill the server.',
  '    * NOSAVE: the database will be loaded from an existing RDB file.',
  '    Examples:',
  '    * DEBUG RELOAD: verify that the server is able to persist, flush and reload',
  '      the database.',
  '    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an',
  '      existing RDB file.',
  '    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB',
  '      file to the database.',
  'RESTART [<milliseconds>]',
  '    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).',
  'SDSLEN <key>',
  '    Show low level SDS string info representing `key` and value.',
  'SEGFAULT',
  '    Crash the server with sigsegv.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the stringmatchlen() function.',
  'STRUCTSIZE',
  '    Return the size of different Redis core C structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  '    The optional argument (0 by default) sets the level of detail',
  'CLIENT-EVICTION',
  '    Show low level client eviction pools info (maxmemory-clients).',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  '    In case NEVER is provided the last observed peak will never be reset',
  '    In case RESET is provided the peak reset time will be restored to the default value',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'CLUSTERLINK KILL <to|from|all> <node-id>',
  '    Kills the link based on the direction to/from (both) with the provided node.',
];

/** C's atoi(): leading digits, 0 when there are none. */
function atoi(text: string): number {
  const m = /^\s*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** C's strtod() prefix parse, as DEBUG SLEEP reads its argument. */
function strtod(text: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(text);
  return m ? Number(m[0]) : (toFloat(text) ?? 0);
}

/** Blocks the whole server, as Redis's nanosleep() does: no event is processed meanwhile. */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function syntaxError(argv: readonly string[]): CommandError {
  return new CommandError(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`,
  );
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/** A stable fake address: the same value (or string key) prints the same pointer. */
function fakeAddress(dbId: number, key: string, value: RedisValue): string {
  let id: number;
  if (typeof value === 'string') {
    // FNV-1a over db and key: in-place string updates keep their "address", as in Redis.
    id = 0x811c9dc5 ^ dbId;
    for (let i = 0; i < key.length; i++) id = Math.imul(id ^ key.charCodeAt(i), 0x01000193) >>> 0;
  } else {
    id = objectIds.get(value) ?? 0;
    if (id === 0) objectIds.set(value, (id = nextObjectId++));
  }
  return '0x7f' + (0x1000000000 + (id % 0xfffffff) * 16).toString(16);
}

/** rdbSaveLen(): the length prefix of an RDB string. */
function rdbLenSize(n: number): number {
  return n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffff ? 5 : 9;
}

/** A length-prefixed RDB string (without LZF compression, which this does not model). */
function rdbStringSize(length: number): number {
  return rdbLenSize(length) + length;
}

/**
 * rdbSavedObjectLen(): how many bytes the value takes in an RDB file. Exact for
 * strings and small encodings stored as one blob; LZF compression of blobs over
 * 20 bytes is not modelled, so big values come out larger than Redis says.
 */
function serializedLength(value: RedisValue, encoding: string): number {
  if (typeof value === 'string') {
    if (encoding === 'int') {
      const n = Number(value);
      if (n >= -128 && n <= 127) return 2;
      if (n >= -32768 && n <= 32767) return 3;
      if (n >= -2147483648 && n <= 2147483647) return 5;
    }
    return rdbStringSize(value.length);
  }
  switch (value.type) {
    case 'list': {
      const bytes = listpackBytes(listValues(value));
      return 1 + 1 + rdbStringSize(bytes);
    }
    case 'hash':
      if (encoding === 'listpack') return rdbStringSize(listpackBytes([...hashEntries(value)].flat()));
      return [...hashEntries(value)].reduce((n, [f, v]) => n + rdbStringSize(f.length) + rdbStringSize(v.length), 9);
    case 'set': {
      const members = [...setMembers(value)];
      if (encoding === 'intset') return rdbStringSize(intsetBytes(members));
      return members.reduce((n, m) => n + rdbStringSize(m.length), rdbLenSize(members.length));
    }
    case 'zset': {
      const entries = [...zsetEntries(value)];
      if (encoding === 'listpack') {
        return rdbStringSize(listpackBytes(entries.flatMap(([m, score]) => [m, String(score)])));
      }
      return entries.reduce((n, [m]) => n + rdbStringSize(m.length) + 8, rdbLenSize(entries.length));
    }
  }
}

function debugObject(c: Client, key: string): void {
  const db = c.db;
  const value = db.dict.get(key);
  if (value === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
  const encoding = encodingOf(db, key, value);
  const lruClock = Math.floor(Date.now() / 1000) & ((1 << 24) - 1);
  let extra = '';
  if (encoding === 'quicklist' && typeof value !== 'string') {
    let count = 0;
    let bytes = 0;
    for (const element of listValues(value)) {
      count++;
      bytes += element.length + 2;
    }
    const nodes = Math.max(1, Math.ceil(bytes / 8192));
    extra =
      ` ql_nodes:${nodes} ql_avg_node:${(count / nodes).toFixed(2)} ql_listpack_max:` +
      `${c.server.config.num('list-max-listpack-size')} ql_compressed:` +
      `${c.server.config.num('list-compress-depth') !== 0 ? 1 : 0} ql_uncompressed_size:${bytes + 7 * nodes}`;
  }
  c.simple(
    `Value at:${fakeAddress(db.id, key, value)} refcount:${refcountOf(c, db, key, value)} encoding:${encoding} ` +
      `serializedlength:${serializedLength(value, encoding)} lru:${lruClock} lru_seconds_idle:0${extra}`,
  );
}

function debugProtocol(c: Client, name: string): void {
  switch (name.toLowerCase()) {
    case 'string':
      c.bulk('Hello World');
      return;
    case 'integer':
      c.integer(12345);
      return;
    case 'double':
      c.double(3.141);
      return;
    case 'bignum':
      c.bigNumber('1234567999999999999999999999999999999');
      return;
    case 'null':
      c.null();
      return;
    case 'array':
      c.arrayLen(3);
      for (let j = 0; j < 3; j++) c.integer(j);
      return;
    case 'set':
      c.setLen(3);
      for (let j = 0; j < 3; j++) c.integer(j);
      return;
    case 'map':
      c.mapLen(3);
      for (let j = 0; j < 3; j++) {
        c.integer(j);
        c.bool(j === 1);
      }
      return;
    case 'attrib':
      if (c.resp >= 3) {
        // An attribute map (|) precedes the real reply; RESP2 has no such thing.
        c.raw('|1\r\n');
        c.bulk('key-popularity');
        c.arrayLen(2);
        c.bulk('key:123');
        c.integer(90);
      }
      c.bulk('Some real reply following the attribute');
      return;
    case 'push':
      if (c.resp < 3) {
        c.error('ERR RESP2 is not supported by this command');
        return;
      }
      c.pushLen(2);
      c.bulk('server-cpu-usage');
      c.integer(42);
      c.bulk('Some real reply following the push reply');
      return;
    case 'true':
      c.bool(true);
      return;
    case 'false':
      c.bool(false);
      return;
    case 'verbatim':
      c.verbatim('This is a verbatim\nstring', 'txt');
      return;
    default:
      c.error(
        'ERR Wrong protocol type name. Please use one of the following: ' +
          'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

/** DEBUG POPULATE <count> [prefix] [size]: keys not propagated, existing ones kept. */
function debugPopulate(c: Client, argv: string[]): void {
  // getPositiveLongFromObjectOrReply(): one message for both failures.
  const positive = (text: string): number => {
    const n = toInt(text);
    if (n === null || n < 0) throw new CommandError('ERR value is out of range, must be positive');
    return n;
  };
  const count = positive(argv[2]!);
  const prefix = argv.length >= 4 ? argv[3]! : 'key';
  const size = argv.length === 5 ? positive(argv[4]!) : 0;
  const db = c.db;
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (db.lookupWrite(key) !== undefined) continue;
    let value = `value:${j}`;
    if (size !== 0) value = size <= value.length ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
    db.setKey(key, value);
  }
  c.ok();
}

function hashTableStats(label: string, size: number): string {
  if (size === 0) return 'No stats available for empty dictionaries\n';
  let buckets = 4;
  while (buckets < size) buckets *= 2;
  return (
    `Hash table 0 stats (${label}):\n table size: ${buckets}\n number of elements: ${size}\n` +
    ` different slots: ${Math.min(size, buckets)}\n max chain length: 1\n avg chain length (counted): 1.00\n` +
    ` avg chain length (computed): 1.00\n Chain length distribution:\n` +
    `   0: ${buckets - Math.min(size, buckets)} (${(((buckets - Math.min(size, buckets)) * 100) / buckets).toFixed(2)}%)\n` +
    `   1: ${Math.min(size, buckets)} (${((Math.min(size, buckets) * 100) / buckets).toFixed(2)}%)\n`
  );
}

/**
 * What a save-and-load round trip changes without touching the data itself: a
 * master does not load keys that expired meanwhile (silently: no DEL is
 * propagated), and strings get the encoding their bytes call for (rdbLoadObject
 * runs tryObjectEncoding). The rest arrives unchanged.
 */
function reloadInPlace(c: Client): void {
  const server = c.server;
  const now = Date.now();
  for (const db of server.dbs) {
    if (!server.isReplica()) {
      for (const [key, when] of db.expires) if (when < now) db.deleteKey(key);
    }
    db.stringEncodings.clear();
  }
}

function crash(c: Client, message: string): void {
  c.server.log.warning(`=== REDIS BUG REPORT START: Cut & paste starting from here ===`);
  c.server.log.warning(message);
  c.server.onExit(1);
}

function debug(c: Client, argv: string[]): void {
  const sub = argv[1]!.toLowerCase();
  const argc = argv.length;
  const server = c.server;
  switch (sub) {
    case 'help':
      if (argc !== 2) break;
      replyHelp(c, 'debug', HELP);
      return;
    case 'segfault':
      crash(c, 'Crashed running signal handler. DEBUG SEGFAULT');
      return;
    case 'panic':
      crash(c, `Guru Meditation: DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`);
      return;
    case 'assert':
      crash(c, '=== ASSERTION FAILED === ==> debug.c "1 == 2" is not true');
      return;
    case 'oom':
      crash(c, 'Out Of Memory allocating 9223372036854775807 bytes!');
      return;
    case 'restart':
    case 'crash-and-recover':
      c.error('ERR failed to restart the server. Check server logs.');
      return;
    case 'log':
      if (argc !== 3) break;
      server.log.warning(`DEBUG LOG: ${argv[2]}`);
      c.ok();
      return;
    case 'leak':
      if (argc !== 3) break;
      c.ok();
      return;
    case 'reload': {
      const reload = { save: true, flush: true, merge: false };
      for (let j = 2; j < argc; j++) {
        const option = argv[j]!.toLowerCase();
        if (option === 'merge') reload.merge = true;
        else if (option === 'noflush') reload.flush = false;
        else if (option === 'nosave') reload.save = false;
        else {
          c.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.');
          return;
        }
      }
      // A real save, flush and load through the RDB layer (rdb/persistence.ts).
      const failure = server.persistence.debugReload(reload);
      if (failure) c.error(failure);
      else c.ok();
      return;
    }
    case 'loadaof':
      reloadInPlace(c);
      server.log.warning('Append Only File loaded by DEBUG LOADAOF');
      c.ok();
      return;
    case 'drop-cluster-packet-filter':
      if (argc !== 3) break;
      if (toInt(argv[2]!) === null) throw new CommandError(ERR_NOT_INTEGER);
      c.ok();
      return;
    case 'object':
      if (argc !== 3) break;
      debugObject(c, argv[2]!);
      return;
    case 'sdslen': {
      if (argc !== 3) break;
      const key = argv[2]!;
      const value = c.db.dict.get(key);
      if (value === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
      if (typeof value !== 'string' || encodingOf(c.db, key, value) === 'int') {
        c.error('ERR Not an sds encoded string.');
        return;
      }
      c.simple(
        `key_sds_len:${key.length}, key_sds_avail:0, key_zmalloc: ${key.length + 2}, ` +
          `val_sds_len:${value.length}, val_sds_avail:0, val_zmalloc: ${value.length + 4}`,
      );
      return;
    }
    case 'listpack':
    case 'quicklist': {
      if (argc !== 3 && !(sub === 'quicklist' && argc === 4)) break;
      const key = argv[2]!;
      const value = c.db.lookupQuiet(key);
      if (value === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
      if (encodingOf(c.db, key, value) !== sub) {
        c.error(`ERR Not a ${sub} encoded object.`);
        return;
      }
      server.log.notice(`DEBUG ${sub.toUpperCase()} ${key}: ${typeof value === 'string' ? value.length : value.type}`);
      c.simple(sub === 'listpack' ? 'Listpack structure printed on stdout' : 'Quicklist structure printed on stdout');
      return;
    }
    case 'populate':
      if (argc < 3 || argc > 5) break;
      debugPopulate(c, argv);
      return;
    case 'digest':
      if (argc !== 2) break;
      c.simple(toHex(datasetDigest(server.dbs)));
      return;
    case 'digest-value':
      c.arrayLen(argc - 2);
      for (let j = 2; j < argc; j++) c.simple(toHex(valueDigest(c.db, argv[j]!)));
      return;
    case 'protocol':
      if (argc !== 3) break;
      debugProtocol(c, argv[2]!);
      return;
    case 'sleep':
      if (argc !== 3) break;
      sleepSync(strtod(argv[2]!) * 1000);
      c.ok();
      return;
    case 'set-active-expire':
      if (argc !== 3) break;
      server.activeExpireEnabled = atoi(argv[2]!) !== 0;
      c.ok();
      return;
    case 'quicklist-packed-threshold': {
      if (argc !== 3) break;
      const size = parseMemory(argv[2]!);
      // quicklistisSetPackedThreshold(): at most 4GB minus 1MB; 0 restores the 1GB default.
      if (Number.isNaN(size) || size > 2 ** 32 - 2 ** 20) {
        c.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
        return;
      }
      debugSettings.quicklistPackedThreshold = size === 0 ? 1 << 30 : size;
      c.ok();
      return;
    }
    case 'set-disable-deny-scripts':
      if (argc !== 3) break;
      scriptingOf(server).denyScriptsDisabled = argv[2] !== '0';
      c.ok();
      return;
    case 'set-skip-checksum-validation':
    case 'aof-flush-sleep':
    case 'pause-cron':
      if (argc !== 3) break;
      c.ok();
      return;
    case 'replicate':
      if (argc < 3) break;
      server.replicationFeed(c.db.id, argv.slice(2));
      c.ok();
      return;
    case 'error':
      if (argc !== 3) break;
      // Sent raw, as Redis does: not counted as an error reply of ours.
      c.raw('-' + argv[2]!.replace(/[\r\n]/g, ' ') + '\r\n');
      return;
    case 'structsize':
      if (argc !== 2) break;
      c.bulk('bits:64 robj:16 dictentry:24 sdshdr5:1 sdshdr8:3 sdshdr16:5 sdshdr32:9 sdshdr64:17 ');
      return;
    case 'htstats': {
      if (argc !== 3) break;
      const dbId = toInt(argv[2]!);
      if (dbId === null) throw new CommandError(ERR_NOT_INTEGER);
      const db = server.dbs[dbId];
      if (dbId < 0 || !db) {
        c.error('ERR Out of range database');
        return;
      }
      c.verbatim(
        '[Dictionary HT]\n' +
          hashTableStats('main hash table', db.size) +
          '[Expires HT]\n' +
          hashTableStats('main hash table', db.expires.size),
      );
      return;
    }
    case 'htstats-key': {
      if (argc !== 3) break;
      const key = argv[2]!;
      const value = c.db.lookupQuiet(key);
      if (value === undefined) throw new CommandError(ERR_NO_SUCH_KEY);
      const encoding = encodingOf(c.db, key, value);
      if (typeof value === 'string' || (encoding !== 'hashtable' && encoding !== 'skiplist')) {
        c.error('ERR The value stored at the specified key is not represented using an hash table');
        return;
      }
      c.verbatim(hashTableStats('main hash table', sizeOf(value)));
      return;
    }
    case 'change-repl-id':
      if (argc !== 2) break;
      server.log.warning('Changing replication IDs after receiving DEBUG change-repl-id');
      c.ok();
      return;
    case 'stringmatch-test':
      if (argc !== 2) break;
      c.simple('Apparently Redis did not crash: test passed');
      return;
    case 'config-rewrite-force-all':
      if (argc !== 2) break;
      debugConfigRewriteForceAll(c);
      return;
    case 'client-eviction':
      if (argc !== 2) break;
      c.error('ERR maxmemory-clients is disabled.');
      return;
    case 'replybuffer':
      if (argc !== 4) break;
      if (!is(argv[2], 'peak-reset-time') && !is(argv[2], 'resizing')) break;
      if (
        is(argv[2], 'peak-reset-time') &&
        !is(argv[3], 'never') &&
        !is(argv[3], 'reset') &&
        toInt(argv[3]!) === null
      ) {
        throw new CommandError(ERR_NOT_INTEGER);
      }
      c.ok();
      return;
    case 'clusterlink':
      if (argc !== 5 || !is(argv[2], 'kill')) break;
      c.error('ERR Debug option only available for cluster mode enabled setup!');
      return;
  }
  throw syntaxError(argv);
}

/** Elements in an aggregate (for HTSTATS-KEY). */
function sizeOf(value: Exclude<RedisValue, string>): number {
  const sized = value as unknown as { size?: number; length?: number };
  return sized.size ?? sized.length ?? 0;
}

export const debugCommands: CommandModule = {
  debug(c, argv) {
    debug(c, argv);
  },
};

/** DEBUG CONFIG-REWRITE-FORCE-ALL: CONFIG REWRITE writing every option (rewriteConfig(path, 1)). */
function debugConfigRewriteForceAll(c: Client): void {
  const path = c.server.config.configFile;
  try {
    if (path === undefined) throw Object.assign(new Error('no config file'), { code: 'EFAULT' });
    rewriteConfig(c.server.config, path, true);
  } catch (err) {
    c.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${errnoText(err)}`);
    return;
  }
  c.ok();
}
