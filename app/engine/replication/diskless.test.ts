import { afterEach, describe, expect, it } from 'vitest';
import { TestNodes, info, linkUp, until, writeEveryType, type Node } from './test-nodes.js';

const nodes = new TestNodes();
afterEach(() => nodes.stopAll());

async function digest(node: Node): Promise<string> {
  return String(await node.conn.call('DEBUG', 'DIGEST'));
}

function count(text: string, line: string): number {
  return text.split(line).length - 1;
}

function replicaStates(fields: Map<string, string>): string[] {
  const states: string[] = [];
  for (const [name, value] of fields) if (/^slave\d+$/.test(name)) states.push(/state=([a-z_]+)/.exec(value)![1]!);
  return states;
}

describe('full sync on the master', () => {
  it('shares one diskless snapshot between the replicas arriving within repl-diskless-sync-delay', async () => {
    const master = await nodes.engine({ 'repl-diskless-sync-delay': '2' });
    await writeEveryType(master.conn, 'k');
    const r1 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('r1 waits', async () => replicaStates(await info(master.conn)).length === 1);
    const r2 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('r2 waits', async () => replicaStates(await info(master.conn)).length === 2);
    expect(replicaStates(await info(master.conn))).toEqual(['wait_bgsave', 'wait_bgsave']);
    // Written while they wait: it reaches them through the stream after the snapshot.
    await master.conn.call('SET', 'during', 'delay');
    await until('both up', async () => (await linkUp(r1.conn)) && (await linkUp(r2.conn)));
    expect(replicaStates(await info(master.conn))).toEqual(['online', 'online']);
    const log = master.log();
    expect(count(log, 'Delay next BGSAVE for diskless SYNC')).toBe(2);
    expect(count(log, 'Starting BGSAVE for SYNC with target: replicas sockets')).toBe(1);
    expect(log).toContain('Diskless rdb transfer, done reading from pipe, 2 replicas still up.');
    expect(log).toContain('Background RDB transfer terminated with success');
    for (const r of [r1, r2]) {
      expect(log).toContain(
        `Streamed RDB transfer with replica 127.0.0.1:${r.port} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`,
      );
      expect(log).toContain(`Synchronization with replica 127.0.0.1:${r.port} succeeded`);
      await until('stream applied', async () => (await r.conn.call('GET', 'during')) === 'delay');
      expect(await digest(r)).toBe(await digest(master));
    }
    expect(String(await master.conn.call('INFO', 'stats'))).toMatch(/sync_full:2\r\n/);
  });

  it('starts at once when repl-diskless-sync-max-replicas are waiting', async () => {
    const master = await nodes.engine({ 'repl-diskless-sync-delay': '60', 'repl-diskless-sync-max-replicas': '2' });
    await writeEveryType(master.conn, 'k');
    const r1 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    const r2 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    const started = Date.now();
    await until('both up', async () => (await linkUp(r1.conn)) && (await linkUp(r2.conn)), 10_000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(count(master.log(), 'Starting BGSAVE for SYNC with target: replicas sockets')).toBe(1);
    expect(await digest(r1)).toBe(await digest(master));
  });

  it('keeps serving clients while the snapshot streams, and sends the writes made meanwhile', async () => {
    // 100 microseconds per key: the transfer of 3000 keys takes a while.
    const master = await nodes.engine({ 'rdb-key-save-delay': '100' });
    await master.conn.call('DEBUG', 'POPULATE', '3000', 'key', '50');
    const replica = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until(
      'transfer running',
      async () => (await info(master.conn, 'persistence')).get('rdb_bgsave_in_progress') === '1',
    );
    expect(replicaStates(await info(master.conn))).toEqual(['wait_bgsave']);
    await expect(master.conn.call('BGSAVE')).rejects.toThrow('ERR Background save already in progress');
    // Changes after the snapshot's offset: in place (the snapshot keeps the old value), new, deleted.
    const t0 = Date.now();
    await master.conn.call('SET', 'key:1', 'changed');
    await master.conn.call('RPUSH', 'list', 'x');
    await master.conn.call('DEL', 'key:2');
    expect(Date.now() - t0).toBeLessThan(200);
    await until('up', () => linkUp(replica.conn), 20_000);
    // The stream held back during the transfer follows the replica's first ACK.
    await until('caught up', async () => (await replica.conn.call('LLEN', 'list')) === 1);
    expect(await replica.conn.call('GET', 'key:1')).toBe('changed');
    expect(await replica.conn.call('EXISTS', 'key:2')).toBe(0);
    expect(await digest(replica)).toBe(await digest(master));
    const masterStats = await info(master.conn, 'stats');
    const replicaStats = await info(replica.conn, 'stats');
    expect(Number(masterStats.get('total_net_repl_output_bytes'))).toBeGreaterThan(3000 * 20);
    expect(Number(replicaStats.get('total_net_repl_input_bytes'))).toBeGreaterThan(3000 * 20);
    expect(Number(masterStats.get('total_net_output_bytes'))).toBeGreaterThanOrEqual(
      Number(masterStats.get('total_net_repl_output_bytes')),
    );
  });

  it('drops a syncing replica whose held-back stream exceeds client-output-buffer-limit replica', async () => {
    const master = await nodes.engine({
      'rdb-key-save-delay': '1000',
      'repl-backlog-size': '16384',
      'client-output-buffer-limit': 'replica 20000 0 0',
    });
    await master.conn.call('DEBUG', 'POPULATE', '2000');
    await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until(
      'transfer running',
      async () => (await info(master.conn, 'persistence')).get('rdb_bgsave_in_progress') === '1',
    );
    await master.conn.call('SET', 'big', 'x'.repeat(25_000));
    await until('dropped', () =>
      master.log().includes('scheduled to be closed ASAP for overcoming of output buffer limits.'),
    );
    await until(
      'transfer stopped',
      async () => (await info(master.conn, 'persistence')).get('rdb_bgsave_in_progress') === '0',
    );
  });

  it('stops a diskless transfer whose last replica went away', async () => {
    const master = await nodes.engine({ 'rdb-key-save-delay': '1000' });
    await master.conn.call('DEBUG', 'POPULATE', '2000');
    const replica = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until(
      'transfer running',
      async () => (await info(master.conn, 'persistence')).get('rdb_bgsave_in_progress') === '1',
    );
    await replica.conn.call('REPLICAOF', 'NO', 'ONE');
    await until('stopped', async () => (await info(master.conn, 'persistence')).get('rdb_bgsave_in_progress') === '0');
    expect(master.log()).toContain('Diskless rdb transfer, last replica dropped, killing fork child.');
  });
});

/** Debian's redis-server 7.0.15 as the replica: both payload forms must load there. */
describe('full sync to a redis-server replica', () => {
  it('diskless: `$EOF:<mark>` framing', async () => {
    const master = await nodes.engine();
    await writeEveryType(master.conn, 'k');
    await master.conn.call('DEBUG', 'POPULATE', '1000', 'pop', '20');
    const replica = await nodes.redis(22050, ['--replicaof', '127.0.0.1', String(master.port)]);
    await until('link up', () => linkUp(replica.conn));
    expect(replica.log()).toContain('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk');
    await master.conn.call('SET', 'after', 'sync');
    await until('stream', async () => (await replica.conn.call('GET', 'after')) === 'sync');
    expect(await digest(replica)).toBe(await digest(master));
  });

  it('disk-based (repl-diskless-sync no): BGSAVE to dbfilename, then `$<len>`', async () => {
    const master = await nodes.engineProcess(22051, ['--repl-diskless-sync', 'no']);
    await writeEveryType(master.conn, 'k');
    await master.conn.call('DEBUG', 'POPULATE', '1000', 'pop', '20');
    const replica = await nodes.redis(22052, ['--replicaof', '127.0.0.1', String(master.port)]);
    const engineReplica = await nodes.engineProcess(22053, ['--replicaof', '127.0.0.1', String(master.port)]);
    await until('links up', async () => (await linkUp(replica.conn)) && (await linkUp(engineReplica.conn)));
    expect(replica.log()).toMatch(/MASTER <-> REPLICA sync: receiving \d+ bytes from master to disk/);
    expect(engineReplica.log()).toMatch(/MASTER <-> REPLICA sync: receiving \d+ bytes from master to disk/);
    const log = master.log();
    expect(log).toContain('Starting BGSAVE for SYNC with target: disk');
    expect(log).toContain('Background saving terminated with success');
    expect(log).toContain(`Synchronization with replica 127.0.0.1:${replica.port} succeeded`);
    await master.conn.call('SET', 'after', 'sync');
    await until('stream', async () => (await replica.conn.call('GET', 'after')) === 'sync');
    await until('stream', async () => (await engineReplica.conn.call('GET', 'after')) === 'sync');
    const expected = await digest(master);
    expect(await digest(replica)).toBe(expected);
    expect(await digest(engineReplica)).toBe(expected);
  });

  it('rdb-del-sync-files: the file written only to feed replicas goes once they are online', async () => {
    const master = await nodes.engineProcess(22054, ['--repl-diskless-sync', 'no', '--rdb-del-sync-files', 'yes']);
    await writeEveryType(master.conn, 'k');
    const replica = await nodes.redis(22055, ['--replicaof', '127.0.0.1', String(master.port)]);
    await until('link up', () => linkUp(replica.conn));
    await until('removed', () =>
      master.log().includes('Removing the RDB file used to feed replicas in a persistence-less instance'),
    );
    expect(await digest(replica)).toBe(await digest(master));
  });

  it('disk-based: a replica arriving during the BGSAVE started for another shares it', async () => {
    // A pause after every key (at least 1 ms here): the BGSAVE lasts long enough for the second replica.
    const master = await nodes.engineProcess(22056, ['--repl-diskless-sync', 'no', '--rdb-key-save-delay', '100']);
    await master.conn.call('DEBUG', 'POPULATE', '1500', 'pop', '10');
    const first = await nodes.redis(22057, ['--replicaof', '127.0.0.1', String(master.port)]);
    await until(
      'BGSAVE running',
      async () => (await info(master.conn, 'persistence')).get('rdb_bgsave_in_progress') === '1',
    );
    await master.conn.call('SET', 'during', 'bgsave');
    const second = await nodes.engineProcess(22058, ['--replicaof', '127.0.0.1', String(master.port)]);
    await until('links up', async () => (await linkUp(first.conn)) && (await linkUp(second.conn)), 30_000);
    const log = master.log();
    expect(log).toContain('Waiting for end of BGSAVE for SYNC');
    expect(count(log, 'Starting BGSAVE for SYNC with target: disk')).toBe(1);
    await master.conn.call('SET', 'after', 'sync');
    for (const replica of [first, second]) {
      await until('stream', async () => (await replica.conn.call('GET', 'after')) === 'sync');
      expect(await replica.conn.call('GET', 'during')).toBe('bgsave');
      expect(await digest(replica)).toBe(await digest(master));
    }
  });
});
