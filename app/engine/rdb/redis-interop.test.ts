/**
 * RDB files and DUMP payloads against the reference: Debian's redis-server 7.0.15
 * writes a file with every type and encoding, the engine loads it with the same
 * DEBUG DIGEST (and DUMPs the same bytes), and redis-server loads the file the
 * engine writes back. Truncated or corrupted files stop the engine at start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespConnection } from '../../resp/connection.js';
import { startEngineProcess, type EngineProcess } from '../test-support/engine-process.js';

/** Ports of this suite's reference servers (the rdb helper's range). */
const REDIS_PORT = 7950;
const ENGINE_PORT = 7951;
const KEYS = [
  'int8',
  'int16',
  'int32',
  'int64',
  'embstr',
  'empty',
  'lzf',
  'binary',
  'list',
  'biglist',
  'hugeitem',
  'intset',
  'intset64',
  'strset',
  'bigset',
  'zlp',
  'zsl',
  'hlp',
  'hht',
  'hlong',
  'ttl',
  'ttlhash',
];

let root: string;
const processes: ChildProcess[] = [];
const engines: EngineProcess[] = [];

beforeAll(() => {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || !probe.stdout.includes('v=7.0')) {
    throw new Error("redis-server 7.0 (Debian's package) is required for this suite and was not found");
  }
  root = mkdtempSync(join(tmpdir(), 'rdb-interop-'));
});

afterAll(async () => {
  for (const e of engines) await e.stop();
  for (const p of processes) {
    if (p.exitCode === null) p.kill('SIGKILL');
  }
  rmSync(root, { recursive: true, force: true });
});

