/**
 * What a master did when a replica asked to sync, read from its log (Redis's own
 * lines, which the built-in engine writes word for word) and its INFO stats, as
 * the timeline's SyncExplanation. Pure functions: sync-watch.ts feeds them.
 */
import type { SyncExplanation } from '../../api/runtime';
import type { NodeMetrics } from '../types';

/** One PSYNC answer, as the master's log tells it. */
export type LoggedSync =
  | { mode: 'partial'; replica?: string; bytes: number; offset: number; lines: string[] }
  | {
      mode: 'full';
      replica?: string;
      cause: 'requested' | 'id-mismatch' | 'second-id' | 'backlog';
      /** id-mismatch: the id the replica asked for; backlog: the offset it asked for. */
      askedId?: string;
      askedOffset?: number;
      lines: string[];
    };

const ASKS = /Replica (\S+) asks for synchronization/;
const PARTIAL =
  /Partial resynchronization request from (\S+) accepted\. Sending (\d+) bytes of backlog starting from offset (\d+)\./;
const REQUESTED = /Full resync requested by replica (\S+)/;
const ID_MISMATCH = /Partial resynchronization not accepted: Replication ID mismatch \(Replica asked for '([^']*)'/;
const SECOND_ID = /Partial resynchronization not accepted: Requested offset for second ID was (\d+)/;
const NO_BACKLOG = /Unable to partial resync with replica (\S+) for lack of backlog \(Replica request was: (-?\d+)\)/;

/** The syncs a run of master log lines tells, in order. */
export function parseSyncLog(lines: readonly string[]): LoggedSync[] {
  const syncs: LoggedSync[] = [];
  let asking: { replica: string; line: string } | undefined;
  for (const line of lines) {
    let match: RegExpExecArray | null;
    if ((match = ASKS.exec(line))) {
      asking = { replica: match[1]!, line };
    } else if ((match = PARTIAL.exec(line))) {
      syncs.push({
        mode: 'partial',
        replica: match[1],
        bytes: Number(match[2]),
        offset: Number(match[3]),
        lines: [...(asking ? [asking.line] : []), line],
      });
      asking = undefined;
    } else if ((match = REQUESTED.exec(line))) {
      syncs.push({
        mode: 'full',
        replica: match[1],
        cause: 'requested',
        lines: [...(asking ? [asking.line] : []), line],
      });
      asking = undefined;
    } else if ((match = ID_MISMATCH.exec(line))) {
      syncs.push({
        mode: 'full',
        replica: asking?.replica,
        cause: 'id-mismatch',
        askedId: match[1],
        lines: [...(asking ? [asking.line] : []), line],
      });
      asking = undefined;
    } else if ((match = SECOND_ID.exec(line))) {
      syncs.push({
        mode: 'full',
        replica: asking?.replica,
        cause: 'second-id',
        askedOffset: Number(match[1]),
        lines: [...(asking ? [asking.line] : []), line],
      });
      asking = undefined;
    } else if ((match = NO_BACKLOG.exec(line))) {
      syncs.push({
        mode: 'full',
        replica: match[1],
        cause: 'backlog',
        askedOffset: Number(match[2]),
        lines: [...(asking ? [asking.line] : []), line],
      });
      asking = undefined;
    }
  }
  return syncs;
}

/** The master's INFO counters before and after, as evidence lines. */
export interface CounterChange {
  master: string;
  before: Pick<NodeMetrics, 'syncFull' | 'syncPartialOk' | 'syncPartialErr'>;
  after: NodeMetrics;
}

/** The counters that count a sync of this mode (a refused partial counts in sync_partial_err too). */
export function counterEvidence(change: CounterChange, mode: 'partial' | 'full'): string[] {
  const lines: string[] = [];
  const pairs: [string, number | undefined, number | undefined][] =
    mode === 'partial'
      ? [['sync_partial_ok', change.before.syncPartialOk, change.after.syncPartialOk]]
      : [
          ['sync_full', change.before.syncFull, change.after.syncFull],
          ['sync_partial_err', change.before.syncPartialErr, change.after.syncPartialErr],
        ];
  for (const [name, before, after] of pairs) {
    if (after !== undefined && before !== after)
      lines.push(`${change.master} INFO stats ${name} ${before ?? 0}→${after}`);
  }
  return lines;
}

