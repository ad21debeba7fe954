import { describe, expect, it } from 'vitest';
import { emptyTopology, type Topology, type TopologyNode } from '../api/topology';
import {
  addNode,
  autoLayout,
  checkNewEdge,
  checkTopology,
  connect,
  disconnect,
  removeNode,
  TopologyRuleError,
  upstreamOf,
} from './topology';

function node(port: number): TopologyNode {
  return {
    id: `node-${port}`,
    name: `redis_${port}`,
    engine: 'builtin',
    host: '127.0.0.1',
    port,
    position: { x: 0, y: 0 },
    settings: {},
  };
}

/** The seed: 6379 master, 6380 and 6381 its replicas. */
function seed(): Topology {
  let topology = emptyTopology('seed');
  for (const port of [6379, 6380, 6381]) topology = addNode(topology, node(port));
  topology = connect(topology, { replica: 'node-6380', master: 'node-6379' });
  return connect(topology, { replica: 'node-6381', master: 'node-6379' });
}

describe('topology rules', () => {
  it('accepts the seed topology and chains', () => {
    const chained = connect(seed(), { replica: 'node-6381', master: 'node-6380' });
    expect(checkTopology(chained)).toEqual([]);
    expect(upstreamOf(chained, 'node-6381')).toEqual(['node-6380', 'node-6379']);
  });

  it('re-points a replica instead of giving it two masters', () => {
    const repointed = connect(seed(), { replica: 'node-6381', master: 'node-6380' });
    expect(repointed.edges.filter((edge) => edge.replica === 'node-6381')).toEqual([
      { replica: 'node-6381', master: 'node-6380' },
    ]);
  });

  it('refuses a node replicating from itself, with the rule in a sentence', () => {
    const problem = checkNewEdge(seed(), { replica: 'node-6379', master: 'node-6379' });
    expect(problem?.rule).toBe('self');
    expect(problem?.message).toBe(
      'redis_6379 (127.0.0.1:6379) cannot replicate from itself: a replica copies another server.',
    );
  });

  it('refuses a cycle and names the path it would close', () => {
    const chained = connect(seed(), { replica: 'node-6381', master: 'node-6380' });
    const problem = checkNewEdge(chained, { replica: 'node-6379', master: 'node-6381' });
    expect(problem?.rule).toBe('cycle');
    expect(problem?.message).toBe(
      'redis_6379 (127.0.0.1:6379) cannot replicate from redis_6381 (127.0.0.1:6381): redis_6381 (127.0.0.1:6381) ' +
        'already replicates (through redis_6380 (127.0.0.1:6380)) from redis_6379 (127.0.0.1:6379), ' +
        'and replication cannot go round in a circle.',
    );
    expect(() => connect(chained, { replica: 'node-6379', master: 'node-6381' })).toThrow(TopologyRuleError);
  });

  it('finds every broken rule in a whole topology (what a file is checked against)', () => {
    const broken: Topology = {
      ...seed(),
      nodes: [...seed().nodes, { ...node(6380), id: 'other' }],
      edges: [
        { replica: 'node-6380', master: 'node-6379' },
        { replica: 'node-6380', master: 'node-6381' },
        { replica: 'node-6379', master: 'node-6380' },
        { replica: 'ghost', master: 'node-6379' },
      ],
    };
    expect(
      checkTopology(broken)
        .map((v) => v.rule)
        .sort(),
    ).toEqual(['cycle', 'duplicate-address', 'one-master', 'unknown-node']);
  });

  it('refuses a second node on the same address', () => {
    expect(() => addNode(seed(), { ...node(6379), id: 'again' })).toThrow(/both use 127.0.0.1:6379/);
  });

  it('removing a master leaves its replicas as masters', () => {
    const topology = removeNode(seed(), 'node-6379');
    expect(topology.edges).toEqual([]);
    expect(disconnect(seed(), 'node-6380').edges).toEqual([{ replica: 'node-6381', master: 'node-6379' }]);
  });

  it('lays masters out above their replicas, a parent centred over its children', () => {
    const laid = autoLayout(seed());
    const at = (id: string) => laid.nodes.find((n) => n.id === id)!.position;
    expect(at('node-6379').y).toBeLessThan(at('node-6380').y);
    expect(at('node-6380').y).toBe(at('node-6381').y);
    expect(at('node-6379').x).toBe((at('node-6380').x + at('node-6381').x) / 2);
  });
});
