/**
 * OBJECT (object.c: ENCODING, REFCOUNT, IDLETIME, FREQ, HELP) and MEMORY (USAGE,
 * STATS, DOCTOR, MALLOC-STATS, PURGE, HELP).
 *
 * The engine does not track per-key access times (a plain string value has nowhere
 * to keep one, and a side table would cost every read), so IDLETIME is 0 and FREQ
 * reports LFU_INIT_VAL: both answer with Redis's errors when the maxmemory-policy
 * says the figure is not tracked.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { estimateMemoryUsage } from '../keyspace/memory-usage.js';
import { stringEncoding, stringRefcount } from '../keyspace/string-encoding.js';
import type { Database } from '../keyspace/db.js';
import type { RedisValue } from '../keyspace/types.js';
import { CommandError, ERR_SYNTAX, intArg, is } from './args.js';
import { replyHelp } from './help.js';

/** LFU_INIT_VAL: the counter a fresh key starts with. */
const LFU_INIT_VAL = 5;
/** OBJ_COMPUTE_SIZE_DEF_SAMPLES */
const DEFAULT_SAMPLES = 5;

/** OBJECT ENCODING of any value, as Redis 7.0 names it. */
export function encodingOf(db: Database, key: string, value: RedisValue): string {
  return typeof value === 'string' ? stringEncoding(db, key, value) : value.encoding();
}

/** OBJECT REFCOUNT: 1 for every value but Redis's shared small integers. */
export function refcountOf(c: Client, db: Database, key: string, value: RedisValue): number {
  return typeof value === 'string' ? stringRefcount(db, key, value, c.server.config) : 1;
}

function policyUsesLfu(c: Client): boolean {
  return c.server.config.str('maxmemory-policy').includes('lfu');
}

/** objectCommandLookup(): no access-time update, no keymiss event; null when missing. */
function lookupOrNull(c: Client, key: string): RedisValue | undefined {
  const value = c.db.lookupQuiet(key);
  if (value === undefined) c.null();
  return value;
}

