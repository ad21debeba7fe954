/**
 * RDB persistence of a server: SAVE, BGSAVE, the `save` rules checked by the
 * cron, loading at start-up, saving on shutdown and the INFO persistence fields
 * (rdb.c, server.c). Also the snapshot/loader hooks replication uses.
 *
 * BGSAVE without fork(): the file is an RdbSnapshot (snapshot.ts), written in
 * slices across event-loop turns so clients keep being served, and describing the
 * data set as of BGSAVE's start.
 */
import { closeSync, fsync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Server } from '../server.js';
import { REDIS_VERSION } from '../server.js';
import { usedMemory } from '../info.js';
import { existingScripting, scriptingOf } from '../scripting/scripting.js';
import { type AuxFields, type DecodeResult, decodeRdbFile, encodeRdbFile, RdbLoadError } from './file-codec.js';
import type { LoadLimits } from './reader.js';
import { newWriter, RdbSnapshot } from './snapshot.js';

export { newWriter };

/** CONFIG_BGSAVE_RETRY_DELAY: seconds before a failed BGSAVE is retried by the save rules. */
const BGSAVE_RETRY_DELAY = 5;

export interface ReplicationSaveInfo {
  replId: string;
  replOffset: number;
  /** repl-stream-db: the db the replication stream is in (defaults to 0). */
  streamDb?: number;
}

export function loadLimits(server: Server): LoadLimits {
  const c = server.config;
  return {
    hashMaxEntries: c.num('hash-max-listpack-entries'),
    hashMaxValue: c.num('hash-max-listpack-value'),
    zsetMaxEntries: c.num('zset-max-listpack-entries'),
    zsetMaxValue: c.num('zset-max-listpack-value'),
    setMaxIntsetEntries: c.num('set-max-intset-entries'),
  };
}

export function auxFields(repl: ReplicationSaveInfo | undefined, server?: Server): AuxFields {
  return {
    functions: server ? existingScripting(server)?.libraryCodes() : undefined,
    redisVer: REDIS_VERSION,
    ctime: Math.floor(Date.now() / 1000),
    usedMem: usedMemory(),
    repl: repl && { streamDb: repl.streamDb ?? 0, replId: repl.replId, replOffset: repl.replOffset },
    aofBase: false,
  };
}

/** The whole data set as an RDB file, synchronously (replication, SAVE, DEBUG RELOAD). */
export function encodeRdb(server: Server, repl?: ReplicationSaveInfo): Buffer {
  const w = newWriter(server, 1 << 20);
  return Buffer.from(encodeRdbFile(w, auxFields(repl, server), server.dbs, server.config.bool('rdbchecksum')));
}

/** Decodes a payload with this server's limits, db count, expiry rule and checksum setting. */
function decodeForServer(
  server: Server,
  bytes: Uint8Array,
  onExpired?: (dbId: number, key: string) => void,
): DecodeResult {
  return decodeRdbFile(bytes, {
    limits: loadLimits(server),
    databases: server.dbs.length,
    dropExpired: !server.isReplica(),
    now: Date.now(),
    checksum: server.config.bool('rdbchecksum'),
    log: (level, line) => server.log[level](line),
    onExpired,
  });
}

/**
 * Replaces the data set with an RDB payload, all or nothing: the file is decoded
 * into new dictionaries first. Keys already expired are dropped on a master.
 */
export function loadRdb(
  server: Server,
  bytes: Uint8Array,
  onExpired?: (dbId: number, key: string) => void,
): DecodeResult {
  const result = decodeForServer(server, bytes, onExpired);
  // emptyData() drops the function libraries too: the file's replace them, all or nothing.
  if (result.functions.length > 0 || existingScripting(server)) {
    const error = scriptingOf(server).restoreLibraries(result.functions, 'flush');
    if (error !== undefined)
      throw new RdbLoadError(error, bytes.length, false, [`Failed creating the library, ${error}`]);
  }
  for (const db of server.dbs) {
    server.touchAllWatched(db);
    db.clear();
    const loaded = result.dbs.get(db.id);
    if (loaded) {
      db.dict = loaded.dict;
      db.expires = loaded.expires;
    }
  }
  server.persistence.lastLoadKeysLoaded = result.keysLoaded;
  server.persistence.lastLoadKeysExpired = result.keysExpired;
  return result;
}

