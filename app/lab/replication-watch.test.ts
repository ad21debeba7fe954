import { describe, expect, it } from 'vitest';
import { emptyTopology, type Topology } from '../api/topology';
import { ReplicationWatch } from './replication-watch';
import type { NodeMetrics } from './types';

const ports: Record<string, number> = { m: 6379, r1: 6380, r2: 6381 };

function topology(edges: Array<[string, string]>): Topology {
  return {
    ...emptyTopology(),
    nodes: Object.entries(ports).map(([id, port]) => ({
      id,
      name: `redis_${port}`,
      engine: 'builtin' as const,
      host: '127.0.0.1',
      port,
      position: { x: 0, y: 0 },
      settings: {},
    })),
    edges: edges.map(([replica, master]) => ({ replica, master })),
  };
}

function metrics(id: string, role: 'master' | 'replica', master?: string, link: 'up' | 'down' = 'up'): NodeMetrics {
  return {
    id,
    reachable: true,
    role,
    syncInProgress: false,
    keys: 0,
    opsPerSec: 0,
    usedMemory: 0,
    connectedClients: 0,
    masterReplOffset: 0,
    replicas: [],
    replicationInfo: '',
    ...(role === 'replica' ? { masterHost: '127.0.0.1', masterPort: ports[master!], linkStatus: link } : {}),
  };
}

function tick(...all: NodeMetrics[]): Map<string, NodeMetrics> {
  return new Map(all.map((m) => [m.id, m]));
}

function watch(): ReplicationWatch {
  return new ReplicationWatch(
    (_host, port) => Object.keys(ports).find((id) => ports[id] === port),
    (id) => `redis_${ports[id]}`,
  );
}

describe('ReplicationWatch', () => {
  it('says when a replica becomes a master, and re-wires the canvas on the second tick only', () => {
    const w = watch();
    const drawn = topology([
      ['r1', 'm'],
      ['r2', 'm'],
    ]);
    expect(w.observe(tick(metrics('m', 'master'), metrics('r1', 'replica', 'm')), drawn)).toEqual({
      events: [],
      rewires: [],
    });
    const first = w.observe(tick(metrics('m', 'master'), metrics('r1', 'master')), drawn);
    expect(first.events.map((e) => e.title)).toEqual(['redis_6380 is now a master']);
    expect(first.rewires).toEqual([]);
    const second = w.observe(tick(metrics('m', 'master'), metrics('r1', 'master')), drawn);
    expect(second.rewires).toEqual([{ node: 'r1', master: undefined }]);
  });

  it('follows a replica re-pointed to another master and reports its link going down and up', () => {
    const w = watch();
    const drawn = topology([
      ['r1', 'm'],
      ['r2', 'm'],
    ]);
    w.observe(tick(metrics('r2', 'replica', 'm')), drawn);
    const down = w.observe(tick(metrics('r2', 'replica', 'm', 'down')), drawn);
    expect(down.events).toMatchObject([
      { kind: 'link', level: 'warning', title: 'Link redis_6379 → redis_6381 is down' },
    ]);
    const moved = w.observe(tick(metrics('r2', 'replica', 'r1', 'down')), drawn);
    expect(moved.events.map((e) => e.title)).toEqual(['redis_6381 now replicates from redis_6380 (was redis_6379)']);
    const up = w.observe(tick(metrics('r2', 'replica', 'r1', 'up')), drawn);
    expect(up.events.map((e) => e.title)).toEqual(['Link redis_6380 → redis_6381 is up']);
    expect(up.rewires).toEqual([{ node: 'r2', master: 'r1' }]);
  });

  it('does not re-wire toward a master outside the lab, nor for a node that stopped answering', () => {
    const w = watch();
    const drawn = topology([['r1', 'm']]);
    const elsewhere = { ...metrics('r1', 'replica', 'm'), masterPort: 7000 };
    w.observe(tick(elsewhere), drawn);
    expect(w.observe(tick(elsewhere), drawn).rewires).toEqual([]);
    const silent = { ...metrics('m', 'master'), reachable: false };
    w.observe(tick(metrics('m', 'master')), drawn);
    expect(w.observe(tick(silent), drawn).events.map((e) => e.title)).toEqual(['redis_6379 stopped answering INFO']);
  });
});
