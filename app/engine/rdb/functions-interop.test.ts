/**
 * Function libraries in RDB files, against Debian's redis-server 7.0.15: a file
 * it saves with a library loads into the engine, and the engine's file loads into
 * redis-server (RDB_OPCODE_FUNCTION2 both ways).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/engine-process.js';
import { TestNodes } from '../replication/test-nodes.js';

const nodes = new TestNodes();
const dirs: string[] = [];
afterEach(async () => {
  await nodes.stopAll();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rdb-functions-'));
  dirs.push(dir);
  return dir;
}

const LIB = `#!lua name=lib1
redis.register_function{function_name='f1', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-stale'}, description='reads'}`;

describe('functions in RDB files', () => {
  it("loads redis-server's file and redis-server loads ours", async () => {
    const redisDir = tempDir();
    const redis = await nodes.redis(await freePort(), ['--dir', redisDir]);
    await redis.conn.call('FUNCTION', 'LOAD', LIB);
    await redis.conn.call('SET', 'k', 'from-redis');
    await redis.conn.call('SAVE');

    const engineDir = tempDir();
    copyFileSync(join(redisDir, 'dump.rdb'), join(engineDir, 'dump.rdb'));
    const engine = await nodes.engineProcess(await freePort(), [], engineDir);
    expect(await engine.conn.call('FCALL_RO', 'f1', '1', 'k')).toBe('from-redis');
    const list = await engine.conn.call('FUNCTION', 'LIST', 'WITHCODE');
    expect(JSON.stringify(list)).toContain('"description","reads"');
    await engine.conn.call('FUNCTION', 'LOAD', LIB.replace(/lib1/, 'lib2').replace(/'f1'/, "'f2'"));
    await engine.conn.call('SET', 'k', 'from-engine');
    await engine.conn.call('SAVE');

    const backDir = tempDir();
    copyFileSync(join(engineDir, 'dump.rdb'), join(backDir, 'dump.rdb'));
    const back = await nodes.redis(await freePort(), ['--dir', backDir]);
    expect(await back.conn.call('FCALL_RO', 'f1', '1', 'k')).toBe('from-engine');
    expect(await back.conn.call('FCALL_RO', 'f2', '1', 'k')).toBe('from-engine');
  });
});
