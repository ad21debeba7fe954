import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { FakeLab } from '../api/fake-lab';
import { useLabStore } from '../stores/lab';
import { useExperimentStore } from '../stores/experiments';
import {
  SCENARIOS,
  currentStep,
  progress,
  remember,
  type LabView,
  type Scenario,
  type ScenarioMemory,
} from './scenarios';

function scenario(id: Scenario['id']): Scenario {
  const found = SCENARIOS.find((each) => each.id === id);
  if (!found) throw new Error(`no scenario ${id}`);
  return found;
}

/** The demo lab behind the stores, and the view the scenario panel builds from them. */
async function setup() {
  const fake = new FakeLab({ tickMs: 0 });
  const lab = useLabStore();
  const experiments = useExperimentStore();
  experiments.attach(fake);
  await lab.attach(fake);
  const view = (): LabView => ({
    topology: lab.topology,
    state: (id) => lab.runtime[id]?.state,
    metrics: (id) => lab.metrics[id],
    workloads: experiments.workloads,
    links: experiments.links,
    sentinels: experiments.sentinels,
  });
  let memory: ScenarioMemory = {};
  let done = new Set<string>();
  const step = (which: Scenario) => {
    memory = remember(view(), memory);
    done = progress(which, view(), memory, done);
    return { memory, done, next: currentStep(which, done)?.id };
  };
  return { fake, lab, experiments, step };
}

describe('guided scenarios tick their steps from the lab state', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('has every step worded in both languages', async () => {
    const en = (await import('../i18n/en')).default;
    const zh = (await import('../i18n/zh-CN')).default;
    for (const each of SCENARIOS) {
      for (const messages of [en, zh]) {
        const words = messages.scenarios[each.id];
        expect(words.title).toBeTruthy();
        for (const step of each.steps) {
          const stepWords = (words.steps as Record<string, { title: string; watch: string }>)[step.id];
          expect(stepWords?.title, `${each.id}.${step.id}`).toBeTruthy();
          expect(stepWords?.watch, `${each.id}.${step.id}`).toBeTruthy();
        }
      }
    }
  });

  it('remembers the master and its replicas as they arrive one by one', () => {
    const node = (id: string, port: number) => ({
      id,
      name: id,
      engine: 'builtin' as const,
      host: '127.0.0.1',
      port,
      position: { x: 0, y: 0 },
      settings: {},
    });
    const nodes = [node('m', 6379), node('r1', 6380), node('r2', 6381)];
    const view = (edges: Array<{ replica: string; master: string }>): LabView => ({
      topology: { version: 1, name: 'lab', nodes, edges, sentinels: [] },
      state: () => 'up',
      metrics: () => undefined,
      workloads: {},
      links: {},
      sentinels: {},
    });
    let memory = remember(view([{ replica: 'r1', master: 'm' }]), {});
    expect(memory).toEqual({ master: 'm', replica: 'r1', siblings: [] });
    const both = [
      { replica: 'r1', master: 'm' },
      { replica: 'r2', master: 'm' },
    ];
    memory = remember(view(both), memory);
    expect(memory).toEqual({ master: 'm', replica: 'r1', siblings: ['r2'] });
    expect(remember(view(both), memory)).toBe(memory);
    // After a failover the old master has no replicas: the memory stays as it was.
    expect(remember(view([{ replica: 'm', master: 'r2' }]), memory)).toBe(memory);
  });

  it('redundancy: seeded, written, master killed, data found on the replica', async () => {
    const { fake, lab, step } = await setup();
    const redundancy = scenario('redundancy');
    expect(step(redundancy).next).toBe('seed');
    const { ids } = await lab.request('topology.seed', {});
    const [master, replica] = ids as [string, string, string];
    fake.tick();
    let state = step(redundancy);
    expect(state.memory).toMatchObject({ master, replica });
    expect([...state.done]).toEqual(['seed', 'write']); // the demo master takes writes on its own
    await lab.request('node.kill', { id: master });
    fake.tick();
    state = step(redundancy);
    // The links went down but "seed" stays ticked; the replica still has the keys.
    expect([...state.done]).toEqual(['seed', 'write', 'kill', 'find']);
    expect(state.next).toBeUndefined();
  });

  it('recovery: promote ticks, the sibling follows, writes to the new master', async () => {
    const { fake, lab, step } = await setup();
    const recovery = scenario('recovery');
    const { ids } = await lab.request('topology.seed', {});
    const [master, replica, sibling] = ids as [string, string, string];
    fake.tick();
    expect(step(recovery).next).toBe('kill');
    await lab.request('node.kill', { id: master });
    fake.tick();
    expect(step(recovery).next).toBe('promote');
    await lab.request('node.promote', { id: replica, moveSiblings: true });
    fake.tick();
    const state = step(recovery);
    expect(lab.masterOf.get(sibling)).toBe(replica);
    expect([...state.done]).toEqual(['seed', 'kill', 'promote', 'siblings']);
    await lab.request('workload.start', { masterId: replica });
    expect(step(recovery).next).toBeUndefined();
  });

  it('load balancing: a healed link ticks only after it was slowed, stale reads after the workload', async () => {
    const { fake, lab, step } = await setup();
    const balancing = scenario('load-balancing');
    const { ids } = await lab.request('topology.seed', {});
    const [master, replica] = ids as [string, string, string];
    fake.tick();
    expect(step(balancing).next).toBe('split');
    await lab.request('workload.start', { masterId: master, readFrom: 'replicas', readShare: 0.8, ratePerSec: 5000 });
    fake.tick();
    expect(step(balancing).next).toBe('slow');
    await lab.request('edge.fault', { replica, fault: { latencyMs: 300, jitterMs: 100 } });
    fake.tick();
    fake.tick();
    const state = step(balancing);
    expect(state.done.has('slow')).toBe(true);
    expect(state.done.has('stale')).toBe(true);
    expect(state.next).toBe('heal');
    await lab.request('edge.heal', { replica });
    expect(step(balancing).next).toBeUndefined();
  });

  it('high availability: Sentinels switch the master after down-after, the old master rejoins', async () => {
    const { fake, lab, experiments, step } = await setup();
    const ha = scenario('high-availability');
    const { ids } = await lab.request('topology.seed', {});
    const [master] = ids as [string, string, string];
    fake.tick();
    expect(step(ha).next).toBe('sentinels');
    await lab.request('sentinel.create', { masterId: master, downAfterMs: 100, quorum: 2 });
    expect(experiments.topologySentinels).toHaveLength(3);
    expect(step(ha).next).toBe('kill');
    await lab.request('node.kill', { id: master });
    fake.tick();
    expect(step(ha).next).toBe('switch');
    await new Promise((resolve) => setTimeout(resolve, 120));
    fake.tick();
    let state = step(ha);
    expect(state.next).toBe('rejoin');
    const promoted = experiments.watchedMaster(experiments.topologySentinels[0]!.id);
    expect(promoted).not.toBe(master);
    await lab.request('node.start', { id: master });
    fake.tick();
    state = step(ha);
    expect(lab.masterOf.get(master)).toBe(promoted);
    expect(state.next).toBeUndefined();
  });
});
