/**
 * The last minutes of every node's metrics, one sample per poll tick, for the
 * charts and sparklines. Numbers only: ten minutes of fifty nodes is a few MB.
 */
import type { MetricsSample } from '../api/runtime';
import type { NodeMetrics } from './types';

export class MetricsHistory {
  private readonly series = new Map<string, MetricsSample[]>();

  constructor(private readonly windowMs = 10 * 60_000) {}

  record(at: number, metrics: ReadonlyMap<string, NodeMetrics>): void {
    for (const [id, m] of metrics) {
      if (!m.reachable) continue;
      let samples = this.series.get(id);
      if (!samples) this.series.set(id, (samples = []));
      samples.push({
        at,
        opsPerSec: m.opsPerSec,
        usedMemory: m.usedMemory,
        keys: m.keys,
        masterReplOffset: m.masterReplOffset,
        replicaOffset: m.replicaOffset,
        lagBytes: m.lagBytes,
        lagSeconds: m.lagSeconds,
      });
      const cutoff = at - this.windowMs;
      let old = 0;
      while (old < samples.length && samples[old]!.at < cutoff) old++;
      if (old > 0) samples.splice(0, old);
    }
  }

  get(ids?: readonly string[]): Record<string, MetricsSample[]> {
    const wanted = ids ?? [...this.series.keys()];
    return Object.fromEntries(wanted.filter((id) => this.series.has(id)).map((id) => [id, [...this.series.get(id)!]]));
  }

  forget(id: string): void {
    this.series.delete(id);
  }
}