/** DEBUG RELOAD NOFLUSH: loaded keys join the data set; a duplicate is an error unless MERGE (RDBFLAGS_ALLOW_DUP). */
function mergeRdb(server: Server, bytes: Uint8Array, allowDuplicates: boolean): void {
  const result = decodeForServer(server, bytes);
  if (result.functions.length > 0) {
    const error = scriptingOf(server).restoreLibraries(result.functions, allowDuplicates ? 'replace' : 'append');
    if (error !== undefined) throw new RdbLoadError(error, bytes.length, false);
  }
  if (!allowDuplicates) {
    for (const [id, loaded] of result.dbs) {
      for (const key of loaded.dict.keys()) {
        if (server.dbs[id]!.dict.has(key)) {
          throw new RdbLoadError('Duplicated key found in RDB file', bytes.length, false);
        }
      }
    }
  }
  for (const [id, loaded] of result.dbs) {
    const db = server.dbs[id]!;
    for (const [key, value] of loaded.dict) {
      db.deleteKey(key);
      db.dict.set(key, value);
      const when = loaded.expires.get(key);
      if (when !== undefined) db.expires.set(key, when);
    }
  }
}

/** One saving rule of the `save` config: after `seconds` if at least `changes` writes. */
interface SaveRule {
  seconds: number;
  changes: number;
}

/** A BGSAVE in progress: a snapshot written to a temp file, renamed by the caller when done. */
class BgsaveJob {
  private readonly snapshot: RdbSnapshot;
  private readonly fd: number;
  private finished = false;

  constructor(
    server: Server,
    readonly tempPath: string,
    repl: ReplicationSaveInfo | undefined,
    private readonly done: (error: Error | undefined) => void,
  ) {
    this.fd = openSync(tempPath, 'w');
    this.snapshot = new RdbSnapshot(server, auxFields(repl, server), {
      write: (chunk) => {
        let offset = 0;
        while (offset < chunk.length) offset += writeSync(this.fd, chunk, offset);
        return true;
      },
      end: (error) => (error ? this.fail(error) : this.sync()),
    });
  }

  start(): void {
    this.snapshot.start();
  }

  /** fsync off the event loop: flushing a large file would stall every client. */
  private sync(): void {
    fsync(this.fd, (fsyncErr) => {
      if (this.finished) return;
      this.finished = true;
      try {
        closeSync(this.fd);
      } catch {
        // Reported through fsync's error if it matters.
      }
      this.done(fsyncErr ?? undefined);
    });
  }

  private fail(error: Error): void {
    this.abort();
    this.done(error);
  }

  /** Stops writing and removes the temp file (SHUTDOWN, FLUSHALL-style kills, errors). */
  abort(): void {
    this.snapshot.stop();
    if (this.finished) return;
    this.finished = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
    try {
      unlinkSync(this.tempPath);
    } catch {
      // Already gone.
    }
  }
}

export class Persistence {
  /** rdb_last_save_time (unix seconds). Redis sets it at start-up. */
  lastSave = Math.floor(Date.now() / 1000);
  lastBgsaveTry = 0;
  lastBgsaveStatus: 'ok' | 'err' = 'ok';
  lastBgsaveTimeSec = -1;
  saves = 0;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  bgsaveScheduled = false;
  private job: BgsaveJob | undefined;
  /** The other kind of RDB child: a diskless transfer to replicas' sockets (rdb_child_type socket). */
  socketChild: { kill(): void } | undefined;
  /** updateSlavesWaitingBgsave(): told when a disk BGSAVE ends, true on success. */
  onBgsaveDone: ((ok: boolean) => void) | undefined;
  private jobStart = 0;
  private dirtyAtBgsaveStart = 0;

  constructor(private readonly server: Server) {
    server.replica.loadRdb = (srv, payload) => {
      const result = loadRdb(srv, payload);
      return { replStreamDb: result.replStreamDb };
    };
  }

  /** An RDB child of either kind runs (child_type == CHILD_TYPE_RDB). */
  get bgsaveInProgress(): boolean {
    return this.job !== undefined || this.socketChild !== undefined;
  }

  rdbPath(): string {
    return resolve(this.server.config.str('dir'), this.server.config.str('dbfilename'));
  }

  private tempPath(): string {
    return resolve(this.server.config.str('dir'), `temp-${process.pid}.rdb`);
  }

