/**
 * One workload: SETs to the node that is the master, GETs from the nodes it reads
 * from, at a rate paced by a timer, pipelined, with the stale-read meter.
 *
 * Pacing: every tick (10 ms) adds rate × elapsed to a budget and sends that many
 * operations, capped per tick (in operations and in time) so the lab's event
 * loop is never held for long; a budget the generator could not spend is
 * dropped, not saved up, so the figures report the rate actually reached. A node that stops answering (frozen, asleep)
 * gets no more than MAX_IN_FLIGHT commands queued on it.
 */
import type { Socket } from 'node:net';
import type { WorkloadReadStats, WorkloadSettings, WorkloadStatus } from '../../api/runtime';
import type { RespValue } from '../../resp/reply-parser';
import type { NodeAddress } from '../node-connection';
import { NodePipe } from './node-pipe';
import { KeyVersions } from './versions';

const TICK_MS = 10;
/** Operations per tick at most: 200k/s needs 2000 per 10 ms tick; late ticks may catch up a little. */
const MAX_OPS_PER_TICK = 4000;
/** The event loop time one tick may take: the lab's requests and INFO polling go on between ticks. */
const MAX_TICK_WORK_MS = 6;
/**
 * Commands queued on one node at most. Beyond this it is not keeping up, and the
 * replies of a deep pipeline arrive in bursts the event loop handles in one go.
 */
const MAX_IN_FLIGHT = 4000;
/** Bytes waiting in one socket at most (large values: 4000 writes of 1 MB must not pile up in memory). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const REPORT_MS = 1000;
const SILENCE_REPORT_MS = 1000;

export interface RunnerHost {
  address(id: string): NodeAddress | undefined;
  label(id: string): string;
  /** The figures, once a second while running and once when stopped. */
  report(status: WorkloadStatus): void;
}

interface ReadCounters {
  reads: number;
  stale: number;
  errors: number;
  readsAtLastReport: number;
  staleAtLastReport: number;
  readsPerSec: number;
  /** Stale reads among the last second's reads: the meter as it stands now (the totals give the long run). */
  staleRate: number;
}

export class WorkloadRunner {
  readonly startedAt = Date.now();
  private running = true;
  private writerId: string;
  private readIds: string[] = [];
  private readonly pipes = new Map<string, NodePipe>();
  private readonly readCounters = new Map<string, ReadCounters>();
  private readonly versions: KeyVersions;
  private readonly keyPrefix: string;
  private writes = 0;
  private writeErrors = 0;
  private writesAtLastReport = 0;
  private writesPerSec = 0;
  private lastError: string | undefined;
  private budget = 0;
  private lastTick = performance.now();
  private lastReport = performance.now();
  private readonly tickTimer: NodeJS.Timeout;
  private readonly reportTimer: NodeJS.Timeout;
  /** The next read node, round robin. */
  private readCursor = 0;

  constructor(
    readonly settings: WorkloadSettings,
    writerId: string,
    readIds: string[],
    private readonly host: RunnerHost,
  ) {
    this.writerId = writerId;
    this.versions = new KeyVersions(settings.keySpace, settings.valueSize);
    this.keyPrefix = `workload:${settings.masterId}:`;
    this.retarget(writerId, readIds);
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.reportTimer = setInterval(() => this.reportSecond(), REPORT_MS);
  }

  get writer(): string {
    return this.writerId;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Writes go to `writerId`, reads to `readIds` from now on; connections no longer needed are closed. */
  retarget(writerId: string, readIds: string[]): void {
    this.writerId = writerId;
    this.readIds = [...readIds];
    if (!this.running) return;
    const needed = new Set([writerId, ...readIds]);
    for (const [id, pipe] of this.pipes) {
      if (!needed.has(id)) {
        this.pipes.delete(id);
        void pipe.close();
      }
    }
    for (const id of needed) this.pipeFor(id);
    for (const id of readIds) if (!this.readCounters.has(id)) this.readCounters.set(id, emptyCounters());
  }

  /** The node left the lab: no more reads from it, and its figures go. */
  forget(id: string): void {
    this.readCounters.delete(id);
    if (this.readIds.includes(id))
      this.retarget(
        this.writerId,
        this.readIds.filter((read) => read !== id),
      );
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.tickTimer);
    clearInterval(this.reportTimer);
    const pipes = [...this.pipes.values()];
    this.pipes.clear();
    await Promise.all(pipes.map((pipe) => pipe.close()));
    this.writesPerSec = 0;
    for (const counters of this.readCounters.values()) {
      counters.readsPerSec = 0;
      counters.staleRate = 0;
    }
    this.host.report(this.status());
  }

  status(): WorkloadStatus {
    const reads: WorkloadReadStats[] = [];
    for (const [nodeId, counters] of this.readCounters) {
      reads.push({
        nodeId,
        reads: counters.reads,
        readsPerSec: counters.readsPerSec,
        stale: counters.stale,
        staleRate: counters.staleRate,
        errors: counters.errors,
      });
    }
    return {
      settings: this.settings,
      running: this.running,
      startedAt: this.startedAt,
      writes: this.writes,
      writesPerSec: this.writesPerSec,
      writeErrors: this.writeErrors,
      reads,
      lastError: this.lastError,
    };
  }

