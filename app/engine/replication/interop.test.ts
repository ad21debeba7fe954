/**
 * Interop proofs against Debian's redis-server 7.0 (issue 4, section 6): a Redis
 * replica of our master and our replica of a Redis master, each through a full sync
 * of every data type and encoding, the live stream, a partial resync after
 * `CLIENT KILL TYPE master`, and a full resync once the master's backlog has
 * overflowed; the chain redis -> builtin -> redis; promotion with partial resyncs of
 * the siblings. After every step DEBUG DIGEST is equal on every node.
 *
 * Every node is a real process (the engine bundled from the current sources), so a
 * replica can be frozen with SIGSTOP while its master writes past its backlog.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RespConnection } from '../../resp/connection.js';
import { freePort, startEngineProcess } from '../test-support/engine-process.js';

interface Node {
  kind: 'engine' | 'redis';
  port: number;
  conn: RespConnection;
  child: ChildProcess;
  stop(): Promise<void>;
}

const COMMON_ARGS = ['--save', '', '--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes'];

const nodes: Node[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0).reverse()) {
    if (node.child.signalCode === null && node.child.exitCode === null) node.child.kill('SIGCONT');
    node.conn.destroy();
    await node.stop();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let redisServer = '';
beforeAll(() => {
  redisServer = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  expect(execFileSync(redisServer, ['--version'], { encoding: 'utf8' })).toContain('v=7.0');
});

function privateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'replica-interop-'));
  dirs.push(dir);
  return dir;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startEngine(extra: string[] = []): Promise<Node> {
  const dir = privateDir();
  // Disk-based load: the payload goes through the replica's dump file, as by default in Redis.
  const proc = await startEngineProcess([...COMMON_ARGS, '--dir', dir, ...extra]);
  const conn = await RespConnection.connect(proc.port);
  const node: Node = {
    kind: 'engine',
    port: proc.port,
    conn,
    child: proc.child,
    stop: async () => void (await proc.stop()),
  };
  nodes.push(node);
  return node;
}

async function startRedis(extra: string[] = []): Promise<Node> {
  const dir = privateDir();
  const port = await freePort();
  const child = spawn(
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', join(dir, 'redis.log')]
      .concat(COMMON_ARGS)
      .concat(extra),
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let conn: RespConnection | undefined;
  try {
    await until('redis-server listening', async () => {
      conn = await RespConnection.connect(port).catch(() => undefined);
      return conn !== undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const node: Node = { kind: 'redis', port, conn: conn!, child, stop };
  nodes.push(node);
  return node;
}

function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

async function info(node: Node, section: string): Promise<Map<string, string>> {
  return infoFields(String(await node.conn.call('INFO', section)));
}

async function stat(node: Node, name: 'sync_full' | 'sync_partial_ok' | 'sync_partial_err'): Promise<number> {
  return Number((await info(node, 'stats')).get(name));
}

async function replicate(replica: Node, master: Node): Promise<void> {
  expect(await replica.conn.call('REPLICAOF', '127.0.0.1', String(master.port))).toBe('OK');
  await linkUp(replica);
}

async function linkUp(replica: Node): Promise<void> {
  await until(
    `${replica.kind} replica link up`,
    async () => (await info(replica, 'replication')).get('master_link_status') === 'up',
  );
}

/** Waits until every node reports the same DEBUG DIGEST (and the same master_repl_offset). */
async function digestsEqual(all: Node[]): Promise<string> {
  let digests: string[] = [];
  try {
    await until('equal digests', async () => {
      digests = await Promise.all(all.map(async (n) => String(await n.conn.call('DEBUG', 'DIGEST'))));
      return digests.every((d) => d === digests[0]);
    });
  } catch {
    throw new Error(`digests differ: ${all.map((n, i) => `${n.kind}:${n.port}=${digests[i]}`).join(' ')}`);
  }
  expect(digests[0]).not.toBe('0'.repeat(40));
  return digests[0]!;
}

