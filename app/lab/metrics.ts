/**
 * The metrics poller: every node is asked for INFO once per tick (1 s by default)
 * over its own persistent connection, reconnected when it drops. Each tick emits
 * one `metrics` event holding only the nodes whose metrics changed, so a canvas of
 * fifty idle nodes costs the UI nothing. A node that cannot be reached, or does
 * not answer in time (frozen, busy), is reported as unreachable, never thrown.
 */
import { EventEmitter } from 'node:events';
import type { RespConnection } from '../resp/connection.js';
import type { RespValue } from '../resp/reply-parser.js';
import { computeLag, metricsFromInfo, POLLED_SECTIONS } from './info-parse.js';
import { connectNode, describeConnectionError, withTimeout, type NodeAddress } from './node-connection.js';
import type { MetricsBatch, NodeMetrics } from './types.js';

export interface PollTarget extends NodeAddress {
  id: string;
}

export interface MetricsPollerOptions {
  /** Time between ticks (default 1000 ms). */
  intervalMs?: number;
  /** How long a node may take to connect or answer INFO (default: the interval, at most 2 s). */
  timeoutMs?: number;
  /** A memory change smaller than this fraction of the last sent value is not a change (default 0.05). */
  memoryChange?: number;
}

export interface MetricsPollerEvents {
  metrics: [batch: MetricsBatch];
  /** Every tick, with the latest metrics of every node (changed or not): for history and derived events. */
  tick: [at: number, metrics: ReadonlyMap<string, NodeMetrics>];
}

const CLIENT_NAME = 'replica-lab:metrics';

interface TargetState {
  target: PollTarget;
  connection?: RespConnection;
  /** The server refused INFO with several sections (Redis before 7): plain INFO is sent. */
  plainInfo?: boolean;
  /** An INFO sent and not yet answered: the next tick does not send another. */
  pending?: object;
  last?: NodeMetrics;
  /** The metrics last sent in a batch, and their changeKey(). */
  lastEmitted?: NodeMetrics;
  lastEmittedKey?: string;
}

export class MetricsPoller extends EventEmitter<MetricsPollerEvents> {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly memoryChange: number;
  private readonly targets = new Map<string, TargetState>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<MetricsBatch> | undefined;
  /** `host:port` a replica may name as its master, standing for another address (the lab's proxy for a master). */
  private readonly aliases = new Map<string, { host: string; port: number }>();

  constructor(options: MetricsPollerOptions = {}) {
    super();
    this.intervalMs = options.intervalMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? Math.min(this.intervalMs, 2000);
    this.memoryChange = options.memoryChange ?? 0.05;
  }

  /** Adds a node, or changes where an existing one is reached (its connection is reopened). */
  setTarget(target: PollTarget): void {
    const state = this.targets.get(target.id);
    if (!state) {
      this.targets.set(target.id, { target: { ...target } });
      return;
    }
    const before = state.target;
    state.target = { ...target };
    if (!sameAddress(before, target)) {
      state.connection?.destroy();
      state.connection = undefined;
      state.pending = undefined;
    }
  }

  /** Polls exactly these nodes from now on. */
  setTargets(targets: readonly PollTarget[]): void {
    const ids = new Set(targets.map((t) => t.id));
    for (const id of this.targets.keys()) if (!ids.has(id)) this.removeTarget(id);
    for (const target of targets) this.setTarget(target);
  }

  removeTarget(id: string): void {
    const state = this.targets.get(id);
    if (!state) return;
    state.connection?.destroy();
    this.targets.delete(id);
  }

  /** The latest metrics of a node, if it was polled. */
  latest(id: string): NodeMetrics | undefined {
    const last = this.targets.get(id)?.last;
    return last ? structuredClone(last) : undefined;
  }

  /** The latest metrics of every polled node. */
  snapshot(): NodeMetrics[] {
    return [...this.targets.values()].flatMap((s) => (s.last ? [structuredClone(s.last)] : []));
  }

  /** Replicas that report `alias` as their master are replicas of `real` (for their lag). */
  setEndpointAlias(alias: { host: string; port: number }, real: { host: string; port: number }): void {
    this.aliases.set(`${alias.host}:${alias.port}`, { ...real });
  }

  removeEndpointAlias(alias: { host: string; port: number }): void {
    this.aliases.delete(`${alias.host}:${alias.port}`);
  }