  /** rdbPopulateSaveInfo(): a master with a backlog (or a replica) records replication state in the file. */
  private saveInfo(): ReplicationSaveInfo | undefined {
    const replication = this.server.replication;
    if (!this.server.isReplica() && !replication.backlog) return undefined;
    return { replId: replication.replId, replOffset: replication.offset, streamDb: this.server.replica.streamDb() };
  }

  /** rdbSave(): the whole file, synchronously; true on success (errors are logged). */
  save(): boolean {
    // Both write temp-<pid>.rdb: a synchronous save supersedes a running BGSAVE.
    this.killBgsave();
    const temp = this.tempPath();
    let fd: number;
    try {
      fd = openSync(temp, 'w');
    } catch (err) {
      this.server.log.warning(
        `Failed opening the temp RDB file temp-${process.pid}.rdb (in server root dir ${process.cwd()}) for saving: ${(err as Error).message}`,
      );
      return false;
    }
    try {
      const bytes = encodeRdb(this.server, this.saveInfo());
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
      closeSync(fd);
      renameSync(temp, this.rdbPath());
    } catch (err) {
      this.server.log.warning(`Write error saving DB on disk: ${(err as Error).message}`);
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
      try {
        unlinkSync(temp);
      } catch {
        // Already gone.
      }
      return false;
    }
    this.server.log.notice('DB saved on disk');
    this.server.dirty = 0;
    this.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveStatus = 'ok';
    this.saves++;
    return true;
  }

  /** rdbSaveBackground(): false when the job could not start (logged). */
  startBgsave(): boolean {
    if (this.bgsaveInProgress) return false;
    this.lastBgsaveTry = Math.floor(Date.now() / 1000);
    this.dirtyAtBgsaveStart = this.server.dirty;
    this.jobStart = Date.now();
    let job: BgsaveJob;
    try {
      job = new BgsaveJob(this.server, this.tempPath(), this.saveInfo(), (err) => this.bgsaveDone(job, err));
    } catch (err) {
      this.lastBgsaveStatus = 'err';
      this.server.log.warning(`Can't save in background: ${(err as Error).message}`);
      return false;
    }
    this.job = job;
    this.server.log.notice(`Background saving started by pid ${process.pid}`);
    job.start();
    return true;
  }

  private bgsaveDone(job: BgsaveJob, err: Error | undefined): void {
    if (this.job !== job) return;
    this.job = undefined;
    this.lastBgsaveTimeSec = Math.round((Date.now() - this.jobStart) / 1000);
    if (!err) {
      try {
        renameSync(job.tempPath, this.rdbPath());
      } catch (renameErr) {
        err = renameErr as Error;
      }
    }
    if (err) {
      this.server.log.warning(`Write error saving DB on disk: ${err.message}`);
      this.server.log.warning('Background saving error');
      this.lastBgsaveStatus = 'err';
      try {
        unlinkSync(job.tempPath);
      } catch {
        // Already gone.
      }
      this.onBgsaveDone?.(false);
      return;
    }
    this.server.log.notice('DB saved on disk');
    this.server.log.notice('Background saving terminated with success');
    this.server.dirty -= this.dirtyAtBgsaveStart;
    this.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveStatus = 'ok';
    this.saves++;
    this.onBgsaveDone?.(true);
  }

  /** killRDBChild(): used before a synchronous save or a shutdown. */
  killBgsave(): void {
    this.socketChild?.kill();
    const job = this.job;
    if (!job) return;
    this.job = undefined;
    job.abort();
    this.onBgsaveDone?.(false);
  }

  /** flushAllDataAndResetRDB(): kill a running BGSAVE; with save rules, save the empty data set now. */
  afterFlushAll(): void {
    this.killBgsave();
    if (this.saveRules().length > 0) this.save();
  }

  saveRules(): SaveRule[] {
    const parts = this.server.config
      .str('save')
      .split(/\s+/)
      .filter((p) => p !== '');
    const rules: SaveRule[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      rules.push({ seconds: Number(parts[i]), changes: Number(parts[i + 1]) });
    }
    return rules;
  }

  /** serverCron()'s part: scheduled BGSAVE, then the save rules. */
  cron(): void {
    if (this.bgsaveInProgress) return;
    const now = Math.floor(Date.now() / 1000);
    if (this.bgsaveScheduled) {
      this.bgsaveScheduled = false;
      this.startBgsave();
      return;
    }
    for (const rule of this.saveRules()) {
      if (
        this.server.dirty >= rule.changes &&
        now - this.lastSave > rule.seconds &&
        (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveStatus === 'ok')
      ) {
        this.server.log.notice(`${rule.changes} changes in ${rule.seconds} seconds. Saving...`);
        this.startBgsave();
        return;
      }
    }
  }

