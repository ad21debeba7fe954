import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { FakeLab } from '../api/fake-lab';
import { useLabStore } from './lab';

describe('the lab store follows the lab', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('loads the snapshot, then keeps up with topology, process and metrics events', async () => {
    const fake = new FakeLab({ tickMs: 0 });
    const lab = useLabStore();
    await lab.attach(fake);
    expect(lab.loaded).toBe(true);
    expect(lab.topology.nodes).toEqual([]);

    const { ids } = await lab.request('topology.seed', {});
    expect(lab.topology.nodes.map((node) => node.port)).toEqual([6379, 6380, 6381]);
    const [master, replica] = ids as [string, string, string];
    expect(lab.masterOf.get(replica)).toBe(master);
    expect(lab.runtime[replica]?.state).toBe('up');

    fake.tick();
    expect(lab.metrics[replica]?.linkStatus).toBe('up');
    expect(lab.linkState(replica)).toBe('up');
    expect(lab.metrics[master]?.replicationInfo).toContain('connected_slaves:2');

    await lab.request('node.kill', { id: master });
    expect(lab.runtime[master]?.state).toBe('crashed');
    expect(lab.metrics[master]).toBeUndefined();
    fake.tick();
    expect(lab.linkState(replica)).toBe('down');

    await lab.request('edge.disconnect', { replica });
    expect(lab.masterOf.has(replica)).toBe(false);
    expect(lab.log.map((entry) => entry.command)).toContain('redis-cli -p 6380 REPLICAOF NO ONE');
    fake.close();
  });

  it('marks a replica as flowing while its offset moves', async () => {
    const fake = new FakeLab({ tickMs: 0 });
    const lab = useLabStore();
    await lab.attach(fake);
    const { ids } = await lab.request('topology.seed', {});
    const replica = ids[1]!;
    let moved = false;
    for (let i = 0; i < 20 && !moved; i++) {
      fake.tick();
      moved = !!lab.flowing[replica];
    }
    expect(moved).toBe(true);
    fake.close();
  });

  it('refuses a cycle with the rule sentence', async () => {
    const fake = new FakeLab({ tickMs: 0 });
    const lab = useLabStore();
    await lab.attach(fake);
    const [master, replica] = (await lab.request('topology.seed', {})).ids as [string, string];
    const error = await lab.request('edge.connect', { replica: master, master: replica }).catch((e: unknown) => e);
    expect(error).toMatchObject({ error: { code: 'rule' } });
    expect((error as Error).message).toContain('circle');
    fake.close();
  });
});