  /** Ticks every intervalMs until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      const began = Date.now();
      await this.tick();
      if (!this.running) return;
      this.timer = setTimeout(loop, Math.max(0, this.intervalMs - (Date.now() - began)));
    };
    void loop();
  }

  /** Stops ticking and closes every connection. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking?.catch(() => undefined);
    for (const state of this.targets.values()) {
      state.connection?.destroy();
      state.connection = undefined;
      state.pending = undefined;
    }
  }

  /**
   * Polls every node once, emits the changed ones as one `metrics` event (none
   * when nothing changed) and returns that batch.
   */
  tick(): Promise<MetricsBatch> {
    this.ticking ??= this.pollAll().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async pollAll(): Promise<MetricsBatch> {
    const states = [...this.targets.values()];
    const polled = await Promise.all(states.map((state) => this.pollOne(state)));
    computeLag(
      polled.map((metrics, i) => ({ metrics, host: states[i]!.target.host, port: states[i]!.target.port })),
      (host, port) => this.aliases.get(`${host}:${port}`),
    );
    const batch: MetricsBatch = { at: Date.now(), nodes: [] };
    const all = new Map<string, NodeMetrics>();
    polled.forEach((metrics, i) => {
      const state = states[i]!;
      // A node removed while its INFO was in flight is not reported.
      if (this.targets.get(state.target.id) !== state) return;
      state.last = metrics;
      all.set(state.target.id, metrics);
      const key = changeKey(metrics);
      if (!this.changed(state, metrics, key)) return;
      state.lastEmitted = metrics;
      state.lastEmittedKey = key;
      batch.nodes.push(structuredClone(metrics));
    });
    if (batch.nodes.length > 0) this.emit('metrics', batch);
    this.emit('tick', batch.at, all);
    return batch;
  }

  /**
   * Changed since last sent: a field differs (ages up to 10 s excepted, see
   * changeKey), or memory moved by more than memoryChange (the built-in engine's
   * heap-based used_memory moves by megabytes every second, which would otherwise
   * resend every node every tick).
   */
  private changed(state: TargetState, now: NodeMetrics, key: string): boolean {
    const before = state.lastEmitted;
    if (!before || key !== state.lastEmittedKey) return true;
    const base = Math.max(before.usedMemory, 1);
    return Math.abs(now.usedMemory - before.usedMemory) / base > this.memoryChange;
  }

  private async pollOne(state: TargetState): Promise<NodeMetrics> {
    const { target } = state;
    if (state.pending) {
      // Worded the same every tick, so a node that stays frozen is not reported again and again.
      return this.unreachable(state, 'not answering: an INFO sent earlier has no reply yet (frozen or busy)');
    }
    try {
      if (!state.connection || state.connection.closed) {
        state.connection = undefined;
        const connection = await connectNode(target, this.timeoutMs, CLIENT_NAME);
        // Removed or moved to another address while connecting: this connection is nobody's.
        if (this.targets.get(target.id) !== state || !sameAddress(state.target, target)) {
          connection.destroy();
          return this.unreachable(state, `${target.host}:${target.port} is no longer polled`);
        }
        state.connection = connection;
      }
    } catch (err) {
      return this.unreachable(
        state,
        `cannot connect to ${target.host}:${target.port}: ${describeConnectionError(err)}`,
      );
    }
    const connection = state.connection;
    const pending = {};
    state.pending = pending;
    const answer = state.plainInfo ? connection.send('INFO') : connection.send('INFO', ...POLLED_SECTIONS);
    const settle = () => {
      if (state.pending === pending) state.pending = undefined;
    };
    answer.then(settle, settle);
    let reply: RespValue;
    try {
      reply = await withTimeout(answer, this.timeoutMs, 'INFO');
    } catch (err) {
      if (connection.closed) return this.unreachable(state, `connection to ${target.host}:${target.port} lost`);
      return this.unreachable(state, `no reply to INFO within ${this.timeoutMs} ms (${(err as Error).message})`);
    }
    if (reply.type === 'error' && !state.plainInfo && /syntax error/i.test(reply.value)) {
      // Before Redis 7, INFO takes one section at most: ask for the default set (it has them all).
      state.plainInfo = true;
      return this.pollOne(state);
    }
    if (reply.type === 'error') return this.unreachable(state, `INFO failed: ${reply.value}`);
    const text = reply.type === 'bulk' || reply.type === 'verbatim' ? reply.value : '';
    return metricsFromInfo(target.id, text);
  }

  /** The last known values, marked unreachable with the reason. */
  private unreachable(state: TargetState, error: string): NodeMetrics {
    const base: NodeMetrics = state.last ?? {
      id: state.target.id,
      reachable: false,
      syncInProgress: false,
      keys: 0,
      opsPerSec: 0,
      usedMemory: 0,
      connectedClients: 0,
      masterReplOffset: 0,
      replicas: [],
      replicationInfo: '',
    };
    return { ...base, reachable: false, error };
  }
}

/**
 * Ages (seconds since the last I/O or ACK) up to this count as one value: on an
 * idle healthy link they cycle 0..10 (masters ping replicas every 10 s), which
 * would resend every replica every second; a larger age is news, shown as it grows.
 */
const QUIET_AGE_SECONDS = 10;

function quietAge(seconds: number | undefined): number | undefined {
  return seconds !== undefined && seconds <= QUIET_AGE_SECONDS ? 0 : seconds;
}

/** Every field but usedMemory, with quiet ages folded together, as one string. */
function changeKey(metrics: NodeMetrics): string {
  return JSON.stringify({
    ...metrics,
    usedMemory: 0,
    masterLastIoSecondsAgo: quietAge(metrics.masterLastIoSecondsAgo),
    lagSeconds: quietAge(metrics.lagSeconds),
    replicas: metrics.replicas.map((link) => ({ ...link, lag: quietAge(link.lag) })),
    replicationInfo: metrics.replicationInfo.replace(
      /(master_last_io_seconds_ago:|lag=)(\d+)/g,
      (_, name: string, seconds: string) => name + String(quietAge(Number(seconds))),
    ),
  });
}

function sameAddress(a: PollTarget, b: PollTarget): boolean {
  return a.host === b.host && a.port === b.port && a.username === b.username && a.password === b.password;
}