function backlogEvidence(master: string, metrics: NodeMetrics): string[] {
  const lines: string[] = [];
  if (metrics.backlogSize !== undefined)
    lines.push(`${master} INFO replication repl_backlog_size ${metrics.backlogSize}`);
  if (metrics.backlogHistlen !== undefined)
    lines.push(`${master} INFO replication repl_backlog_histlen ${metrics.backlogHistlen}`);
  return lines;
}

/** The explanation of one logged sync, with the counters and backlog figures beside it. */
export function explainLogged(sync: LoggedSync, change: CounterChange, linkEvidence: string[]): SyncExplanation {
  const m = change.after;
  const evidence = [
    ...counterEvidence(change, sync.mode),
    ...sync.lines.map((line) => `${change.master} log: ${line.trim()}`),
  ];
  if (sync.mode === 'partial') {
    const backlog = m.backlogSize;
    evidence.push(...backlogEvidence(change.master, m), ...linkEvidence);
    return {
      mode: 'partial',
      reason:
        backlog !== undefined
          ? `the gap fitted in the backlog: ${sync.bytes} bytes of ${backlog}`
          : `the gap fitted in the backlog: ${sync.bytes} bytes`,
      gapBytes: sync.bytes,
      backlogBytes: backlog,
      evidence,
    };
  }
  evidence.push(...backlogEvidence(change.master, m), ...linkEvidence);
  switch (sync.cause) {
    case 'requested':
      return {
        mode: 'full',
        reason:
          'a new replica: it had no replication history to continue (a new replica, or one restarted without its data) and asked for a full resync',
        evidence,
      };
    case 'id-mismatch':
      return {
        mode: 'full',
        reason: `the replication id changed: the replica asked to continue history ${sync.askedId ?? '?'}, which this master does not have`,
        evidence,
      };
    case 'second-id':
      return {
        mode: 'full',
        reason: `the replication id changed: the replica asked to continue the master's previous history at offset ${sync.askedOffset}, past the point where it ended`,
        evidence,
      };
    case 'backlog': {
      const asked = sync.askedOffset ?? 0;
      const held = m.backlogHistlen;
      const first = held !== undefined ? m.masterReplOffset - held + 1 : undefined;
      const gap = m.masterReplOffset - asked + 1;
      const reason =
        first !== undefined && asked < first
          ? `the gap did not fit in the backlog: the replica asked for offset ${asked}, the backlog starts at ${first} (${held} bytes of ${m.backlogSize ?? '?'}), so about ${gap} bytes were missing`
          : `the gap did not fit in the backlog: the replica asked for offset ${asked}, outside what the backlog holds`;
      return { mode: 'full', reason, gapBytes: gap > 0 ? gap : undefined, backlogBytes: m.backlogSize, evidence };
    }
  }
}

/** A sync known only from INFO counters (a remote master, or no matching log line). */
export function explainFromCounters(
  mode: 'partial' | 'full',
  change: CounterChange,
  why: string,
  linkEvidence: string[],
): SyncExplanation {
  const m = change.after;
  const evidence = [...counterEvidence(change, mode), ...backlogEvidence(change.master, m), ...linkEvidence];
  if (mode === 'partial') {
    return {
      mode,
      reason: `the gap fitted in the backlog (${m.backlogSize ?? '?'} bytes); its size is not in INFO (${why})`,
      backlogBytes: m.backlogSize,
      evidence,
    };
  }
  const refused = (change.after.syncPartialErr ?? 0) > (change.before.syncPartialErr ?? 0);
  return {
    mode,
    reason: refused
      ? `the master refused a partial resync (sync_partial_err went up): the gap did not fit in the backlog or the replication id changed; INFO does not say which (${why})`
      : `the replica asked for a full resync: a new replica, or one without replication history (${why})`,
    backlogBytes: m.backlogSize,
    evidence,
  };
}
