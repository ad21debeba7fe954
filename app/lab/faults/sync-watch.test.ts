/**
 * The sync explanation without servers: Redis's log lines parsed, counters turned
 * into evidence, and a remote master (no log) explained from INFO alone.
 */
import { describe, expect, it } from 'vitest';
import type { NodeMetrics } from '../types';
import { parseSyncLog } from './sync-explain';
import { SyncWatch, type SyncEventInput } from './sync-watch';

const LOG = [
  '100:M 24 Nov 2026 19:00:00.000 * Replica 127.0.0.1:6380 asks for synchronization',
  '100:M 24 Nov 2026 19:00:00.001 * Partial resynchronization request from 127.0.0.1:6380 accepted. Sending 400 bytes of backlog starting from offset 844.',
  '100:M 24 Nov 2026 19:00:01.000 * Replica 127.0.0.1:6381 asks for synchronization',
  "100:M 24 Nov 2026 19:00:01.001 * Partial resynchronization not accepted: Replication ID mismatch (Replica asked for 'abc', my replication IDs are 'def' and '000')",
  '100:M 24 Nov 2026 19:00:02.000 * Replica 127.0.0.1:6380 asks for synchronization',
  '100:M 24 Nov 2026 19:00:02.001 * Unable to partial resync with replica 127.0.0.1:6380 for lack of backlog (Replica request was: 1000).',
  '100:M 24 Nov 2026 19:00:03.000 * Full resync requested by replica 127.0.0.1:6382',
];

function metrics(id: string, change: Partial<NodeMetrics>): NodeMetrics {
  return {
    id,
    reachable: true,
    role: 'master',
    syncInProgress: false,
    keys: 0,
    opsPerSec: 0,
    usedMemory: 0,
    connectedClients: 0,
    masterReplOffset: 50_000,
    replicas: [],
    replicationInfo: '',
    syncFull: 0,
    syncPartialOk: 0,
    syncPartialErr: 0,
    backlogSize: 16384,
    backlogHistlen: 16384,
    ...change,
  };
}

describe('parseSyncLog', () => {
  it('reads every PSYNC outcome Redis logs, with the replica that asked', () => {
    const syncs = parseSyncLog(LOG);
    expect(syncs.map((sync) => [sync.mode, sync.replica, sync.mode === 'full' ? sync.cause : sync.bytes])).toEqual([
      ['partial', '127.0.0.1:6380', 400],
      ['full', '127.0.0.1:6381', 'id-mismatch'],
      ['full', '127.0.0.1:6380', 'backlog'],
      ['full', '127.0.0.1:6382', 'requested'],
    ]);
  });
});

describe('SyncWatch', () => {
  function watch(log: string[] | undefined) {
    const events: SyncEventInput[] = [];
    const sync = new SyncWatch({
      logTail: () => (log ? Promise.resolve([...log]) : undefined),
      resolve: (_host, port) => ({ 6380: 'r1', 6381: 'r2', 6382: 'r3' })[port],
      name: (id) => id,
      replicasOf: () => ['r1'],
      add: (event) => events.push(event),
    });
    return { sync, events };
  }

  it('explains a remote master from INFO only, and says so', async () => {
    const { sync, events } = watch(undefined);
    sync.observe(new Map([['m', metrics('m', {})]]));
    sync.observe(new Map([['m', metrics('m', { syncFull: 1, syncPartialErr: 1 })]]));
    await sync.settled();
    expect(events).toHaveLength(1);
    expect(events[0]!.edge).toEqual({ replica: 'r1', master: 'm' });
    expect(events[0]!.sync?.mode).toBe('full');
    expect(events[0]!.sync?.reason).toMatch(
      /refused a partial resync.*a remote node: no log to read, from INFO stats only/,
    );
    expect(events[0]!.sync?.evidence).toEqual([
      'm INFO stats sync_full 0→1',
      'm INFO stats sync_partial_err 0→1',
      'm INFO replication repl_backlog_size 16384',
      'm INFO replication repl_backlog_histlen 16384',
    ]);
  });

  it('explains only the log lines written after it started watching, as many as the counters moved', async () => {
    const log = LOG.slice(0, 2);
    const { sync, events } = watch(log);
    sync.observe(new Map([['m', metrics('m', { syncPartialOk: 1 })]]));
    await sync.settled();
    log.push(...LOG.slice(2));
    sync.observe(new Map([['m', metrics('m', { syncPartialOk: 1, syncFull: 3, syncPartialErr: 2 })]]));
    await sync.settled();
    expect(events.map((event) => [event.edge?.replica, event.sync?.mode])).toEqual([
      ['r2', 'full'],
      ['r1', 'full'],
      ['r3', 'full'],
    ]);
    expect(events[1]!.sync?.reason).toBe(
      'the gap did not fit in the backlog: the replica asked for offset 1000, the backlog starts at 33617 (16384 bytes of 16384), so about 49001 bytes were missing',
    );
    expect(events[0]!.sync?.reason).toMatch(/^the replication id changed/);
    expect(events[2]!.sync?.reason).toMatch(/^a new replica/);
  });
});
