import { describe, expect, it } from 'vitest';
import type { MetricsSample, NodeMetrics } from '@api/runtime';
import { alignSeries, lastValues, mergeHistory, tickSamples, trimBefore, valueOf } from './metric-series';

function sample(at: number, opsPerSec: number, extra: Partial<MetricsSample> = {}): MetricsSample {
  return { at, opsPerSec, usedMemory: 1000, keys: 1, masterReplOffset: at, ...extra };
}

function metrics(id: string, opsPerSec: number, extra: Partial<NodeMetrics> = {}): NodeMetrics {
  return {
    id,
    reachable: true,
    syncInProgress: false,
    keys: 1,
    opsPerSec,
    usedMemory: 1000,
    connectedClients: 1,
    masterReplOffset: 10,
    replicas: [],
    replicationInfo: '',
    ...extra,
  };
}

describe('metric series', () => {
  it('joins the lab history with the live samples without counting the overlap twice', () => {
    const history = [sample(3000, 3), sample(1000, 1), sample(2000, 2)];
    const live = [sample(2000, 20), sample(4000, 40)];
    expect(mergeHistory(history, live).map((s) => [s.at, s.opsPerSec])).toEqual([
      [1000, 1],
      [2000, 20],
      [4000, 40],
    ]);
    expect(mergeHistory(history, []).map((s) => s.at)).toEqual([1000, 2000, 3000]);
  });

  it('carries the last values of live nodes that the tick did not mention', () => {
    const batch = { a: metrics('a', 5) };
    const last = {
      a: metrics('a', 1),
      b: metrics('b', 7),
      c: metrics('c', 9),
      d: metrics('d', 2, { reachable: false }),
    };
    const samples = tickSamples(5000, batch, last, (id) => id !== 'c');
    expect([...samples.keys()].sort()).toEqual(['a', 'b']);
    expect(samples.get('a')).toMatchObject({ at: 5000, opsPerSec: 5 });
    expect(samples.get('b')).toMatchObject({ at: 5000, opsPerSec: 7 });
  });

  it('aligns nodes on the union of their sample times, with null where a node has none', () => {
    const series = new Map([
      ['a', [sample(1000, 1), sample(2000, 2), sample(3000, 3)]],
      ['b', [sample(2000, 20, { replicaOffset: 77, lagBytes: 5 }), sample(4000, 40)]],
    ]);
    expect(alignSeries(series, ['a', 'b'], 'opsPerSec', 1500)).toEqual([
      [2, 3, 4],
      [2, 3, null],
      [20, null, 40],
    ]);
    const [, offsets] = alignSeries(series, ['b'], 'offset', 0);
    expect(offsets).toEqual([77, 4000]);
    const [, lag] = alignSeries(series, ['b'], 'lagBytes', 0);
    expect(lag).toEqual([5, null]);
    expect(alignSeries(series, [], 'opsPerSec', 0)).toEqual([[]]);
    // a pause longer than the gap: a time with nulls only, so the line breaks there
    const paused = new Map([['a', [sample(1000, 1), sample(2000, 2), sample(9000, 9)]]]);
    expect(alignSeries(paused, ['a'], 'opsPerSec', 0, 5000)).toEqual([
      [1, 2, 2.001, 9],
      [1, 2, null, 9],
    ]);
  });

  it('trims old samples in place and reads sparkline values', () => {
    const samples = [sample(1000, 1), sample(2000, 2), sample(3000, 3)];
    trimBefore(samples, 2000);
    expect(samples.map((s) => s.at)).toEqual([2000, 3000]);
    expect(lastValues(samples, 'opsPerSec', 1)).toEqual([3]);
    expect(lastValues([sample(1, 1), sample(2, 2, { lagBytes: 9 })], 'lagBytes', 10)).toEqual([9]);
    expect(valueOf(sample(1, 1, { replicaOffset: 5 }), 'offset')).toBe(5);
  });
});