/** Keys of every type in every encoding an RDB can carry, in two databases, some with a TTL. */
async function fillEveryType(conn: RespConnection): Promise<void> {
  const many = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
  for (const db of ['0', '7']) {
    await conn.call('SELECT', db);
    await conn.call('SET', 'str:int', '12345');
    await conn.call('SET', 'str:negative', '-9007199254740993');
    await conn.call('SET', 'str:raw', 'hello world');
    await conn.call('SET', 'str:long', 'abcdefghij'.repeat(2000)); // LZF-compressed in the RDB
    await conn.call('SET', 'str:binary', '\x00\xff\r\n'.repeat(30));
    await conn.call('RPUSH', 'list:small', 'a', 'b', '3', '-4');
    await conn.call('RPUSH', 'list:big', ...many(2000, (i) => [`element-${i}-${'x'.repeat(i % 70)}`]));
    await conn.call('SADD', 'set:intset', '1', '2', '3', '-100000', '4000000000');
    await conn.call('SADD', 'set:plain', 'a', 'b', 'c');
    await conn.call('SADD', 'set:bigint', ...many(600, (i) => [String(i * 7)]));
    await conn.call('ZADD', 'zset:listpack', '1', 'a', '2.5', 'b', '-3', 'c', 'inf', 'd');
    await conn.call('ZADD', 'zset:skiplist', ...many(300, (i) => [String(i / 3), `member-${i}`]));
    await conn.call('HSET', 'hash:listpack', 'f1', 'v1', 'f2', '2', 'f3', '');
    await conn.call('HSET', 'hash:plain', ...many(600, (i) => [`field-${i}`, `value-${i}`])); // > 512 entries
    await conn.call('HSET', 'hash:longvalue', 'f', 'v'.repeat(100));
    await conn.call('SET', 'ttl:str', 'v', 'PX', '100000000');
    await conn.call('RPUSH', 'ttl:list', 'a');
    await conn.call('EXPIREAT', 'ttl:list', String(Math.floor(Date.now() / 1000) + 3600));
  }
  await conn.call('SELECT', '0');
}

/** Writes of every family, as the live stream carries them (some rewritten by the master). */
async function liveWrites(conn: RespConnection, round: number): Promise<void> {
  await conn.call('SELECT', '0');
  await conn.call('INCR', 'str:int');
  await conn.call('INCRBYFLOAT', 'live:float', '1.5');
  await conn.call('APPEND', 'str:raw', `-${round}`);
  await conn.call('SET', `live:ex:${round}`, 'v', 'EX', '1000');
  await conn.call('LPUSH', 'list:big', `head-${round}`);
  await conn.call('RPOP', 'list:small');
  await conn.call('SPOP', 'set:plain');
  await conn.call('SADD', 'set:intset', String(round));
  await conn.call('ZINCRBY', 'zset:skiplist', '10', 'member-5');
  await conn.call('HINCRBY', 'hash:listpack', 'f2', '3');
  await conn.call('HDEL', 'hash:plain', `field-${round}`);
  await conn.call('SELECT', '7');
  await conn.call('DEL', 'str:long');
  await conn.call('EXPIRE', 'set:bigint', '5000');
  await conn.call('MULTI');
  await conn.call('SET', `tx:${round}`, 'a');
  await conn.call('ZADD', 'zset:listpack', String(round), `tx-${round}`);
  await conn.call('EXEC');
  await conn.call('SELECT', '0');
}

/** Check the replica rebuilt the encodings, not only the values (a Redis replica decides them itself). */
async function expectEncodings(node: Node): Promise<void> {
  const encodings: Record<string, string> = {
    'str:int': 'int',
    'str:raw': 'embstr',
    'str:long': 'raw',
    'list:small': 'quicklist', // Redis 7.0 lists are always quicklists (of listpack nodes)
    'list:big': 'quicklist',
    'set:intset': 'intset',
    'set:plain': 'hashtable',
    'zset:listpack': 'listpack',
    'zset:skiplist': 'skiplist',
    'hash:listpack': 'listpack',
    'hash:plain': 'hashtable',
    'hash:longvalue': 'hashtable',
  };
  for (const [key, encoding] of Object.entries(encodings)) {
    expect([key, await node.conn.call('OBJECT', 'ENCODING', key)]).toEqual([key, encoding]);
  }
  expect(Number(await node.conn.call('PTTL', 'ttl:str'))).toBeGreaterThan(90_000_000);
  expect(Number(await node.conn.call('TTL', 'ttl:list'))).toBeGreaterThan(3500);
}

/**
 * The replica drops its link (`CLIENT KILL TYPE master`), reconnects with PSYNC and
 * the master serves it from the backlog: one more partial resync, no full one.
 */
async function partialResyncAfterKill(master: Node, replica: Node, all: Node[]): Promise<void> {
  const [full, partial] = [await stat(master, 'sync_full'), await stat(master, 'sync_partial_ok')];
  expect(Number(await replica.conn.call('CLIENT', 'KILL', 'TYPE', 'master'))).toBe(1);
  await liveWrites(master.conn, 100);
  await until('partial resync served', async () => (await stat(master, 'sync_partial_ok')) === partial + 1);
  await linkUp(replica);
  expect(await stat(master, 'sync_full')).toBe(full);
  await digestsEqual(all);
}

/**
 * The replica is frozen (SIGSTOP) and cut off while its master writes more than its
 * small backlog holds: on waking it asks for a partial resync the master can no
 * longer serve, and gets a full one.
 */
