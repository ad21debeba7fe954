import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportConfigFolder } from './export-configs.js';
import { ConfigImportError, importConfigFolder } from './import-configs.js';
import { checkNodeSettings } from './node-settings.js';

const MINIMAL_BASE = [
  "# A minimal redis.conf (Debian's /etc/redis/redis.conf is used where readable).",
  'bind 127.0.0.1 -::1',
  'port 6379',
  'daemonize no',
  'pidfile /var/run/redis_6379.pid',
  'logfile ""',
  'dbfilename dump.rdb',
  'dir ./',
  '# replicaof <masterip> <masterport>',
  '',
].join('\n');

/** The redis.conf the seed copies three times: Debian's full file where this machine has it. */
function baseConf(): string {
  try {
    return readFileSync('/etc/redis/redis.conf', 'latin1');
  } catch {
    return MINIMAL_BASE;
  }
}

/** The seed's step 2 and 3: the four lines changed, and replicaof for the replicas. */
export function seedConf(port: number, masterPort?: number, logfileLine = `logfile "logfile-${port}"`): string {
  let text = baseConf()
    .replace(/^port .*$/m, `port ${port}`)
    .replace(/^pidfile .*$/m, `pidfile /var/run/redis_${port}.pid`)
    .replace(/^logfile .*$/m, logfileLine)
    .replace(/^dbfilename .*$/m, `dbfilename dump-${port}.rdb`);
  if (masterPort !== undefined) {
    text = text.replace(/^# replicaof <masterip> <masterport>$/m, `replicaof 127.0.0.1 ${masterPort}`);
  }
  return text;
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder with `config/` holding the given files, as in the seed's /usr/local/redis-6.0.1. */
function seedFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'h-files-import-'));
  made.push(dir);
  mkdirSync(join(dir, 'config'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'config', name), text);
  return dir;
}

async function importError(dir: string): Promise<ConfigImportError> {
  const error = await importConfigFolder(dir).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof ConfigImportError)) throw new Error(`expected a ConfigImportError, got ${String(error)}`);
  return error;
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((line) => line === needle) + 1;
}

