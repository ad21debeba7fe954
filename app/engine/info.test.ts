import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHuman, genInfoString } from './info.js';
import { startTestServer, type TestServer } from './testing.js';

let current: TestServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

function sectionTitles(info: string): string[] {
  return info
    .split('\r\n')
    .filter((l) => l.startsWith('# '))
    .map((l) => l.slice(2));
}

function field(info: string, name: string): string | undefined {
  const line = info.split('\r\n').find((l) => l.startsWith(name + ':'));
  return line?.slice(name.length + 1);
}

describe('INFO', () => {
  it('formats sizes as bytesToHuman', () => {
    expect(bytesToHuman(0)).toBe('0B');
    expect(bytesToHuman(1023)).toBe('1023B');
    expect(bytesToHuman(916440)).toBe('894.96K');
    expect(bytesToHuman(6750208)).toBe('6.44M');
    expect(bytesToHuman(25276510208)).toBe('23.54G');
  });

  it('selects sections as Redis 7.0 does', async () => {
    current = await startTestServer();
    const server = current.server;
    const defaults = [
      'Server',
      'Clients',
      'Memory',
      'Persistence',
      'Stats',
      'Replication',
      'CPU',
      'Modules',
      'Errorstats',
      'Cluster',
      'Keyspace',
    ];
    expect(sectionTitles(genInfoString(server, []))).toEqual(defaults);
    expect(sectionTitles(genInfoString(server, ['default']))).toEqual(defaults);
    const everything = [...defaults];
    everything.splice(8, 0, 'Commandstats');
    everything.splice(10, 0, 'Latencystats');
    expect(sectionTitles(genInfoString(server, ['everything']))).toEqual(everything);
    expect(sectionTitles(genInfoString(server, ['all']))).toEqual(everything);
    expect(sectionTitles(genInfoString(server, ['CPU', 'commandSTATS', 'cpu', 'nosuch']))).toEqual([
      'CPU',
      'Commandstats',
    ]);
    expect(genInfoString(server, ['nosuch'])).toBe('');
    // Sections are separated by one blank line; every line ends with CRLF.
    expect(genInfoString(server, ['cpu', 'cluster'])).toMatch(
      /^# CPU\r\n(\w+:[\d.]+\r\n){6}\r\n# Cluster\r\ncluster_enabled:0\r\n$/,
    );
  });

  it('reports the engine state', async () => {
    current = await startTestServer();
    const client = await current.connect();
    await client.call('SET', 'a', '1');
    await client.call('SET', 'b', '2', 'EX', '100');
    await client.send('NOSUCH');
    await client.send('SET', 'x');
    const info = (await client.call('INFO', 'everything')) as string;
    expect(field(info, 'redis_version')).toBe('7.0.15');
    expect(field(info, 'redis_mode')).toBe('standalone');
    expect(field(info, 'run_id')).toBe(current.server.runId);
    expect(field(info, 'tcp_port')).toBe(String(current.port));
    expect(field(info, 'connected_clients')).toBe('1');
    expect(field(info, 'used_memory_human')).toMatch(/^\d+\.\d\d[KMG]$/);
    expect(field(info, 'rdb_changes_since_last_save')).toBe('2');
    expect(field(info, 'role')).toBe('master');
    expect(field(info, 'master_replid')).toMatch(/^[0-9a-f]{40}$/);
    expect(field(info, 'master_replid2')).toBe('0'.repeat(40));
    expect(field(info, 'used_cpu_user')).toMatch(/^\d+\.\d{6}$/);
    expect(field(info, 'cmdstat_set')).toMatch(
      /^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$/,
    );
    expect(field(info, 'errorstat_ERR')).toBe('count=2');
    expect(field(info, 'total_error_replies')).toBe('2');
    expect(field(info, 'latency_percentiles_usec_set')).toMatch(/^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    expect(field(info, 'db0')).toMatch(/^keys=2,expires=1,avg_ttl=\d+$/);
    const keys = info.split('\r\n').map((l) => l.split(':')[0]);
    expect(keys.indexOf('used_memory')).toBeLessThan(keys.indexOf('maxmemory_policy'));
  });

  it('is a verbatim string in RESP3', async () => {
    current = await startTestServer();
    const client = await current.connect();
    await client.send('HELLO', '3');
    const reply = await client.send('INFO', 'cluster');
    expect(reply).toMatchObject({ type: 'verbatim' });
  });
});
