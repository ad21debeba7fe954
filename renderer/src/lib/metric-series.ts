/**
 * The charts' data: each node's samples over the last minutes, seeded from the lab's
 * `metrics.history` and extended by its `metrics` events. The lab sends only the nodes
 * whose numbers changed, so every tick carries the other live nodes' last values
 * forward: all series then share the tick times, which is what a chart with one
 * x-axis and a line per node wants.
 */
import type { MetricsSample, NodeMetrics } from '@api/runtime';

/** What a chart can draw; `offset` is the replica's offset, or the master's own. */
export const CHART_FIELDS = ['opsPerSec', 'usedMemory', 'offset', 'lagBytes', 'lagSeconds'] as const;
export type ChartField = (typeof CHART_FIELDS)[number];

/** Fields that only a replica has: drawn per link (replica ← master). */
export const LINK_FIELDS: ReadonlySet<ChartField> = new Set(['lagBytes', 'lagSeconds']);

export const HISTORY_WINDOW_MS = 10 * 60_000;

export function sampleOf(at: number, metrics: NodeMetrics): MetricsSample {
  return {
    at,
    opsPerSec: metrics.opsPerSec,
    usedMemory: metrics.usedMemory,
    keys: metrics.keys,
    masterReplOffset: metrics.masterReplOffset,
    replicaOffset: metrics.replicaOffset,
    lagBytes: metrics.lagBytes,
    lagSeconds: metrics.lagSeconds,
  };
}

export function valueOf(sample: MetricsSample, field: ChartField): number | null {
  switch (field) {
    case 'offset':
      return sample.replicaOffset ?? sample.masterReplOffset;
    case 'lagBytes':
      return sample.lagBytes ?? null;
    case 'lagSeconds':
      return sample.lagSeconds ?? null;
    default:
      return sample[field];
  }
}

/**
 * The lab's history for a node joined with what the renderer recorded since it
 * attached: the history up to the first live sample (the two overlap while the
 * history request is in flight), then the live samples.
 */
export function mergeHistory(history: readonly MetricsSample[], live: readonly MetricsSample[]): MetricsSample[] {
  const firstLive = live[0]?.at ?? Infinity;
  const merged = history.filter((sample) => sample.at < firstLive);
  merged.sort((a, b) => a.at - b.at);
  return merged.concat(live);
}

/** Drops the samples older than `cutoff` (in place: the arrays are the store's own). */
export function trimBefore(samples: MetricsSample[], cutoff: number): void {
  let old = 0;
  while (old < samples.length && samples[old]!.at < cutoff) old++;
  if (old > 0) samples.splice(0, old);
}

/** Which nodes get a sample at a tick: those in the batch, and every other live node with its last values. */
export function tickSamples(
  at: number,
  batch: Readonly<Record<string, NodeMetrics>>,
  last: Readonly<Record<string, NodeMetrics | undefined>>,
  live: (id: string) => boolean,
): Map<string, MetricsSample> {
  const samples = new Map<string, MetricsSample>();
  for (const [id, metrics] of Object.entries(batch)) if (metrics.reachable) samples.set(id, sampleOf(at, metrics));
  for (const [id, metrics] of Object.entries(last)) {
    if (samples.has(id) || !metrics?.reachable || !live(id)) continue;
    samples.set(id, sampleOf(at, metrics));
  }
  return samples;
}

/** A pause longer than this between two samples is a gap in the line (the node was down), not a slope. */
export const GAP_MS = 5000;

/**
 * uPlot's data for one field: the union of the nodes' sample times (seconds, as uPlot
 * counts) since `since`, then one row per node with null where it has no sample. Where
 * no chosen node has a sample for longer than `gapMs`, a time with nulls only breaks
 * the lines.
 */
export function alignSeries(
  series: ReadonlyMap<string, readonly MetricsSample[]>,
  ids: readonly string[],
  field: ChartField,
  since: number,
  gapMs = GAP_MS,
): [number[], ...Array<Array<number | null>>] {
  const times = new Set<number>();
  for (const id of ids) for (const sample of series.get(id) ?? []) if (sample.at >= since) times.add(sample.at);
  const sampled = [...times].sort((a, b) => a - b);
  const xs: number[] = [];
  for (let i = 0; i < sampled.length; i++) {
    if (i > 0 && sampled[i]! - sampled[i - 1]! > gapMs) xs.push(sampled[i - 1]! + 1);
    xs.push(sampled[i]!);
  }
  const index = new Map(xs.map((at, i) => [at, i]));
  const rows = ids.map((id) => {
    const row = new Array<number | null>(xs.length).fill(null);
    for (const sample of series.get(id) ?? []) {
      const i = index.get(sample.at);
      if (i !== undefined) row[i] = valueOf(sample, field);
    }
    return row;
  });
  return [xs.map((at) => at / 1000), ...rows];
}

/** The last `count` values of a field, for a sparkline (nulls dropped). */
export function lastValues(samples: readonly MetricsSample[], field: ChartField, count: number): number[] {
  const values: number[] = [];
  for (let i = Math.max(0, samples.length - count); i < samples.length; i++) {
    const value = valueOf(samples[i]!, field);
    if (value !== null) values.push(value);
  }
  return values;
}