  /**
   * prepareForShutdown()'s RDB part: false when the final save failed and the
   * shutdown must not go on (unless forced).
   */
  beforeShutdown(options: { save?: boolean; nosave?: boolean; force?: boolean }): boolean {
    if (this.bgsaveInProgress) {
      this.server.log.warning('There is a child saving an .rdb. Killing it!');
      this.killBgsave();
    }
    const wantSave = options.save || (!options.nosave && this.saveRules().length > 0);
    if (!wantSave) return true;
    this.server.log.notice('Saving the final RDB snapshot before exiting.');
    if (this.save()) return true;
    if (options.force) {
      this.server.log.warning('Error trying to save the DB. Exit anyway.');
      return true;
    }
    this.server.log.warning("Error trying to save the DB, can't exit.");
    return false;
  }

  /**
   * loadDataFromDisk(): a missing file is fine; an unreadable, corrupt or
   * truncated one is refused with Redis's log lines and false (exit 1).
   */
  loadAtStartup(): boolean {
    const path = this.rdbPath();
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') return true;
      this.server.log.warning(`Fatal error loading the DB: ${e.message}. Exiting.`);
      return false;
    }
    const start = performance.now();
    try {
      // A master replicates the keys it drops as expired; the history the file carries
      // lets replicas (or, on a replica, us) partially resync after the restart.
      const replication = this.server.replication;
      const result = loadRdb(this.server, bytes, (dbId, key) => replication.expiredWhileLoading(dbId, key));
      replication.restoreFromRdb(result);
    } catch (err) {
      if (!(err instanceof RdbLoadError)) throw err;
      for (const line of err.preamble) this.server.log.warning(line);
      if (err.message.startsWith('Wrong signature') || err.message.startsWith("Can't handle RDB format")) {
        this.server.log.warning(err.message);
        this.server.log.warning(`Fatal error loading the DB: Invalid argument. Exiting.`);
        return false;
      }
      if (err.message.startsWith('FATAL:')) {
        this.server.log.warning(err.message);
        return false;
      }
      this.server.log.warning(
        `Internal error in RDB reading offset ${err.offset}, function at rdb.c:0 -> ${err.message}`,
      );
      this.server.log.warning('Terminating server after rdb file reading failure.');
      return false;
    }
    this.server.log.notice(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
    return true;
  }

  /**
   * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load the file again.
   * Returns the error reply, or undefined on success.
   */
  debugReload(options: { save: boolean; flush: boolean; merge: boolean }): string | undefined {
    if (options.save && !this.save()) return 'ERR';
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.rdbPath());
    } catch (err) {
      this.server.log.warning(`Fatal error loading the DB: ${(err as Error).message}. Exiting.`);
      return 'ERR Error trying to load the RDB dump';
    }
    try {
      if (options.flush) {
        loadRdb(this.server, bytes);
      } else {
        mergeRdb(this.server, bytes, options.merge);
      }
    } catch (err) {
      if (!(err instanceof RdbLoadError)) throw err;
      this.server.log.warning(
        `Internal error in RDB reading offset ${err.offset}, function at rdb.c:0 -> ${err.message}`,
      );
      return 'ERR Error trying to load the RDB dump';
    }
    this.server.log.warning('DB reloaded by DEBUG RELOAD');
    return undefined;
  }

  /** INFO persistence's RDB fields. */
  infoFields(): [string, string | number][] {
    const now = Date.now();
    return [
      ['rdb_changes_since_last_save', this.server.dirty],
      ['rdb_bgsave_in_progress', this.bgsaveInProgress ? 1 : 0],
      ['rdb_last_save_time', this.lastSave],
      ['rdb_last_bgsave_status', this.lastBgsaveStatus],
      ['rdb_last_bgsave_time_sec', this.lastBgsaveTimeSec],
      ['rdb_current_bgsave_time_sec', this.job ? Math.round((now - this.jobStart) / 1000) : -1],
      ['rdb_saves', this.saves],
      ['rdb_last_cow_size', 0],
      ['rdb_last_load_keys_expired', this.lastLoadKeysExpired],
      ['rdb_last_load_keys_loaded', this.lastLoadKeysLoaded],
    ];
  }
}
