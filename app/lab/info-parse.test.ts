import { describe, expect, it } from 'vitest';
import { computeLag, infoSection, metricsFromInfo, parseReplicaLine } from './info-parse.js';

/** The seed's replica (Redis 6.0 fields, as the seed printed them), plus the other sections the poller asks for. */
const SEED_REPLICA = [
  '# Clients',
  'connected_clients:2',
  '',
  '# Memory',
  'used_memory:915544',
  '',
  '# Stats',
  'instantaneous_ops_per_sec:7',
  '',
  '# Replication',
  'role:slave',
  'master_host:127.0.0.1',
  'master_port:6379',
  'master_link_status:up',
  'master_last_io_seconds_ago:1',
  'master_sync_in_progress:0',
  'slave_repl_offset:238',
  'slave_priority:100',
  'slave_read_only:1',
  'connected_slaves:0',
  'master_replid:4b231b908e76e9e35ad128ee35aca057c4504175',
  'master_replid2:0000000000000000000000000000000000000000',
  'master_repl_offset:238',
  'second_repl_offset:-1',
  '',
  '# Keyspace',
  'db0:keys=2,expires=0,avg_ttl=0',
  'db3:keys=5,expires=1,avg_ttl=10',
  '',
].join('\r\n');

const MASTER = [
  '# Replication',
  'role:master',
  'connected_slaves:2',
  'slave0:ip=127.0.0.1,port=6380,state=online,offset=238,lag=0',
  'slave1:ip=127.0.0.1,port=6381,state=wait_bgsave,offset=0,lag=3',
  'master_repl_offset:300',
  '',
].join('\r\n');

describe('INFO parsing', () => {
  it("reads a replica's fields", () => {
    const m = metricsFromInfo('r', SEED_REPLICA);
    expect(m).toMatchObject({
      id: 'r',
      reachable: true,
      role: 'replica',
      masterHost: '127.0.0.1',
      masterPort: 6379,
      linkStatus: 'up',
      masterLastIoSecondsAgo: 1,
      syncInProgress: false,
      keys: 7,
      opsPerSec: 7,
      usedMemory: 915544,
      connectedClients: 2,
      masterReplOffset: 238,
      replicaOffset: 238,
      replicas: [],
    });
    expect(m.replicationInfo.split('\n')).toEqual(SEED_REPLICA.split('\r\n').slice(9, 24));
  });

  it("reads a master's replica lines", () => {
    expect(metricsFromInfo('m', MASTER).replicas).toEqual([
      { ip: '127.0.0.1', port: 6380, state: 'online', offset: 238, lag: 0 },
      { ip: '127.0.0.1', port: 6381, state: 'wait_bgsave', offset: 0, lag: 3 },
    ]);
    expect(parseReplicaLine('garbage')).toBeUndefined();
    expect(infoSection(MASTER, 'keyspace')).toBe('');
  });

  it('computes lag from the master offset and the replica offset, seconds from the master', () => {
    const master = { metrics: metricsFromInfo('m', MASTER), host: '127.0.0.1', port: 6379 };
    const replica = { metrics: metricsFromInfo('r', SEED_REPLICA), host: 'localhost', port: 6380 };
    computeLag([master, replica]);
    expect(replica.metrics.lagBytes).toBe(62);
    expect(replica.metrics.lagSeconds).toBe(0);
    expect(master.metrics.lagBytes).toBeUndefined();
  });

  it('without its master polled, a replica has seconds (last I/O) but no byte lag', () => {
    const replica = { metrics: metricsFromInfo('r', SEED_REPLICA), host: '127.0.0.1', port: 6380 };
    computeLag([replica]);
    expect(replica.metrics.lagBytes).toBeUndefined();
    expect(replica.metrics.lagSeconds).toBe(1);
  });
});
