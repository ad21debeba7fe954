/**
 * Watches every master's INFO sync counters (sync_full, sync_partial_ok,
 * sync_partial_err) tick by tick; when they move, reads the master's log (local
 * nodes) for the lines Redis wrote about those syncs, and hands the timeline one
 * 'sync' event per sync with its explanation. Remote masters have no log: their
 * events say they come from INFO only.
 */
import type { SyncExplanation, TimelineEvent } from '../../api/runtime';
import type { NodeMetrics } from '../types';
import { explainFromCounters, explainLogged, parseSyncLog, type CounterChange, type LoggedSync } from './sync-explain';

type Counters = Pick<NodeMetrics, 'syncFull' | 'syncPartialOk' | 'syncPartialErr'>;
const ZERO: Counters = { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0 };
/** Lines of a master's log read each time its counters move. */
const LOG_LINES = 300;
/** At most this many syncs per mode explained from counters alone in one change. */
const UNLOGGED_LIMIT = 5;
/** Log lines remembered per master, to tell new lines from ones already explained. */
const SEEN_LIMIT = 2000;

export type SyncEventInput = Omit<TimelineEvent, 'seq' | 'at' | 'level'> & Partial<Pick<TimelineEvent, 'level'>>;

export interface SyncWatchHost {
  /** The master's last log lines, or undefined when it has no log the lab can read (a remote node). */
  logTail(id: string, lines: number): Promise<string[]> | undefined;
  /** The lab node a `host:port` named in a log line stands for. */
  resolve(host: string, port: number): string | undefined;
  name(id: string): string;
  /** The lab's replicas of a master, as the topology draws them. */
  replicasOf(masterId: string): string[];
  add(event: SyncEventInput): void;
}

interface MasterState {
  counters: Counters;
  seen: Set<string>;
  /** Log lines read before the first change: they are history, not news. */
  baselined: boolean;
  chain: Promise<void>;
}

export class SyncWatch {
  private readonly masters = new Map<string, MasterState>();

  constructor(private readonly host: SyncWatchHost) {}

  /** Every poll tick. Returns when the work is queued (the log reads run behind). */
  observe(metrics: ReadonlyMap<string, NodeMetrics>): void {
    for (const [id, m] of metrics) {
      if (!m.reachable || m.syncFull === undefined || m.syncPartialOk === undefined) continue;
      const now: Counters = { syncFull: m.syncFull, syncPartialOk: m.syncPartialOk, syncPartialErr: m.syncPartialErr };
      let state = this.masters.get(id);
      if (!state) {
        state = { counters: now, seen: new Set(), baselined: false, chain: Promise.resolve() };
        this.masters.set(id, state);
        const fresh = state;
        fresh.chain = fresh.chain.then(() => this.baseline(id, fresh));
        continue;
      }
      let before = state.counters;
      // Counters that went down: the process restarted, and counts again from zero.
      if (
        now.syncFull! < (before.syncFull ?? 0) ||
        now.syncPartialOk! < (before.syncPartialOk ?? 0) ||
        (now.syncPartialErr ?? 0) < (before.syncPartialErr ?? 0)
      ) {
        before = ZERO;
      }
      state.counters = now;
      const partial = now.syncPartialOk! - (before.syncPartialOk ?? 0);
      const full = now.syncFull! - (before.syncFull ?? 0);
      if (partial <= 0 && full <= 0) continue;
      const change: CounterChange = { master: this.host.name(id), before, after: structuredClone(m) };
      const links = this.linkEvidence(id, metrics);
      const master = state;
      master.chain = master.chain
        .then(() => this.explain(id, master, change, partial, full, links))
        .catch(() => undefined);
    }
  }

  /** A process is starting: it counts its syncs from zero, and its log so far is history. */
  restarted(id: string): void {
    const state = this.masters.get(id);
    if (state) {
      state.counters = ZERO;
      return;
    }
    const fresh: MasterState = { counters: ZERO, seen: new Set(), baselined: false, chain: Promise.resolve() };
    this.masters.set(id, fresh);
    fresh.chain = fresh.chain.then(() => this.baseline(id, fresh));
  }

  forget(id: string): void {
    this.masters.delete(id);
  }

  forgetAll(): void {
    this.masters.clear();
  }

