import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  detectEngines,
  detectServer,
  launchCommand,
  parseServerVersion,
  PARENT_WATCH_ENV,
  remoteRefusal,
  type EngineHost,
} from './engines.js';

const host: EngineHost = { nodeExecutable: '/opt/node', builtinEntry: '/app/out/main/engine.js' };

describe('engines', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A directory holding an executable `name` that prints `output` for --version. */
  function fakeServer(name: string, output: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'replica-lab-engines-'));
    dirs.push(dir);
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\necho '${output}'\n`);
    chmodSync(path, 0o755);
    return dir;
  }

  it("finds Debian's redis-server on PATH and says which version it is", async () => {
    const engines = await detectEngines(host, { searchPath: '/usr/local/bin:/usr/bin:/bin' });
    expect(engines.map((e) => e.kind)).toEqual(['builtin', 'redis-server', 'valkey-server', 'remote']);
    expect(engines[0]).toEqual({
      kind: 'builtin',
      available: true,
      executable: '/opt/node',
      description: 'built-in engine (Redis 7.0 compatible)',
      managesProcess: true,
    });
    expect(engines[1]).toEqual({
      kind: 'redis-server',
      available: true,
      executable: '/usr/bin/redis-server',
      version: '7.0.15',
      description: 'redis-server 7.0.15 at /usr/bin/redis-server',
      managesProcess: true,
    });
    expect(engines[3]).toMatchObject({ kind: 'remote', available: true, managesProcess: false });
  });

  it('finds valkey-server on PATH, or at a configured path', async () => {
    const dir = fakeServer(
      'valkey-server',
      'Valkey server v=8.0.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=1',
    );
    const onPath = await detectServer('valkey-server', undefined, `/nonexistent:${dir}`);
    expect(onPath).toMatchObject({
      available: true,
      version: '8.0.1',
      description: `valkey-server 8.0.1 at ${dir}/valkey-server`,
    });
    const configured = await detectServer('valkey-server', join(dir, 'valkey-server'), '');
    expect(configured.description).toBe(`valkey-server 8.0.1 at ${dir}/valkey-server`);
  });

  it('says why an engine is unavailable', async () => {
    expect(await detectServer('valkey-server', undefined, '/nonexistent')).toEqual({
      kind: 'valkey-server',
      available: false,
      description: 'valkey-server not found on PATH',
      managesProcess: true,
    });
    expect((await detectServer('redis-server', '/nonexistent/redis-server')).description).toBe(
      'redis-server: /nonexistent/redis-server is not an executable file',
    );
    const silent = fakeServer('redis-server', 'hello');
    expect((await detectServer('redis-server', join(silent, 'redis-server'))).description).toBe(
      `redis-server at ${silent}/redis-server did not report a version (--version)`,
    );
  });

  it('parses the version line of redis-server, valkey-server and the builtin engine', () => {
    expect(parseServerVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d\n')).toBe(
      '7.0.15',
    );
    expect(parseServerVersion('Valkey server v=8.1.0 sha=0')).toBe('8.1.0');
    expect(parseServerVersion('nothing here')).toBeUndefined();
  });

  it('launches builtin nodes with the parent watch on, and redis-server with its conf', () => {
    const builtin = launchCommand(
      { kind: 'builtin', available: true, executable: '/opt/node', description: '', managesProcess: true },
      { ...host, env: { ELECTRON_RUN_AS_NODE: '1' } },
      '/w/nodes/6379/redis_6379.conf',
    );
    expect(builtin).toEqual({
      executable: '/opt/node',
      args: ['/app/out/main/engine.js', '/w/nodes/6379/redis_6379.conf'],
      env: { ELECTRON_RUN_AS_NODE: '1', [PARENT_WATCH_ENV]: '1' },
    });
    const redis = launchCommand(
      {
        kind: 'redis-server',
        available: true,
        executable: '/usr/bin/redis-server',
        description: '',
        managesProcess: true,
      },
      host,
      '/w/c.conf',
    );
    expect(redis).toEqual({ executable: '/usr/bin/redis-server', args: ['/w/c.conf'], env: {} });
    expect(() =>
      launchCommand({ kind: 'remote', available: true, description: '', managesProcess: false }, host, '/w/c.conf'),
    ).toThrow('A remote server is attached to, never launched.');
  });

  it('refuses process operations on remote servers with a sentence', () => {
    expect(remoteRefusal('kill', 'prod', '10.0.0.5', 6379)).toBe(
      'Cannot kill node prod: it is a remote server at 10.0.0.5:6379, which the lab attached to but did not start, ' +
        'so it never starts, stops, restarts, kills or freezes it.',
    );
  });
});