export const objectCommands: CommandModule = {
  'object|help'(c) {
    replyHelp(c, 'object', [
      'ENCODING <key>',
      '    Return the kind of internal representation used in order to store the value',
      '    associated with a <key>.',
      'FREQ <key>',
      '    Return the access frequency index of the <key>. The returned integer is',
      '    proportional to the logarithm of the recent access frequency of the key.',
      'IDLETIME <key>',
      '    Return the idle time of the <key>, that is the approximated number of',
      '    seconds elapsed since the last access to the key.',
      'REFCOUNT <key>',
      '    Return the number of references of the value associated with the specified',
      '    <key>.',
    ]);
  },

  'object|encoding'(c, argv) {
    const key = argv[2]!;
    const value = lookupOrNull(c, key);
    if (value !== undefined) c.bulk(encodingOf(c.db, key, value));
  },

  'object|refcount'(c, argv) {
    const key = argv[2]!;
    const value = lookupOrNull(c, key);
    if (value !== undefined) c.integer(refcountOf(c, c.db, key, value));
  },

  'object|idletime'(c, argv) {
    if (lookupOrNull(c, argv[2]!) === undefined) return;
    if (policyUsesLfu(c)) {
      c.error(
        'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching ' +
          'between policies at runtime LRU and LFU data will take some time to adjust.',
      );
      return;
    }
    c.integer(0);
  },

  'object|freq'(c, argv) {
    if (lookupOrNull(c, argv[2]!) === undefined) return;
    if (!policyUsesLfu(c)) {
      c.error(
        'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when ' +
          'switching between policies at runtime LRU and LFU data will take some time to adjust.',
      );
      return;
    }
    c.integer(LFU_INIT_VAL);
  },

  'memory|help'(c) {
    replyHelp(c, 'memory', [
      'DOCTOR',
      '    Return memory problems reports.',
      'MALLOC-STATS',
      '    Return internal statistics report from the memory allocator.',
      'PURGE',
      '    Attempt to purge dirty pages for reclamation by the allocator.',
      'STATS',
      '    Return information about the memory usage of the server.',
      'USAGE <key> [SAMPLES <count>]',
      '    Return memory in bytes used by <key> and its value. Nested values are',
      '    sampled up to <count> times (default: 5, 0 means sample all).',
    ]);
  },

  'memory|usage'(c, argv) {
    let samples = DEFAULT_SAMPLES;
    for (let j = 3; j < argv.length; j++) {
      if (is(argv[j], 'samples') && j + 1 < argv.length) {
        samples = intArg(argv[j + 1]!);
        if (samples < 0) throw new CommandError(ERR_SYNTAX);
        if (samples === 0) samples = Infinity;
        j++;
      } else {
        throw new CommandError(ERR_SYNTAX);
      }
    }
    const key = argv[2]!;
    // Like Redis: a plain dictionary lookup, no expiry, no statistics.
    const value = c.db.dict.get(key);
    if (value === undefined) {
      c.null();
      return;
    }
    c.integer(estimateMemoryUsage(key, value, encodingOf(c.db, key, value), samples));
  },

  'memory|doctor'(c) {
    let keys = 0;
    for (const db of c.server.dbs) keys += db.size;
    // Redis's detector needs at least 5MB of data; an almost empty instance gets this text.
    const text =
      keys === 0
        ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in " +
          'these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam ' +
          'and I will be back to our programming as soon as I finished rebooting.\n'
        : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
    c.verbatim(text);
  },

  'memory|malloc-stats'(c) {
    c.verbatim('Stats not supported for the current allocator');
  },

  'memory|purge'(c) {
    c.ok();
  },

  'memory|stats'(c) {
    const usage = process.memoryUsage();
    const server = c.server;
    const usedDbs = server.dbs.filter((db) => db.size > 0 || db.expires.size > 0);
    let keys = 0;
    for (const db of server.dbs) keys += db.size;
    const allocated = usage.heapUsed + usage.external;
    const overhead = 0;
    const dataset = Math.max(0, allocated - overhead);
    c.mapLen(27 + usedDbs.length);
    const pair = (name: string, n: number) => {
      c.bulk(name);
      c.integer(Math.round(n));
    };
    const ratio = (name: string, d: number) => {
      c.bulk(name);
      c.double(d);
    };
    pair('peak.allocated', usage.heapTotal);
    pair('total.allocated', allocated);
    pair('startup.allocated', 0);
    pair('replication.backlog', 0);
    pair('clients.slaves', 0);
    pair('clients.normal', 0);
    pair('cluster.links', 0);
    pair('aof.buffer', 0);
    pair('lua.caches', 0);
    pair('functions.caches', 0);
    for (const db of usedDbs) {
      c.bulk(`db.${db.id}`);
      c.mapLen(3);
      pair('overhead.hashtable.main', db.size * 8);
      pair('overhead.hashtable.expires', db.expires.size * 8);
      pair('overhead.hashtable.slot-to-keys', 0);
    }
    pair('overhead.total', overhead);
    pair('keys.count', keys);
    pair('keys.bytes-per-key', keys === 0 ? 0 : dataset / keys);
    pair('dataset.bytes', dataset);
    ratio('dataset.percentage', allocated === 0 ? 0 : (dataset * 100) / allocated);
    ratio('peak.percentage', usage.heapTotal === 0 ? 0 : (allocated * 100) / usage.heapTotal);
    pair('allocator.allocated', allocated);
    pair('allocator.active', usage.heapTotal);
    pair('allocator.resident', usage.rss);
    ratio('allocator-fragmentation.ratio', allocated === 0 ? 1 : usage.heapTotal / allocated);
    pair('allocator-fragmentation.bytes', usage.heapTotal - allocated);
    ratio('allocator-rss.ratio', usage.heapTotal === 0 ? 1 : usage.rss / usage.heapTotal);
    pair('allocator-rss.bytes', usage.rss - usage.heapTotal);
    ratio('rss-overhead.ratio', 1);
    pair('rss-overhead.bytes', 0);
    ratio('fragmentation', allocated === 0 ? 1 : usage.rss / allocated);
    pair('fragmentation.bytes', usage.rss - allocated);
  },
};
