/**
 * Latency bookkeeping (latency.c and the per-command histograms of server.c):
 * per-command latency distributions for INFO latencystats and LATENCY HISTOGRAM,
 * and the latency monitor's event time series (LATENCY LATEST / HISTORY / RESET
 * / DOCTOR), fed by the server's call() through recordCommandLatency().
 */
import type { Command } from './command-table.js';
import type { Server } from './server.js';

/**
 * A latency distribution with two significant digits of precision, like the
 * hdr_histogram Redis keeps per command: values are grouped by their two leading
 * digits, so memory stays small whatever the number of calls.
 */
export class LatencyHistogram {
  /** Count per bucket; a bucket is the value rounded down to two significant digits. */
  private readonly buckets = new Map<number, number>();
  total = 0;

  record(usec: number): void {
    const value = Math.max(0, Math.floor(usec));
    const bucket = value < 100 ? value : roundDownTwoDigits(value);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.total++;
  }

  private sortedBuckets(): [number, number][] {
    return [...this.buckets.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** hdr_value_at_percentile(), in usec: the highest value of the bucket holding the percentile. */
  valueAtPercentile(percentile: number): number {
    const wanted = Math.max(1, Math.ceil((Math.min(100, Math.max(0, percentile)) / 100) * this.total));
    let seen = 0;
    let last = 0;
    for (const [bucket, count] of this.sortedBuckets()) {
      seen += count;
      last = highestEquivalent(bucket);
      if (seen >= wanted) break;
    }
    // The histogram's floor is 1 usec (1024 ns in Redis's own units).
    return Math.max(1, last);
  }

  /** The cumulative distribution over power-of-two usec buckets, as fillCommandCDF(). */
  cumulative(): [number, number][] {
    const result: [number, number][] = [];
    const sorted = this.sortedBuckets();
    let index = 0;
    let cumulative = 0;
    for (let limit = 1; index < sorted.length; limit *= 2) {
      const before = cumulative;
      while (index < sorted.length && sorted[index]![0] <= limit) cumulative += sorted[index++]![1];
      if (cumulative > before) result.push([limit, cumulative]);
    }
    return result;
  }
}

function roundDownTwoDigits(value: number): number {
  const scale = 10 ** (Math.floor(Math.log10(value)) - 1);
  return Math.floor(value / scale) * scale;
}

function highestEquivalent(bucket: number): number {
  if (bucket < 100) return bucket;
  const scale = 10 ** (Math.floor(Math.log10(bucket)) - 1);
  return bucket + scale - 1;
}

/** LATENCY_TS_LEN: samples kept per event. */
const SERIES_LENGTH = 160;

/** One latency monitor event class ("command", "fast-command", "expire-cycle", ...). */
export interface LatencySeries {
  /** Oldest first; at most one sample per second. */
  samples: { time: number; latency: number }[];
  max: number;
}

/** All latency state of one server. */
export class LatencyState {
  trackingEnabled: boolean;
  monitorThreshold: number;
  readonly histograms = new Map<Command, LatencyHistogram>();
  readonly events = new Map<string, LatencySeries>();

  constructor(server: Server) {
    const config = server.config;
    this.trackingEnabled = config.bool('latency-tracking');
    this.monitorThreshold = config.num('latency-monitor-threshold');
    config.onChange('latency-tracking', () => {
      this.trackingEnabled = config.bool('latency-tracking');
    });
    config.onChange('latency-monitor-threshold', () => {
      this.monitorThreshold = config.num('latency-monitor-threshold');
    });
  }

  /** latencyAddSampleIfNeeded(). */
  addSampleIfNeeded(event: string, ms: number): void {
    if (this.monitorThreshold > 0 && ms >= this.monitorThreshold) this.addSample(event, ms);
  }

  /** latencyAddSample(): several samples within one second keep the highest. */
  addSample(event: string, ms: number): void {
    let series = this.events.get(event);
    if (!series) this.events.set(event, (series = { samples: [], max: 0 }));
    if (ms > series.max) series.max = ms;
    const now = Math.floor(Date.now() / 1000);
    const last = series.samples[series.samples.length - 1];
    if (last && last.time === now) {
      if (ms > last.latency) last.latency = ms;
      return;
    }
    series.samples.push({ time: now, latency: ms });
    if (series.samples.length > SERIES_LENGTH) series.samples.shift();
  }

  /** latencyResetEvent(): every event when none is named; returns how many were reset. */
  resetEvents(names?: readonly string[]): number {
    if (!names) {
      const count = this.events.size;
      this.events.clear();
      return count;
    }
    let count = 0;
    for (const name of names) if (this.events.delete(name)) count++;
    return count;
  }
}

const states = new WeakMap<Server, LatencyState>();

export function latencyState(server: Server): LatencyState {
  let state = states.get(server);
  if (!state) states.set(server, (state = new LatencyState(server)));
  return state;
}

/** Called by call() after every command: histogram and latency monitor sample. */
export function recordCommandLatency(server: Server, cmd: Command, usec: number): void {
  const state = latencyState(server);
  if (state.trackingEnabled) {
    let histogram = state.histograms.get(cmd);
    if (!histogram) state.histograms.set(cmd, (histogram = new LatencyHistogram()));
    histogram.record(usec);
  }
  if (state.monitorThreshold > 0) {
    state.addSampleIfNeeded(cmd.has('fast') ? 'fast-command' : 'command', Math.floor(usec / 1000));
  }
}

/** CONFIG RESETSTAT forgets the per-command distributions (not the monitor's events). */
export function resetLatencyHistograms(server: Server): void {
  latencyState(server).histograms.clear();
}

/** createLatencyReport(), for LATENCY DOCTOR: the event statistics and Redis's advice. */
export function latencyReport(server: Server): string {
  const state = latencyState(server);
  if (state.events.size === 0 && state.monitorThreshold === 0) {
    return (
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use " +
      '"CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep ' +
      "space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
    );
  }
  let report = '';
  let eventNumber = 0;
  const advice = new Set<string>();
  const now = Math.floor(Date.now() / 1000);
  for (const [event, series] of state.events) {
    eventNumber++;
    if (eventNumber === 1) {
      report +=
        "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
    }
    const samples = series.samples;
    const avg = samples.length ? Math.floor(samples.reduce((s, x) => s + x.latency, 0) / samples.length) : 0;
    const mad = samples.length
      ? Math.floor(samples.reduce((s, x) => s + Math.abs(x.latency - avg), 0) / samples.length)
      : 0;
    const oldest = samples.length ? Math.min(...samples.map((x) => x.time)) : now;
    const period = Math.max(1, now - oldest);
    report +=
      `${eventNumber}. ${event}: ${samples.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms, ` +
      `period ${(period / Math.max(1, samples.length)).toFixed(2)} sec). Worst all time event ${series.max}ms.`;
    if (event === 'command') {
      const slowlogThreshold = server.config.num('slowlog-log-slower-than');
      if (slowlogThreshold < 0) advice.add(ADVICE_SLOWLOG_ENABLED);
      else if (slowlogThreshold / 1000 > state.monitorThreshold) advice.add(ADVICE_SLOWLOG_TUNING);
      advice.add(ADVICE_SLOWLOG_INSPECT);
      advice.add(ADVICE_LARGE_OBJECTS);
    }
    if (event === 'fast-command') advice.add(ADVICE_SCHEDULER);
    report += '\n';
  }
  if (eventNumber === 0) {
    report +=
      'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. ' +
      'I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
  } else if (advice.size === 0) {
    report +=
      "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis " +
      'community to get some help, providing this report in your help request.\n';
  } else {
    report += '\nI have a few advices for you:\n\n';
    for (const [key, text] of ADVICE_TEXT) if (advice.has(key)) report += text(state.monitorThreshold);
  }
  return report;
}

const ADVICE_SLOWLOG_ENABLED = 'slowlog-enabled';
const ADVICE_SLOWLOG_TUNING = 'slowlog-tuning';
const ADVICE_SLOWLOG_INSPECT = 'slowlog-inspect';
const ADVICE_SCHEDULER = 'scheduler';
const ADVICE_LARGE_OBJECTS = 'large-objects';

/** The advice paragraphs of createLatencyReport(), in its order. */
const ADVICE_TEXT: readonly [string, (thresholdMs: number) => string][] = [
  [
    ADVICE_SLOWLOG_ENABLED,
    (t) =>
      '- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis ' +
      `feature using the command 'CONFIG SET slowlog-log-slower-than ${t * 1000}'. If the Slow log is disabled ` +
      'Redis is not able to log slow commands execution for you.\n',
  ],
  [
    ADVICE_SLOWLOG_TUNING,
    (t) =>
      '- Your current Slow Log configuration only logs events that are slower than your configured latency ' +
      `monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${t * 1000}'.\n`,
  ],
  [
    ADVICE_SLOWLOG_INSPECT,
    () =>
      '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. ' +
      'Please check https://redis.io/commands/slowlog for more information.\n',
  ],
  [
    ADVICE_SCHEDULER,
    () =>
      '- The system is slow to execute Redis code paths not containing system calls. This usually means the ' +
      'system does not provide Redis CPU time to run for long periods. You should try to:\n' +
      '  1) Lower the system load.\n' +
      '  2) Use a computer / VM just for Redis if you are running other software in the same system.\n' +
      '  3) Check if you have a "noisy neighbour" problem.\n' +
      "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
      '  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using ' +
      'Jemalloc. However this may create fragmentation problems.\n',
  ],
  [
    ADVICE_LARGE_OBJECTS,
    () =>
      '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If ' +
      'you have very large objects that are often deleted, expired, or evicted, try to fragment those objects ' +
      'into multiple smaller objects.\n',
  ],
];
