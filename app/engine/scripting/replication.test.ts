/**
 * Scripts and functions across replication and restarts: a replica of an engine
 * master sees a script's effects (same DEBUG DIGEST), libraries reach replicas by
 * full sync and FUNCTION LOAD, survive a restart through the RDB, and move between
 * the engine and Debian's redis-server 7.0.15 in both directions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/engine-process.js';
import { linkUp, TestNodes, until, type Node } from '../replication/test-nodes.js';

const nodes = new TestNodes();
afterEach(() => nodes.stopAll());

const LIB = `#!lua name=counters
redis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)
redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}`;

async function digest(node: Node): Promise<string> {
  return String(await node.conn.call('DEBUG', 'DIGEST'));
}

async function replicate(replica: Node, master: Node): Promise<void> {
  await replica.conn.call('REPLICAOF', '127.0.0.1', String(master.port));
  await until('link up', () => linkUp(replica.conn));
}

describe('scripts and replication', () => {
  it('a replica of an engine master gets the effects of EVAL and FCALL', async () => {
    const master = await nodes.engine();
    const replica = await nodes.engine();
    await replicate(replica, master);
    await master.conn.call('FUNCTION', 'LOAD', LIB);
    await master.conn.call(
      'EVAL',
      "for i = 1, 50 do redis.call('rpush', KEYS[1], i) end redis.call('hset', 'h', 'f', 'v') return 1",
      '1',
      'list',
    );
    await master.conn.call('FCALL', 'bump', '1', 'n', '5');
    await until('replica caught up', async () => (await digest(replica)) === (await digest(master)));
    expect(await replica.conn.call('FCALL_RO', 'peek', '1', 'n')).toBe('5');
    expect(await replica.conn.call('LLEN', 'list')).toBe(50);
    // A write script on a read-only replica is refused before it runs.
    await expect(replica.conn.call('FCALL', 'bump', '1', 'n', '1')).rejects.toThrow(/^READONLY/);
    await expect(replica.conn.call('EVAL', "return redis.call('set', 'x', 'y')", '0')).rejects.toThrow(
      /READONLY You can't write against a read only replica\./,
    );
  });

  it('libraries reach a new replica by full sync (disk and diskless)', async () => {
    for (const diskless of ['no', 'yes']) {
      // A process in a directory of its own: a disk-based sync writes dbfilename.
      const master = await nodes.engineProcess(await freePort(), ['--repl-diskless-sync', diskless]);
      await master.conn.call('FUNCTION', 'LOAD', LIB);
      await master.conn.call('SET', 'n', '41');
      const replica = await nodes.engine();
      await replicate(replica, master);
      expect(await replica.conn.call('FCALL_RO', 'peek', '1', 'n')).toBe('41');
      await nodes.stopAll();
    }
  });

  it('libraries survive a restart through the RDB file', async () => {
    const port = await freePort();
    const first = await nodes.engineProcess(port);
    await first.conn.call('FUNCTION', 'LOAD', LIB);
    await first.conn.call('FCALL', 'bump', '1', 'n', '3');
    await first.conn.call('SAVE');
    await first.stop();
    const second = await nodes.engineProcess(port, [], first.dir);
    expect(await second.conn.call('FCALL', 'bump', '1', 'n', '4')).toBe(7);
    expect(await second.conn.call('DEBUG', 'RELOAD')).toBe('OK');
    expect(await second.conn.call('FCALL_RO', 'peek', '1', 'n')).toBe('7');
  });
});

describe('functions between the engine and redis-server', () => {
  it('redis-server replicates its libraries to the engine, and the engine to redis-server', async () => {
    const redis = await nodes.redis(await freePort());
    await redis.conn.call('FUNCTION', 'LOAD', LIB);
    await redis.conn.call('FCALL', 'bump', '1', 'n', '2');
    const engine = await nodes.engine();
    await replicate(engine, redis);
    expect(await engine.conn.call('FCALL_RO', 'peek', '1', 'n')).toBe('2');

    const engineMaster = await nodes.engineProcess(await freePort(), ['--repl-diskless-sync', 'no']);
    await engineMaster.conn.call('FUNCTION', 'LOAD', LIB.replace('counters', 'other'));
    await engineMaster.conn.call('SET', 'n', '9');
    const redisReplica = await nodes.redis(await freePort());
    await replicate(redisReplica, engineMaster);
    expect(await redisReplica.conn.call('FCALL_RO', 'peek', '1', 'n')).toBe('9');
    // FUNCTION LOAD after the sync is propagated as itself.
    await engineMaster.conn.call(
      'FUNCTION',
      'LOAD',
      '#!lua name=late\nredis.register_function("late", function() return 1 end)',
    );
    await until('late library on redis-server', async () => {
      const list = (await redisReplica.conn.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'late')) as unknown[];
      return list.length === 1;
    });
    // A script's effects reach redis-server as its MULTI/EXEC.
    await engineMaster.conn.call('EVAL', "redis.call('set', 'a', '1'); redis.call('set', 'b', '2')", '0');
    await until('effects on redis-server', async () => (await digest(redisReplica)) === (await digest(engineMaster)));
  });
});
