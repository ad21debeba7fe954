/**
 * Replacing the data set with a full resynchronisation's payload, as
 * readSyncBulkPayload() does once the payload is in: the disk path (the payload
 * becomes `dbfilename`), emptying the databases, and repl-diskless-load swapdb,
 * which keeps the old data set until the new one has loaded.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Database } from '../keyspace/db.js';
import type { Server } from '../server.js';

/** Thrown with the text Redis logs for a failed step of the disk path. */
export class SyncFileError extends Error {}

/** The payload as received, written next to the data (repl_transfer_tmpfile). */
export function writeTempFile(path: string, payload: Buffer): void {
  try {
    writeFileSync(path, payload);
  } catch (err) {
    throw new SyncFileError(
      'Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA ' +
        `synchronization: ${(err as Error).message}`,
    );
  }
}

/** The received file becomes our dbfilename, or goes away when persistence is off and rdb-del-sync-files asks. */
export function installRdbFile(server: Server, tempFile: string): void {
  const config = server.config;
  const rdbPath = resolve(config.str('dir'), config.str('dbfilename'));
  try {
    renameSync(tempFile, rdbPath);
  } catch (err) {
    throw new SyncFileError(
      `Failed trying to rename the temp DB into ${config.str('dbfilename')} in MASTER <-> REPLICA ` +
        `synchronization: ${(err as Error).message}`,
    );
  }
  const persistenceOff = config.str('save') === '' && !config.bool('appendonly');
  if (config.bool('rdb-del-sync-files') && persistenceOff) {
    server.log.notice('Removing the RDB file obtained from the master. This replica has persistence disabled');
    try {
      unlinkSync(rdbPath);
    } catch {
      // Already gone.
    }
  }
}

/** emptyData(-1): every database, WATCHers of existing keys notified. */
export function emptyData(server: Server): void {
  for (const db of server.dbs) {
    server.touchAllWatched(db);
    db.clear();
  }
}

/** disklessLoadInitTempDb(): the databases become empty; their old contents are returned. */
export function setDataAside(server: Server): Database[] {
  return server.dbs.map((db) => {
    const aside = new Database(db.id, server);
    db.swapContents(aside);
    return aside;
  });
}

/** disklessLoadDiscardTempDb() after a failed load: the old contents come back. */
export function restoreDataAside(server: Server, aside: readonly Database[]): void {
  server.dbs.forEach((db, i) => {
    db.clear();
    db.swapContents(aside[i]!);
  });
}

/** swapMainDbWithTempDb()'s WATCH rule: a watched key that existed before or exists now fails EXEC. */
export function touchWatchersOfSwappedData(server: Server, aside: readonly Database[]): void {
  server.dbs.forEach((db, i) => {
    const old = aside[i]!;
    for (const [key, watchers] of db.watchedKeys) {
      if (!old.dict.has(key) && !db.dict.has(key)) continue;
      for (const w of watchers) w.markDirtyCas();
    }
  });
}
