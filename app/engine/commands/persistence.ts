/**
 * Persistence commands (rdb.c, cluster.c): SAVE, BGSAVE [SCHEDULE], LASTSAVE,
 * DUMP and RESTORE. The RDB machinery itself lives in app/engine/rdb.
 */
import type { Client } from '../client.js';
import type { CommandModule } from '../command-table.js';
import { dumpPayload, parseDumpPayload } from '../rdb/dump.js';
import { CommandError, intArg } from './args.js';

const ERR_SYNTAX = 'ERR syntax error';
const ERR_BGSAVE_IN_PROGRESS = 'ERR Background save already in progress';

/** RESTORE's options after the payload. */
interface RestoreOptions {
  replace: boolean;
  absTtl: boolean;
}

function parseRestoreOptions(argv: string[]): RestoreOptions {
  const options: RestoreOptions = { replace: false, absTtl: false };
  let idle = false;
  let freq = false;
  for (let j = 4; j < argv.length; j++) {
    const arg = argv[j]!.toLowerCase();
    const additional = argv.length - j - 1;
    if (arg === 'replace') options.replace = true;
    else if (arg === 'absttl') options.absTtl = true;
    else if (arg === 'idletime' && additional >= 1 && !freq) {
      // This engine keeps no LRU clock per key: the value is checked, then dropped.
      if (intArg(argv[j + 1]!) < 0) throw new CommandError('ERR Invalid IDLETIME value, must be >= 0');
      idle = true;
      j++;
    } else if (arg === 'freq' && additional >= 1 && !idle) {
      const f = intArg(argv[j + 1]!);
      if (f < 0 || f > 255) throw new CommandError('ERR Invalid FREQ value, must be >= 0 and <= 255');
      freq = true;
      j++;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return options;
}

function restore(c: Client, argv: string[]): void {
  const options = parseRestoreOptions(argv);
  const key = argv[1]!;
  const db = c.db;
  if (!options.replace && db.lookupWrite(key) !== undefined) {
    c.error('BUSYKEY Target key name already exists.');
    return;
  }
  let ttl = intArg(argv[2]!);
  if (ttl < 0) {
    c.error('ERR Invalid TTL value, must be >= 0');
    return;
  }
  const parsed = parseDumpPayload(c.server, argv[3]!);
  if (parsed === 'bad-footer') {
    c.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  if (parsed === 'bad-data') {
    c.error('ERR Bad data format');
    return;
  }
  const server = c.server;
  const deleted = options.replace ? db.delete(key) : false;
  if (ttl !== 0 && !options.absTtl) ttl += Date.now();
  // checkAlreadyExpired(): a master does not create a key that is already gone.
  if (ttl !== 0 && ttl <= Date.now() && !server.isReplica() && !c.isMaster) {
    if (deleted) {
      c.propagateArgv = [['DEL', key]];
      server.notify('g', 'del', key, db.id);
      server.dirty++;
    }
    c.ok();
    return;
  }
  db.setKey(key, parsed);
  // dbAdd() wakes clients blocked on a list or sorted set key.
  if (typeof parsed !== 'string' && (parsed.type === 'list' || parsed.type === 'zset')) {
    server.signalKeyAsReady(db, key);
  }
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!options.absTtl) {
      const rewritten = argv.slice();
      rewritten[2] = String(ttl);
      rewritten.push('ABSTTL');
      c.propagateArgv = [rewritten];
    }
  }
  server.notify('g', 'restore', key, db.id);
  server.dirty++;
  c.ok();
}

export const persistenceCommands: CommandModule = {
  save(c) {
    const persistence = c.server.persistence;
    if (persistence.bgsaveInProgress) {
      c.error(ERR_BGSAVE_IN_PROGRESS);
      return;
    }
    if (persistence.save()) c.ok();
    else c.error('ERR');
  },

  bgsave(c, argv) {
    // SCHEDULE only matters while another child (AOF rewrite) runs, which never happens here.
    if (argv.length > 1 && !(argv.length === 2 && argv[1]!.toLowerCase() === 'schedule')) {
      c.error(ERR_SYNTAX);
      return;
    }
    const persistence = c.server.persistence;
    if (persistence.bgsaveInProgress) {
      c.error(ERR_BGSAVE_IN_PROGRESS);
    } else if (c.inMulti) {
      // inMulti while a command runs means EXEC is running it: Redis never forks there.
      persistence.bgsaveScheduled = true;
      c.simple('Background saving scheduled');
    } else if (persistence.startBgsave()) {
      c.simple('Background saving started');
    } else {
      c.error('ERR');
    }
  },

  lastsave(c) {
    c.integer(c.server.persistence.lastSave);
  },

  dump(c, argv) {
    const value = c.db.lookupRead(argv[1]!);
    if (value === undefined) {
      c.null();
      return;
    }
    c.bulk(dumpPayload(c.server, value));
  },

  restore,
};