describe('importConfigFolder', () => {
  it("reads the seed's config/ folder: one master, two replicas, no settings beyond the defaults", async () => {
    const dir = seedFolder({
      'redis_6379.conf': seedConf(6379),
      'redis_6380.conf': seedConf(6380, 6379),
      'redis_6381.conf': seedConf(6381, 6379),
    });
    for (const folder of [dir, join(dir, 'config')]) {
      const topology = await importConfigFolder(folder);
      expect(
        topology.nodes.map(({ id, name, engine, host, port, settings }) => ({
          id,
          name,
          engine,
          host,
          port,
          settings,
        })),
      ).toEqual(
        [6379, 6380, 6381].map((port) => ({
          id: `node-${port}`,
          name: `redis_${port}`,
          engine: 'builtin',
          host: '127.0.0.1',
          port,
          settings: {},
        })),
      );
      expect(topology.edges).toEqual([
        { replica: 'node-6380', master: 'node-6379' },
        { replica: 'node-6381', master: 'node-6379' },
      ]);
      const [master, replica1, replica2] = topology.nodes;
      expect(master!.position.y).toBeLessThan(replica1!.position.y);
      expect(replica1!.position.y).toBe(replica2!.position.y);
      expect(master!.position.x).toBe((replica1!.position.x + replica2!.position.x) / 2);
    }
  });

  it('keeps the settings that differ from the defaults, as CONFIG GET prints them', async () => {
    const extra =
      '\nmaxmemory 100mb\nappendonly no\nappendonly yes\nsave 60 1000\nslave-read-only no\nrequirepass "a b"\nmasterauth 芝麻开门\n';
    const dir = seedFolder({
      'redis_7000.conf': seedConf(7000) + extra,
      'redis_7001.conf': seedConf(7001, 7000).replace('replicaof', 'slaveof'),
    });
    const topology = await importConfigFolder(dir);
    expect(topology.nodes[0]!.settings).toEqual({
      maxmemory: '104857600',
      appendonly: 'yes',
      save: '60 1000',
      'replica-read-only': 'no',
      requirepass: 'a b',
      masterauth: '芝麻开门',
    });
    expect(topology.edges).toEqual([{ replica: 'node-7001', master: 'node-7000' }]);
  });

  it('keeps settings through import, export and import again, in a form redis-server accepts', async () => {
    const extra = [
      'client-output-buffer-limit replica 512mb 128mb 120',
      'notify-keyspace-events Ex',
      'oom-score-adj-values 0 100 900',
      'maxmemory-policy allkeys-lru',
      'unixsocketperm 700',
      'latency-tracking-info-percentiles 50 99.9',
      'shutdown-on-sigterm nosave now',
      'save 900 1',
      'save 60 100',
      'rename-command FLUSHALL ""',
    ];
    const dir = seedFolder({ 'redis_7000.conf': seedConf(7000) + '\n' + extra.join('\n') + '\n' });
    const first = await importConfigFolder(dir);
    const settings = first.nodes[0]!.settings;
    expect(settings).toMatchObject({
      'client-output-buffer-limit': 'normal 0 0 0 slave 536870912 134217728 120 pubsub 33554432 8388608 60',
      'notify-keyspace-events': 'xE',
      'oom-score-adj-values': '0 100 900',
      unixsocketperm: '700',
      save: '900 1 60 100',
    });
    for (const engine of ['builtin', 'redis-server'] as const) {
      expect(checkNodeSettings({ engine, settings })).toBe(undefined);
    }
    const exported = mkdtempSync(join(tmpdir(), 'h-files-import-'));
    made.push(exported);
    await exportConfigFolder(first, exported);
    const second = await importConfigFolder(exported);
    expect(second.nodes.map((n) => [n.port, n.settings])).toEqual(first.nodes.map((n) => [n.port, n.settings]));
  });

  it('refuses a line redis-server would refuse, with the file, the line and its sentence', async () => {
    // The seed's step 2 with its annotation left on the line: redis-server stops at it.
    const badLine = 'logfile "logfile-6379"    #日志文件名';
    const text = seedConf(6379, undefined, badLine);
    const error = await importError(seedFolder({ 'redis_6379.conf': text, 'redis_6380.conf': seedConf(6380, 6379) }));
    const line = lineOf(text, badLine);
    expect(error.file).toBe('redis_6379.conf');
    expect(error.error).toMatchObject({ code: 'invalid', line, field: 'logfile' });
    expect(error.message).toMatch(new RegExp(`^redis_6379\\.conf, line ${line}: wrong number of arguments`));

    const unknown = await importError(seedFolder({ 'a.conf': 'port 7000\nfoo bar\n' }));
    expect(unknown.message).toBe(
      "a.conf, line 2: Bad directive or wrong number of arguments (redis-server would refuse this line: 'foo bar').",
    );
  });

  it('refuses a replicaof that points outside the folder', async () => {
    const text = seedConf(6380, 6390);
    const error = await importError(seedFolder({ 'redis_6379.conf': seedConf(6379), 'redis_6380.conf': text }));
    expect(error.error).toMatchObject({ line: lineOf(text, 'replicaof 127.0.0.1 6390'), field: 'replicaof' });
    expect(error.message).toContain('redis_6380.conf, line');
    expect(error.message).toContain('"replicaof 127.0.0.1 6390" points to a server outside this folder');

    const remote = await importError(
      seedFolder({ 'redis_6379.conf': seedConf(6379), 'r.conf': 'port 6380\nreplicaof 10.1.2.3 6379\n' }),
    );
    expect(remote.message).toContain('r.conf, line 2: "replicaof 10.1.2.3 6379" points to a server outside');
  });

  it('refuses two files on one port, a replication circle, and a folder with no files', async () => {
    const same = await importError(seedFolder({ 'a.conf': 'port 7000\n', 'b.conf': 'port 7000\n' }));
    expect(same.message).toBe('a.conf and b.conf both use port 7000: two servers cannot listen on one port.');
    const circle = await importError(
      seedFolder({
        'a.conf': 'port 7000\nreplicaof 127.0.0.1 7001\n',
        'b.conf': 'port 7001\nreplicaof 127.0.0.1 7000\n',
      }),
    );
    expect(circle.error.code).toBe('rule');
    expect(circle.message).toContain('cannot go round in a circle');
    const empty = await importError(seedFolder({}));
    expect(empty.message).toMatch(/has no redis\.conf files/);
  });
});
