import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkSettings, confValue, nodePaths, prepareNodeFolder, renderRedisConf } from './workspace.js';

describe('workspace', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("names a node's files as the seed does", () => {
    expect(nodePaths('/w', 6380)).toEqual({
      dir: '/w/nodes/6380',
      conf: '/w/nodes/6380/redis_6380.conf',
      dbfilename: 'dump-6380.rdb',
      rdb: '/w/nodes/6380/dump-6380.rdb',
      log: '/w/nodes/6380/logfile-6380',
      pid: '/w/nodes/6380/redis_6380.pid',
    });
  });

  it('renders a redis.conf with the seed directives, replicaof and extra settings', () => {
    const text = renderRedisConf(
      {
        id: 'replica-1',
        port: 6380,
        replicaOf: { host: '127.0.0.1', port: 6379 },
        settings: { 'repl-diskless-sync': 'no', save: '3600 1 300 100', masterauth: 'p"w d' },
      },
      nodePaths('/w', 6380),
      new Date('2026-11-24T12:00:00Z'),
    );
    expect(text).toBe(
      [
        '# redis.conf for node replica-1, written by Replica Lab on 2026-11-24T12:00:00.000Z.',
        '# Starts the same node with redis-server or the built-in engine:',
        '#   redis-server /w/nodes/6380/redis_6380.conf',
        '# The lab rewrites this file each time it starts the node.',
        '',
        'port 6380',
        'bind 127.0.0.1',
        'daemonize no',
        'dir "/w/nodes/6380"',
        'pidfile "/w/nodes/6380/redis_6380.pid"',
        'logfile "/w/nodes/6380/logfile-6380"',
        'dbfilename "dump-6380.rdb"',
        '# The lab uses DEBUG (e.g. DEBUG SLEEP, DEBUG RELOAD) to stage faults.',
        'enable-debug-command yes',
        '',
        '################################# REPLICATION #################################',
        'replicaof 127.0.0.1 6379',
        '',
        '# Node settings',
        'repl-diskless-sync no',
        'save 3600 1 300 100',
        'masterauth "p\\"w d"',
        '',
      ].join('\n'),
    );
  });

  it('quotes what redis.conf would otherwise read differently', () => {
    expect(confValue('yes')).toBe('yes');
    expect(confValue('')).toBe('""');
    expect(confValue('/a dir/x', true)).toBe('"/a dir/x"');
    expect(confValue('tab\there\\')).toBe('"tab\\there\\\\"');
    expect(confValue("it's")).toBe('"it\'s"');
    expect(confValue('\x01')).toBe('"\\x01"');
  });

  it('refuses settings the lab manages itself', () => {
    expect(checkSettings({ maxmemory: '10mb' })).toBeUndefined();
    expect(checkSettings({ Port: '1' })).toBe(
      'The setting "Port" is managed by the lab (it follows the node\'s port, folder and replication edge).',
    );
    expect(checkSettings({ 'bad name': '1' })).toBe('"bad name" is not a redis.conf directive name.');
    expect(() => renderRedisConf({ id: 'x', port: 1, settings: { dir: '/tmp' } }, nodePaths('/w', 1))).toThrow(
      'The setting "dir" is managed by the lab',
    );
  });

  it('creates the folder and writes the conf', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'replica-lab-ws-'));
    dirs.push(workspace);
    const paths = await prepareNodeFolder(workspace, { id: 'm', port: 6379 });
    expect(readFileSync(paths.conf, 'utf8')).toMatch(/^port 6379$/m);
  });
});
