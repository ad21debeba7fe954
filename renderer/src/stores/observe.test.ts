import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { FakeLab } from '../api/fake-lab';
import { useLabStore } from './lab';
import { useObserveStore } from './observe';

describe('the observe store', () => {
  let fake: FakeLab;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = new FakeLab({ tickMs: 0 });
  });
  afterEach(() => {
    useObserveStore().detach();
    fake.close();
  });

  async function attached() {
    const lab = useLabStore();
    const observe = useObserveStore();
    observe.attach(fake);
    await lab.attach(fake);
    const ids = (await lab.request('topology.seed', {})).ids as [string, string, string];
    return { lab, observe, ids };
  }

  it('records a sample per live node at every tick, carrying unchanged nodes forward', async () => {
    const { observe, ids } = await attached();
    fake.tick();
    fake.tick();
    for (const id of ids) expect(observe.samplesOf(id).length).toBeGreaterThanOrEqual(1);
    const before = observe.samplesOf(ids[1]).length;
    // a tick that reports one node only: the others still get a sample at that time
    const only = useLabStore().metrics[ids[0]]!;
    observe.record(Date.now() + 5000, { [ids[0]]: { ...only, opsPerSec: 999 } });
    expect(observe.samplesOf(ids[1]).length).toBe(before + 1);
    expect(observe.samplesOf(ids[0]).at(-1)?.opsPerSec).toBe(999);
    expect(observe.versions[ids[1]]).toBeGreaterThan(0);
  });

  it('seeds the charts from metrics.history after a reload', async () => {
    const { observe, ids } = await attached();
    for (let i = 0; i < 3; i++) fake.tick();
    observe.detach();
    setActivePinia(createPinia());
    const fresh = useObserveStore();
    fresh.attach(fake);
    await useLabStore().attach(fake);
    await fresh.loadHistory();
    expect(fresh.samplesOf(ids[0]).length).toBeGreaterThanOrEqual(3);
    fresh.detach();
  });

  it('keeps the timeline, consistency and diffs of the lab', async () => {
    const { lab, observe, ids } = await attached();
    await observe.loadTimeline();
    const titles = observe.timeline.map((event) => event.title);
    expect(titles).toContain('redis_6380 became a replica of redis_6379');
    expect(observe.timeline.some((event) => event.sync?.mode === 'full')).toBe(true);

    await lab.request('node.stop', { id: ids[1] });
    await lab.request('node.start', { id: ids[1] });
    const partial = observe.timeline.find((event) => event.sync?.mode === 'partial');
    expect(partial?.sync?.reason).toMatch(/fitted in the backlog/);
    expect(partial?.sync?.evidence.length).toBeGreaterThan(0);

    await observe.checkConsistency();
    expect(['equal', 'pending']).toContain(observe.consistency[ids[1]]?.state);

    const same = await lab.request('node.diff', { a: ids[0], b: ids[0] });
    expect(same.differences).toEqual([]);
    await lab.request('edge.disconnect', { replica: ids[2] });
    for (let i = 0; i < 5; i++) fake.tick();
    const diff = await lab.request('node.diff', { a: ids[0], b: ids[2], limit: 2 });
    expect(diff.differences.length).toBe(2);
    expect(diff.truncated).toBe(true);

    observe.openDiff(ids[1]);
    expect(observe.diffPair).toEqual({ a: ids[1], b: ids[0] });

    await observe.clearTimeline();
    expect(observe.timeline).toEqual([]);
    expect((await lab.request('timeline.list', {})).events).toEqual([]);
  });
});
