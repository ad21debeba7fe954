/**
 * The engine must start from the redis.conf Debian's redis-server package
 * installs (CI installs redis-server; this test fails, never skips, without it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RespConnection } from '../../resp/connection.js';
import { engineEntry, freePort, startEngineProcess } from '../test-support/engine-process.js';

const DEBIAN_CONF = '/etc/redis/redis.conf';

/** The file is 0640 redis:redis; CI runners have password-less sudo. */
function readDebianConf(): string {
  try {
    return readFileSync(DEBIAN_CONF, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES') {
      throw new Error(`${DEBIAN_CONF} is required (apt-get install redis-server): ${(err as Error).message}`);
    }
    return execFileSync('sudo', ['-n', 'cat', DEBIAN_CONF], { encoding: 'latin1' });
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'replica-lab-debian-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("Debian's /etc/redis/redis.conf", () => {
  it('starts the engine with only the port changed', async () => {
    const original = readDebianConf();
    expect(original).toMatch(/^port 6379$/m);
    const port = await freePort();
    const dir = tempDir();
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, original.replace(/^port 6379$/m, `port ${port}`));
    // The file's dir, logfile and pidfile belong to the system's redis-server
    // (and need its permissions): point them at the test's directory, as a user
    // running a second instance would on the command line.
    const engine = await startEngineProcess([
      conf,
      '--dir',
      dir,
      '--logfile',
      join(dir, 'redis.log'),
      '--pidfile',
      join(dir, 'redis.pid'),
      '--port',
      String(port),
    ]);
    cleanups.push(() => engine.stop());
    expect(engine.child.exitCode).toBe(null);
    const client = await RespConnection.connect(port);
    cleanups.push(() => client.destroy());
    expect(await client.call('PING')).toBe('PONG');
    expect(await client.call('CONFIG', 'GET', 'daemonize')).toEqual(['daemonize', 'yes']);
    expect(await client.call('CONFIG', 'GET', 'client-output-buffer-limit')).toEqual([
      'client-output-buffer-limit',
      'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    ]);
    expect(await client.call('CONFIG', 'GET', 'save')).toEqual(['save', '3600 1 300 100 60 10000']);
    expect(readFileSync(join(dir, 'redis.pid'), 'latin1').trim()).toBe(String(engine.child.pid));
    expect(readFileSync(join(dir, 'redis.log'), 'latin1')).toContain('daemonize yes is not supported');
  });
});

describe('fatal configuration errors', () => {
  it('prints Redis report on stderr and exits with 1', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.conf'), 'port 7000\nfoo bar\n');
    const result = spawnSync(process.execPath, [engineEntry(), 'bad.conf'], { cwd: dir, encoding: 'latin1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      '\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n' +
        "Reading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n",
    );
  });
});
