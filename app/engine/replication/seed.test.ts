/**
 * The seed walkthrough (/work/shared/seed-replication.md) as a test: three engines,
 * each started from its own redis.conf as `replica-lab-server ./config/redis_P.conf`
 * (the seed's port, pidfile, logfile and dbfilename lines; the two replicas with
 * `replicaof 127.0.0.1 <master port>`), INFO replication on each, SET on the master
 * read on both replicas, and SET on a replica refused with the seed's exact error.
 * Free ports stand in for the seed's 6379/6380/6381.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RespConnection } from '../../resp/connection.js';
import { freePort, startEngineProcess, type EngineProcess } from '../test-support/engine-process.js';

const processes: EngineProcess[] = [];
const connections: RespConnection[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.destroy();
  await Promise.all(processes.splice(0).map((p) => p.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** `INFO replication` as redis-cli prints it, as ordered field/value pairs. */
async function replicationInfo(conn: RespConnection): Promise<[string, string][]> {
  const text = String(await conn.call('INFO', 'replication'));
  expect(text.startsWith('# Replication\r\n')).toBe(true);
  return text
    .split('\r\n')
    .filter((line) => line.includes(':'))
    .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]);
}

/** The seed's step 2: a copy of redis.conf per node with these lines changed. */
function writeSeedConfig(configDir: string, port: number, masterPort?: number): string {
  const path = join(configDir, `redis_${port}.conf`);
  const lines = [
    `port ${port}`,
    'bind 127.0.0.1',
    `pidfile ${join(configDir, `redis_${port}.pid`)}`,
    `logfile "logfile-${port}"    #日志文件名`,
    `dbfilename dump-${port}.rdb  #持久化文件名`,
  ];
  if (masterPort !== undefined) lines.push(`replicaof 127.0.0.1 ${masterPort}`);
  // Inline comments as in the seed are not redis.conf syntax: keep the real directives only.
  writeFileSync(path, lines.map((l) => l.replace(/\s+#.*$/, '')).join('\n') + '\n');
  return path;
}

const HEX40 = /^[0-9a-f]{40}$/;
const ZERO_ID = '0'.repeat(40);

describe('the seed walkthrough', () => {
  it('one master and two replicas from three redis.conf files, as seed-replication.md does', async () => {
    const base = mkdtempSync(join(tmpdir(), 'replica-seed-'));
    dirs.push(base);
    const configDir = join(base, 'config');
    mkdirSync(configDir);
    const [masterPort, port1, port2] = [await freePort(), await freePort(), await freePort()];

    // Step 1: the master alone reports role:master with no replicas and no backlog yet.
    const masterConfig = writeSeedConfig(configDir, masterPort);
    processes.push(await startEngineProcess([masterConfig], { cwd: base, configPort: masterPort }));
    const master = await RespConnection.connect(masterPort);
    connections.push(master);
    const alone = new Map(await replicationInfo(master));
    expect([...alone.keys()]).toEqual([
      'role',
      'connected_slaves',
      'master_failover_state',
      'master_replid',
      'master_replid2',
      'master_repl_offset',
      'second_repl_offset',
      'repl_backlog_active',
      'repl_backlog_size',
      'repl_backlog_first_byte_offset',
      'repl_backlog_histlen',
    ]);
    // The seed's 6.0 output also has master_repl_meaningful_offset, which Redis 7.0 removed.
    expect(alone.get('role')).toBe('master');
    expect(alone.get('connected_slaves')).toBe('0');
    expect(alone.get('master_replid')).toMatch(HEX40);
    expect(alone.get('master_replid2')).toBe(ZERO_ID);
    expect(alone.get('master_repl_offset')).toBe('0');
    expect(alone.get('second_repl_offset')).toBe('-1');
    expect(alone.get('repl_backlog_active')).toBe('0');
    expect(alone.get('repl_backlog_size')).toBe('1048576');
    expect(alone.get('repl_backlog_first_byte_offset')).toBe('0');
    expect(alone.get('repl_backlog_histlen')).toBe('0');

    // Steps 2 and 3: the replicas, started from their own files.
    const replicaPorts = [port1, port2];
    for (const port of replicaPorts) {
      processes.push(
        await startEngineProcess([writeSeedConfig(configDir, port, masterPort)], { cwd: base, configPort: port }),
      );
    }
    const replicas = await Promise.all(replicaPorts.map((port) => RespConnection.connect(port)));
    connections.push(...replicas);
    for (const replica of replicas) {
      await until('master_link_status:up', async () =>
        (await replicationInfo(replica)).some(([k, v]) => k === 'master_link_status' && v === 'up'),
      );
    }

    // SET on the master, GET on both replicas.
    expect(await master.call('SET', 'name', 'master')).toBe('OK');
    for (const replica of replicas) {
      await until('the key on the replica', async () => (await replica.call('GET', 'name')) === 'master');
    }

    // INFO replication on each, with the seed's fields.
    const masterInfo = new Map(await replicationInfo(master));
    expect(masterInfo.get('role')).toBe('master');
    expect(masterInfo.get('connected_slaves')).toBe('2');
    expect(masterInfo.get('repl_backlog_active')).toBe('1');
    expect(masterInfo.get('slave0')).toMatch(/^ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+$/);
    const ports = [masterInfo.get('slave0'), masterInfo.get('slave1')].map((s) => Number(/port=(\d+)/.exec(s!)![1]));
    expect(ports.sort()).toEqual([...replicaPorts].sort());
    for (const replica of replicas) {
      await until('replica caught up', async () => {
        const info = new Map(await replicationInfo(replica));
        return (
          info.get('slave_repl_offset') ===
          (await replicationInfo(master)).find(([k]) => k === 'master_repl_offset')![1]
        );
      });
      const pairs = await replicationInfo(replica);
      const info = new Map(pairs);
      // The seed's fields, in the seed's order (7.0 adds a few between them).
      const seedFields = [
        'role',
        'master_host',
        'master_port',
        'master_link_status',
        'master_last_io_seconds_ago',
        'master_sync_in_progress',
        'slave_repl_offset',
        'slave_priority',
        'slave_read_only',
        'connected_slaves',
        'master_replid',
        'master_replid2',
        'master_repl_offset',
        'second_repl_offset',
        'repl_backlog_active',
        'repl_backlog_size',
        'repl_backlog_first_byte_offset',
        'repl_backlog_histlen',
      ];
      expect(pairs.map(([k]) => k).filter((k) => seedFields.includes(k))).toEqual(seedFields);
      expect(info.get('role')).toBe('slave');
      expect(info.get('master_host')).toBe('127.0.0.1');
      expect(info.get('master_port')).toBe(String(masterPort));
      expect(info.get('master_link_status')).toBe('up');
      expect(Number(info.get('master_last_io_seconds_ago'))).toBeLessThanOrEqual(1);
      expect(info.get('master_sync_in_progress')).toBe('0');
      expect(info.get('slave_priority')).toBe('100');
      expect(info.get('slave_read_only')).toBe('1');
      expect(info.get('connected_slaves')).toBe('0');
      expect(info.get('master_replid')).toBe(masterInfo.get('master_replid'));
      expect(info.get('master_replid2')).toBe(ZERO_ID);
      expect(info.get('master_repl_offset')).toBe(info.get('slave_repl_offset'));
      expect(info.get('second_repl_offset')).toBe('-1');
      expect(info.get('repl_backlog_active')).toBe('1');
      expect(info.get('repl_backlog_size')).toBe('1048576');
      expect(Number(info.get('repl_backlog_first_byte_offset'))).toBeGreaterThan(0);
      expect(Number(info.get('repl_backlog_first_byte_offset')) + Number(info.get('repl_backlog_histlen')) - 1).toBe(
        Number(info.get('master_repl_offset')),
      );
    }

    // SET on a replica: the seed's exact error, also as redis-cli prints it.
    for (const replica of replicas) {
      expect(await replica.send('SET', 'name', '6381')).toEqual({
        type: 'error',
        value: "READONLY You can't write against a read only replica.",
      });
    }
    const cli = execFileSync('redis-cli', ['-p', String(port2), 'set', 'name', '6381'], { encoding: 'utf8' });
    expect(cli.trim()).toBe("READONLY You can't write against a read only replica.");

    // The seed's files: pidfiles with the processes' pids, logs and (disk-loaded) dump files in the cwd.
    for (const [i, port] of [masterPort, ...replicaPorts].entries()) {
      expect(readFileSync(join(configDir, `redis_${port}.pid`), 'utf8').trim()).toBe(String(processes[i]!.child.pid));
      expect(existsSync(join(base, `logfile-${port}`))).toBe(true);
    }
    for (const port of replicaPorts) {
      expect(existsSync(join(base, `dump-${port}.rdb`))).toBe(true);
      const log = readFileSync(join(base, `logfile-${port}`), 'latin1');
      // The master streams diskless (7.0's default); the replica loads from disk (repl-diskless-load disabled).
      expect(log).toContain('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
      expect(log).toContain('MASTER <-> REPLICA sync: Finished with success');
    }
  }, 60_000);
});