async function startRedis(dir: string): Promise<{ client: RespConnection; stop: () => Promise<void> }> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(REDIS_PORT),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      dir,
      '--enable-debug-command',
      'yes',
      '--logfile',
      join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  processes.push(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let client: RespConnection | undefined;
  for (let i = 0; i < 200 && !client; i++) {
    try {
      client = await RespConnection.connect(REDIS_PORT);
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  if (!client) throw new Error(`redis-server did not start: ${readFileSync(join(dir, 'redis.log'), 'utf8')}`);
  // LOADING replies while the file loads: wait until it answers.
  for (;;) {
    try {
      await client.call('PING');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    client,
    stop: async () => {
      client!.destroy();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function fill(c: RespConnection): Promise<void> {
  const calls: Promise<unknown>[] = [];
  const call = (...args: string[]) => calls.push(c.call(...args));
  call('SET', 'int8', '-7');
  call('SET', 'int16', '1234');
  call('SET', 'int32', '70000');
  call('SET', 'int64', '12345678901');
  call('SET', 'embstr', 'hello');
  call('SET', 'empty', '');
  call('SET', 'lzf', 'abcd'.repeat(300));
  call('SET', 'binary', Buffer.from([0, 255, 1, 254, 13, 10, 128]).toString('latin1'));
  call('RPUSH', 'list', 'a', '1', '-300', '70000', '12345678901', 'x'.repeat(100), '');
  for (let i = 0; i < 3000; i++) call('RPUSH', 'biglist', `element-${i}-${'p'.repeat(i % 40)}`);
  call('RPUSH', 'hugeitem', 'h'.repeat(20000), 'small');
  call('SADD', 'intset', '1', '-5', '70000');
  call('SADD', 'intset64', '9223372036854775807', '-9223372036854775808');
  call('SADD', 'strset', 'a', 'b', '3');
  for (let i = 0; i < 600; i++) call('SADD', 'bigset', String(i));
  call('ZADD', 'zlp', '1', 'a', '2.5', 'b', '-inf', 'c', 'inf', 'd', '1e300', 'e', '0.1', 'f', '-0', 'g');
  for (let i = 0; i < 200; i++) call('ZADD', 'zsl', String(i / 3), `m${i}`);
  call('HSET', 'hlp', 'f', 'v', 'n', '12', 'neg', '-70000');
  for (let i = 0; i < 600; i++) call('HSET', 'hht', `f${i}`, `v${i}`);
  call('HSET', 'hlong', 'f', 'v'.repeat(100));
  call('SET', 'ttl', 'v', 'PX', '100000000');
  call('HSET', 'ttlhash', 'a', 'b');
  call('PEXPIRE', 'ttlhash', '100000000');
  call('SET', 'expired', 'soon', 'PX', '1');
  await Promise.all(calls);
  await c.call('SELECT', '3');
  await c.call('SET', 'in3', '1');
  await c.call('SELECT', '15');
  await c.call('ZADD', 'in15', '1', 'one');
  await c.call('SELECT', '0');
}

async function dumps(c: RespConnection): Promise<string[]> {
  return Promise.all(KEYS.map(async (k) => String(await c.call('DUMP', k))));
}

async function startEngine(dir: string): Promise<EngineProcess> {
  const engine = await startEngineProcess([
    '--port',
    String(ENGINE_PORT),
    '--dir',
    dir,
    '--enable-debug-command',
    'yes',
  ]);
  engines.push(engine);
  return engine;
}

describe('RDB interoperability with redis-server 7.0.15', () => {
  let redisDigest: string;
  let redisDumps: string[];

  it('loads a file written by redis-server with the same digest and DUMP bytes', async () => {
    const dir = join(root, 'from-redis');
    mkdirSync(dir);
    const redis = await startRedis(dir);
    await fill(redis.client);
    await new Promise((r) => setTimeout(r, 10)); // let 'expired' expire (it is saved, then dropped on load)
    redisDumps = await dumps(redis.client);
    expect(await redis.client.call('SAVE')).toBe('OK');
    await redis.client.call('DEL', 'expired');
    redisDigest = String(await redis.client.call('DEBUG', 'DIGEST'));
    await redis.stop();

    const engine = await startEngine(dir);
    const c = await RespConnection.connect(engine.port);
    try {
      expect(await c.call('DEBUG', 'DIGEST')).toBe(redisDigest);
      expect(await dumps(c)).toEqual(redisDumps);
      expect(engine.output()).toContain('Loading RDB produced by version 7.0.15');
      expect(engine.output()).toMatch(/Done loading RDB, keys loaded: \d+, keys expired: [01]\./);
      expect(engine.output()).toMatch(/DB loaded from disk: \d+\.\d{3} seconds/);
      // A payload DUMPed by redis-server restores here.
      for (const [i, key] of KEYS.entries()) {
        if (key.startsWith('ttl')) continue; // DIGEST-VALUE counts the TTL, which RESTORE 0 drops
        expect(await c.call('RESTORE', `copy:${key}`, '0', redisDumps[i]!)).toBe('OK');
        expect(await c.call('DEBUG', 'DIGEST-VALUE', `copy:${key}`)).toEqual(
          await c.call('DEBUG', 'DIGEST-VALUE', key),
        );
      }
      await c.call('DEL', ...KEYS.map((k) => `copy:${k}`));
      expect(await c.call('SAVE')).toBe('OK');
    } finally {
      c.destroy();
      await engine.stop();
    }
  });

  it('writes a file redis-server loads with the same digest', async () => {
    const dir = join(root, 'from-engine');
    mkdirSync(dir);
    // The engine's own SAVE from the previous test is what redis-server loads.
    copyFileSync(join(root, 'from-redis', 'dump.rdb'), join(dir, 'dump.rdb'));
    const redis = await startRedis(dir);
    try {
      expect(await redis.client.call('DEBUG', 'DIGEST')).toBe(redisDigest);
      const reloaded = await dumps(redis.client);
      // Hashtable-encoded values come out in redis-server's dict order, which a reload reshuffles.
      const unordered = new Set(['bigset', 'hht', 'strset']);
      expect(KEYS.filter((k, i) => !unordered.has(k) && reloaded[i] !== redisDumps[i])).toEqual([]);
    } finally {
      await redis.stop();
    }
  });

  it('refuses truncated and corrupted files at start with exit code 1', async () => {
    const good = readFileSync(join(root, 'from-redis', 'dump.rdb'));
    const cases: [string, Buffer, string][] = [
      ['truncated', good.subarray(0, Math.floor(good.length / 2)), 'Short read or OOM loading DB'],
      ['no-trailer', good.subarray(0, good.length - 4), 'Short read or OOM loading DB'],
      [
        'bad-crc',
        Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1]! ^ 1])]),
        'Wrong RDB checksum expected',
      ],
      [
        'bad-magic',
        Buffer.concat([Buffer.from('RADIS'), good.subarray(5)]),
        'Wrong signature trying to load DB from file',
      ],
      [
        'bad-type',
        Buffer.concat([good.subarray(0, 9), Buffer.from([0xfe, 0x00, 0x08, 0x01, 0x61])]),
        'Internal error in RDB reading offset',
      ],
    ];
    for (const [name, bytes, expected] of cases) {
      const dir = join(root, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'dump.rdb'), bytes);
      const engine = await startEngine(dir);
      const code = await engine.exited;
      expect(code, `${name}: ${engine.output()}`).toBe(1);
      expect(engine.output()).toContain(expected);
      expect(engine.output()).not.toContain('Ready to accept connections');
      expect(engine.output()).not.toMatch(/\n\s+at /); // no stack trace: refused, not crashed
    }
  });
});