  /** Resolves when every queued explanation is on the timeline (for tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.masters.values()].map((state) => state.chain));
  }

  private async baseline(id: string, state: MasterState): Promise<void> {
    const lines = await (this.host.logTail(id, LOG_LINES) ?? Promise.resolve([])).catch(() => []);
    if (!state.baselined) for (const line of lines) remember(state.seen, line);
    state.baselined = true;
  }

  private async explain(
    id: string,
    state: MasterState,
    change: CounterChange,
    partial: number,
    full: number,
    links: Map<string, string[]>,
  ): Promise<void> {
    state.baselined = true;
    const reading = this.host.logTail(id, LOG_LINES);
    const remote = reading === undefined;
    const lines = remote ? [] : await reading.catch(() => [] as string[]);
    const fresh = lines.filter((line) => !state.seen.has(line));
    const logged = parseSyncLog(fresh);
    const partials = logged.filter((sync) => sync.mode === 'partial').slice(0, Math.max(0, partial));
    const fulls = logged.filter((sync) => sync.mode === 'full').slice(0, Math.max(0, full));
    const used = new Set([...partials, ...fulls]);
    // Lines about syncs the counters do not show yet stay unseen: the next tick explains them.
    const waiting = new Set(logged.filter((sync) => !used.has(sync)).flatMap((sync) => sync.lines));
    for (const line of fresh) if (!waiting.has(line)) remember(state.seen, line);

    for (const sync of logged.filter((candidate) => used.has(candidate))) {
      const replica = this.replicaOf(sync);
      this.add(id, replica, explainLogged(sync, change, replica ? (links.get(replica) ?? []) : []));
    }
    const why = remote ? 'a remote node: no log to read, from INFO stats only' : 'no matching line in its log';
    const guess = this.soleReplica(id);
    const linkLines = guess ? (links.get(guess) ?? []) : [];
    // Counters that jumped by more than a few (a poll missed for long) get a few events, not a flood.
    for (let i = partials.length; i < Math.min(partial, UNLOGGED_LIMIT); i++)
      this.add(id, guess, explainFromCounters('partial', change, why, linkLines));
    for (let i = fulls.length; i < Math.min(full, UNLOGGED_LIMIT); i++)
      this.add(id, guess, explainFromCounters('full', change, why, linkLines));
  }

  private add(masterId: string, replicaId: string | undefined, sync: SyncExplanation): void {
    const master = this.host.name(masterId);
    const who = replicaId ? this.host.name(replicaId) : 'a replica';
    const what = sync.mode === 'partial' ? 'a partial resync' : 'a full resync';
    const fullAfterTrouble = sync.mode === 'full' && !/^a new replica/.test(sync.reason);
    this.host.add({
      kind: 'sync',
      nodeId: replicaId ?? masterId,
      edge: replicaId ? { replica: replicaId, master: masterId } : undefined,
      level: fullAfterTrouble ? 'warning' : 'info',
      title: `${who} did ${what} from ${master}: ${sync.reason}`,
      sync,
    });
  }

  private replicaOf(sync: LoggedSync): string | undefined {
    if (!sync.replica) return undefined;
    const colon = sync.replica.lastIndexOf(':');
    const port = Number(sync.replica.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port)) return undefined;
    return this.host.resolve(sync.replica.slice(0, colon).replace(/^\[|\]$/g, ''), port);
  }

  /** Without a log, a sync can be pinned on a replica only when the master has just one. */
  private soleReplica(masterId: string): string | undefined {
    const replicas = this.host.replicasOf(masterId);
    return replicas.length === 1 ? replicas[0] : undefined;
  }

  /** Each replica's own side of the link, from its INFO. */
  private linkEvidence(masterId: string, metrics: ReadonlyMap<string, NodeMetrics>): Map<string, string[]> {
    const evidence = new Map<string, string[]>();
    for (const replica of this.host.replicasOf(masterId)) {
      const m = metrics.get(replica);
      if (!m?.reachable || m.role !== 'replica') continue;
      const lines = [`${this.host.name(replica)} INFO replication master_link_status:${m.linkStatus ?? '?'}`];
      if (m.replicaOffset !== undefined)
        lines.push(`${this.host.name(replica)} INFO replication slave_repl_offset:${m.replicaOffset}`);
      evidence.set(replica, lines);
    }
    return evidence;
  }
}

function remember(seen: Set<string>, line: string): void {
  seen.add(line);
  if (seen.size > SEEN_LIMIT) {
    const oldest = seen.values().next().value;
    if (oldest !== undefined) seen.delete(oldest);
  }
}
