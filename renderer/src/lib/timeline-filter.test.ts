import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '@api/runtime';
import { EMPTY_FILTER, filterTimeline, mergeTimeline, timelineExport } from './timeline-filter';

function event(seq: number, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return { seq, at: 1000 * seq, kind: 'node', title: `event ${seq}`, level: 'info', ...extra };
}

describe('the timeline list', () => {
  it('merges without duplicates, in seq order, keeping the newest', () => {
    const current = [event(1), event(2), event(3)];
    expect(mergeTimeline(current, [event(4)], 10).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(mergeTimeline(current, [event(2, { title: 'again' }), event(0)], 10).map((e) => e.seq)).toEqual([
      0, 1, 2, 3,
    ]);
    expect(mergeTimeline(current, [event(5), event(4)], 10).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(mergeTimeline(current, [event(4), event(5)], 3).map((e) => e.seq)).toEqual([3, 4, 5]);
  });

  it('filters by kind, by node (either end of a link) and by text', () => {
    const events = [
      event(1, { kind: 'node', nodeId: 'n1', title: 'redis_6379 started' }),
      event(2, { kind: 'link', nodeId: 'n2', edge: { replica: 'n2', master: 'n1' }, title: 'Link down' }),
      event(3, {
        kind: 'sync',
        nodeId: 'n3',
        edge: { replica: 'n3', master: 'n2' },
        title: 'redis_6381 did a partial resync',
        sync: {
          mode: 'partial',
          reason: 'the gap (12 bytes) fitted in the backlog',
          evidence: ['sync_partial_ok 0→1'],
        },
      }),
      event(4, { kind: 'fault', title: 'Cut both ways', details: { latencyMs: 250 } }),
    ];
    const seqs = (filter: Parameters<typeof filterTimeline>[1], names?: (id: string) => string | undefined) =>
      filterTimeline(events, filter, names).map((e) => e.seq);
    expect(seqs(EMPTY_FILTER)).toEqual([1, 2, 3, 4]);
    expect(seqs({ kinds: ['sync', 'link'], text: '' })).toEqual([2, 3]);
    expect(seqs({ kinds: [], nodeId: 'n1', text: '' })).toEqual([1, 2]);
    expect(seqs({ kinds: [], nodeId: 'n2', text: '' })).toEqual([2, 3]);
    expect(seqs({ kinds: [], text: 'BACKLOG' })).toEqual([3]);
    expect(seqs({ kinds: [], text: 'partial_ok' })).toEqual([3]);
    expect(seqs({ kinds: [], text: 'latencyms 250' })).toEqual([4]);
    expect(seqs({ kinds: [], text: 'replica-b' }, (id) => (id === 'n2' ? 'replica-b' : undefined))).toEqual([2, 3]);
    expect(seqs({ kinds: ['node'], nodeId: 'n2', text: '' })).toEqual([]);
  });

  it('exports the filtered events with the filter that chose them', () => {
    const text = timelineExport([event(7)], { kinds: ['node'], text: 'x' }, Date.UTC(2026, 10, 24));
    const parsed = JSON.parse(text);
    expect(parsed).toMatchObject({
      exportedAt: '2026-11-24T00:00:00.000Z',
      filter: { kinds: ['node'], nodeId: null, text: 'x' },
      count: 1,
    });
    expect(parsed.events[0].seq).toBe(7);
  });
});
