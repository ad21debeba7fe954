import { describe, expect, it } from 'vitest';
import { emptyTopology, type Topology, type TopologyNode } from '../../api/topology';
import { descendantsOf, nextWriter, readTargets, topMasterOf } from './targets';
import { KeyVersions } from './versions';

describe('KeyVersions (the stale-read meter)', () => {
  it('counts a read stale only when it returns less than what was acknowledged when it was sent', () => {
    const versions = new KeyVersions(10, 32, 'run1');
    const first = versions.issue();
    const value = versions.value(first);
    expect(value).toHaveLength(32);
    expect(value.startsWith(`run1:${first}:`)).toBe(true);
    expect(versions.isStale(undefined, versions.acknowledged(3))).toBe(false); // nothing acknowledged yet
    versions.acknowledge(3, first);
    expect(versions.isStale(undefined, versions.acknowledged(3))).toBe(true);
    expect(versions.isStale(value, versions.acknowledged(3))).toBe(false);
    const second = versions.issue();
    versions.acknowledge(3, second);
    expect(versions.isStale(value, versions.acknowledged(3))).toBe(true);
    expect(versions.isStale(versions.value(second), versions.acknowledged(3))).toBe(false);
    versions.acknowledge(3, first); // a late acknowledgement never lowers the bar
    expect(versions.acknowledged(3)).toBe(second);
  });

  it('treats a value an earlier run left as older, and never writes a value shorter than its header', () => {
    const previous = new KeyVersions(1, 1, 'old');
    const current = new KeyVersions(1, 1, 'new');
    current.acknowledge(0, current.issue());
    expect(current.isStale(previous.value(99), current.acknowledged(0))).toBe(true);
    expect(current.value(1)).toBe('new:1:');
  });
});

function node(id: string): TopologyNode {
  return { id, name: id, engine: 'builtin', host: '127.0.0.1', port: 1, position: { x: 0, y: 0 }, settings: {} };
}

function topology(edges: [replica: string, master: string][], ids = ['m', 'r1', 'r2', 'r3']): Topology {
  return { ...emptyTopology(), nodes: ids.map(node), edges: edges.map(([replica, master]) => ({ replica, master })) };
}

describe('workload targets', () => {
  it('reads from every node below the writer, or the master, or both', () => {
    const t = topology([
      ['r1', 'm'],
      ['r2', 'm'],
      ['r3', 'r1'],
    ]);
    expect(descendantsOf(t, 'm')).toEqual(['r1', 'r2', 'r3']);
    expect(readTargets(t, 'm', 'replicas')).toEqual(['r1', 'r2', 'r3']);
    expect(readTargets(t, 'm', 'master')).toEqual(['m']);
    expect(readTargets(t, 'm', 'all')).toEqual(['m', 'r1', 'r2', 'r3']);
    expect(topMasterOf(t, 'r3')).toBe('m');
  });

  it('follows a failover: to the new top when the writer became a replica, to a promoted node when it is down', () => {
    const group = new Set(['m', 'r1', 'r2']);
    const up = (down: string[]) => (id: string) => !down.includes(id);
    // FAILOVER: m replicates from r1 now.
    const swapped = topology([
      ['m', 'r1'],
      ['r2', 'r1'],
    ]);
    expect(nextWriter(swapped, 'm', group, up([]))).toBe('r1');
    // m killed, r1 promoted with r2 moved under it.
    const promoted = topology([['r2', 'r1']]);
    expect(nextWriter(promoted, 'm', group, up(['m']))).toBe('r1');
    // m up and a master: a promotion elsewhere does not move the writes (the client still talks to m).
    expect(nextWriter(promoted, 'm', group, up([]))).toBe('m');
    // m killed, nobody promoted yet: stay.
    const waiting = topology([
      ['r1', 'm'],
      ['r2', 'm'],
    ]);
    expect(nextWriter(waiting, 'm', group, up(['m']))).toBe('m');
  });
});