  private pipeFor(id: string): NodePipe {
    let pipe = this.pipes.get(id);
    if (!pipe) {
      pipe = new NodePipe(
        id,
        () => this.host.address(id),
        () => this.host.label(id),
        (message) => this.connectionFailed(id, message),
      );
      this.pipes.set(id, pipe);
      pipe.ready(); // connect now, not at the first operation
    }
    return pipe;
  }

  private connectionFailed(id: string, message: string): void {
    this.lastError = message;
    if (id === this.writerId) this.writeErrors++;
    const counters = this.readCounters.get(id);
    if (counters && this.readIds.includes(id)) counters.errors++;
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    const perTickCap = Math.max(1, Math.min(MAX_OPS_PER_TICK, this.settings.ratePerSec * (TICK_MS / 1000) * 2));
    this.budget = Math.min(this.budget + (this.settings.ratePerSec * elapsed) / 1000, perTickCap);
    const count = Math.floor(this.budget);
    if (count === 0) return;
    this.budget -= count;
    const corked: Socket[] = [];
    const { readShare, keySpace } = this.settings;
    for (let i = 0; i < count; i++) {
      // A busy machine makes each operation dearer: the tick stops at its time budget, whatever is left.
      if ((i & 255) === 255 && performance.now() - now > MAX_TICK_WORK_MS) break;
      const key = Math.floor(Math.random() * keySpace);
      if (readShare > 0 && Math.random() < readShare) {
        if (this.readIds.length === 0) continue;
        this.readCursor = (this.readCursor + 1) % this.readIds.length;
        this.read(this.readIds[this.readCursor]!, key, corked);
      } else {
        this.write(key, corked);
      }
    }
    for (const socket of corked) socket.uncork();
  }

  /** The pipe's connection when it can take one more command now, corked for this tick's batch. */
  private usable(
    id: string,
    corked: Socket[],
  ): { pipe: NodePipe; send: (...args: string[]) => Promise<RespValue> } | undefined {
    const pipe = this.pipes.get(id);
    const connection = pipe?.ready();
    if (!pipe || !connection || pipe.inFlight >= MAX_IN_FLIGHT) return undefined;
    if (connection.socket.writableLength > MAX_BUFFERED_BYTES) return undefined;
    if (!corked.includes(connection.socket)) {
      connection.socket.cork();
      corked.push(connection.socket);
    }
    pipe.sent();
    return { pipe, send: (...args) => connection.send(...args) };
  }

  private write(key: number, corked: Socket[]): void {
    const target = this.usable(this.writerId, corked);
    if (!target) return;
    const writerId = this.writerId;
    const version = this.versions.issue();
    target.send('SET', this.keyPrefix + key, this.versions.value(version)).then(
      (reply) => {
        target.pipe.answered();
        if (reply.type === 'error') {
          this.writeErrors++;
          this.lastError = `${this.host.label(writerId)}: ${reply.value}`;
        } else {
          this.writes++;
          this.versions.acknowledge(key, version);
        }
      },
      (error: unknown) => {
        target.pipe.answered();
        this.writeErrors++;
        this.lastError = `${this.host.label(writerId)}: ${error instanceof Error ? error.message : String(error)}`;
      },
    );
  }

  private read(nodeId: string, key: number, corked: Socket[]): void {
    const counters = this.readCounters.get(nodeId);
    const target = this.usable(nodeId, corked);
    if (!counters || !target) return;
    const mustSee = this.versions.acknowledged(key);
    target.send('GET', this.keyPrefix + key).then(
      (reply) => {
        target.pipe.answered();
        if (reply.type === 'error') {
          counters.errors++;
          this.lastError = `${this.host.label(nodeId)}: ${reply.value}`;
          return;
        }
        counters.reads++;
        if (this.versions.isStale(reply.type === 'bulk' ? reply.value : undefined, mustSee)) counters.stale++;
      },
      (error: unknown) => {
        target.pipe.answered();
        counters.errors++;
        this.lastError = `${this.host.label(nodeId)}: ${error instanceof Error ? error.message : String(error)}`;
      },
    );
  }

  private reportSecond(): void {
    const now = performance.now();
    const seconds = (now - this.lastReport) / 1000;
    this.lastReport = now;
    // A frozen or sleeping node fails no command: it just does not answer. Say so.
    for (const pipe of this.pipes.values()) {
      const silent = pipe.silentMs();
      if (silent >= SILENCE_REPORT_MS)
        this.lastError = `${this.host.label(pipe.nodeId)}: no answer for ${(silent / 1000).toFixed(1)} s (${pipe.inFlight} commands waiting)`;
    }
    this.writesPerSec = Math.round((this.writes - this.writesAtLastReport) / seconds);
    this.writesAtLastReport = this.writes;
    for (const counters of this.readCounters.values()) {
      const reads = counters.reads - counters.readsAtLastReport;
      counters.readsPerSec = Math.round(reads / seconds);
      counters.staleRate = reads === 0 ? 0 : (counters.stale - counters.staleAtLastReport) / reads;
      counters.readsAtLastReport = counters.reads;
      counters.staleAtLastReport = counters.stale;
    }
    this.host.report(this.status());
  }
}

function emptyCounters(): ReadCounters {
  return { reads: 0, stale: 0, errors: 0, readsAtLastReport: 0, staleAtLastReport: 0, readsPerSec: 0, staleRate: 0 };
}