async function fullResyncAfterBacklogOverflow(master: Node, replica: Node, all: Node[]): Promise<void> {
  expect(await master.conn.call('CONFIG', 'SET', 'repl-backlog-size', '16384')).toBe('OK');
  const [full, partialErr] = [await stat(master, 'sync_full'), await stat(master, 'sync_partial_err')];
  replica.child.kill('SIGSTOP');
  try {
    expect(Number(await master.conn.call('CLIENT', 'KILL', 'TYPE', 'replica'))).toBe(1);
    for (let i = 0; i < 8; i++) await master.conn.call('SET', `overflow:${i}`, String(i).repeat(5000));
  } finally {
    replica.child.kill('SIGCONT');
  }
  await until('full resync served', async () => (await stat(master, 'sync_full')) === full + 1);
  expect(await stat(master, 'sync_partial_err')).toBe(partialErr + 1);
  await linkUp(replica);
  await digestsEqual(all);
  expect(await replica.conn.call('GET', 'overflow:7')).toBe('7'.repeat(5000));
}

describe('interop with redis-server 7.0', () => {
  it.each([
    { label: 'a redis-server replica of our master', startMaster: startEngine, startReplica: startRedis },
    { label: 'our replica of a redis-server master', startMaster: startRedis, startReplica: startEngine },
  ])(
    '$label: full sync, live stream, partial and full resyncs',
    async ({ startMaster, startReplica }) => {
      const master = await startMaster();
      await fillEveryType(master.conn);
      const replica = await startReplica();
      await replicate(replica, master);
      await digestsEqual([master, replica]);
      await expectEncodings(replica);

      for (let round = 0; round < 3; round++) await liveWrites(master.conn, round);
      await digestsEqual([master, replica]);
      expect(await replica.conn.send('SET', 'k', 'v')).toEqual({
        type: 'error',
        value: "READONLY You can't write against a read only replica.",
      });

      await partialResyncAfterKill(master, replica, [master, replica]);
      await fullResyncAfterBacklogOverflow(master, replica, [master, replica]);
    },
    60_000,
  );

  it('chains redis -> builtin -> redis, then promotes the builtin; the others follow partially', async () => {
    const top = await startRedis();
    await fillEveryType(top.conn);
    const middle = await startEngine();
    await replicate(middle, top);
    const bottom = await startRedis();
    await replicate(bottom, middle);
    const all = [top, middle, bottom];
    await digestsEqual(all);
    for (let round = 0; round < 2; round++) await liveWrites(top.conn, round);
    await digestsEqual(all);
    // The sub-replica got the top's stream byte for byte: one history, one offset.
    await until('one offset', async () => {
      const offsets = await Promise.all(all.map(async (n) => (await info(n, 'replication')).get('master_repl_offset')));
      return offsets.every((o) => o === offsets[0]);
    });
    const topId = (await info(top, 'replication')).get('master_replid');
    expect((await info(bottom, 'replication')).get('master_replid')).toBe(topId);

    // Promotion: the builtin becomes the master, its sub-replica keeps its link.
    const middleFull = await stat(middle, 'sync_full');
    expect(await middle.conn.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const newId = (await info(middle, 'replication')).get('master_replid');
    expect(newId).not.toBe(topId);
    await liveWrites(middle.conn, 10);
    await digestsEqual([middle, bottom]);
    expect((await info(bottom, 'replication')).get('master_replid2')).toBe(topId);

    // The old master rejoins below the builtin, continuing its own history.
    const partial = await stat(middle, 'sync_partial_ok');
    await replicate(top, middle);
    expect(await stat(middle, 'sync_partial_ok')).toBe(partial + 1);
    expect(await stat(middle, 'sync_full')).toBe(middleFull);
    await liveWrites(middle.conn, 11);
    await digestsEqual(all);
  }, 60_000);

  it('promotes one of two sibling replicas; the other resyncs partially from it (both ways)', async () => {
    const master = await startRedis();
    await fillEveryType(master.conn);
    const engineReplica = await startEngine();
    const redisReplica = await startRedis();
    await replicate(engineReplica, master);
    await replicate(redisReplica, master);
    await liveWrites(master.conn, 0);
    await digestsEqual([master, engineReplica, redisReplica]);

    // The builtin sibling is promoted; the Redis sibling follows it with a partial resync.
    expect(await engineReplica.conn.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    await liveWrites(engineReplica.conn, 1);
    let partial = await stat(engineReplica, 'sync_partial_ok');
    await replicate(redisReplica, engineReplica);
    expect(await stat(engineReplica, 'sync_partial_ok')).toBe(partial + 1);
    expect(await stat(engineReplica, 'sync_full')).toBe(0);
    await digestsEqual([engineReplica, redisReplica]);

    // Now the other way: the Redis node is promoted and the builtin follows it partially.
    expect(await redisReplica.conn.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    await liveWrites(redisReplica.conn, 2);
    partial = await stat(redisReplica, 'sync_partial_ok');
    await replicate(engineReplica, redisReplica);
    expect(await stat(redisReplica, 'sync_partial_ok')).toBe(partial + 1);
    expect(await stat(redisReplica, 'sync_full')).toBe(0);
    await liveWrites(redisReplica.conn, 3);
    await digestsEqual([engineReplica, redisReplica]);
  }, 60_000);
});
