import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Topology, TopologyNode } from '../../api/topology.js';
import { exportConfigFolder, startOrder } from './export-configs.js';
import { importConfigFolder } from './import-configs.js';

const run = promisify(execFile);

/** A password with a space: the export must quote it, or redis-server reads two arguments. */
const PASSWORD = 'open sesame';

function node(port: number, extra: Partial<TopologyNode> = {}): TopologyNode {
  return {
    id: `n${port}`,
    name: `node ${port}`,
    engine: 'builtin',
    host: '127.0.0.1',
    port,
    position: { x: 0, y: 0 },
    settings: {},
    ...extra,
  };
}

/** The seed's topology on the given ports, a chained replica, a remote server, a few settings. */
function labTopology([master, replica1, replica2, chained]: number[]): Topology {
  return {
    version: 1,
    sentinels: [],
    name: 'Seed lab',
    nodes: [
      node(replica1!, {
        engine: 'redis-server',
        settings: { 'repl-diskless-sync-delay': '0', save: '', masterauth: PASSWORD },
      }),
      node(master!, {
        settings: {
          maxmemory: '104857600',
          requirepass: PASSWORD,
          'repl-diskless-sync-delay': '0',
          'notify-keyspace-events': 'xE',
          'client-output-buffer-limit': 'normal 0 0 0 slave 536870912 134217728 120 pubsub 33554432 8388608 60',
          save: '900 1 60 100',
        },
      }),
      node(replica2!, { settings: { masterauth: PASSWORD, 'repl-diskless-sync-delay': '0' } }),
      node(chained!, { settings: { 'replica-read-only': 'no' } }),
      node(6379, { id: 'remote', name: 'prod', engine: 'remote', host: '10.0.0.5' }),
    ],
    edges: [
      { replica: `n${replica1}`, master: `n${master}` },
      { replica: `n${chained}`, master: `n${replica2}` },
      { replica: `n${replica2}`, master: `n${master}` },
    ],
  };
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'h-files-export-'));
  made.push(dir);
  return dir;
}

describe('exportConfigFolder', () => {
  it("writes the seed's recipe: one redis_<port>.conf per node, scripts, compose file, README", async () => {
    const dir = tempDir();
    const topology = labTopology([6379, 6380, 6381, 6382]);
    topology.nodes = topology.nodes.filter((n) => n.engine !== 'remote');
    const files = await exportConfigFolder(topology, dir);
    expect(files).toEqual([
      'config/redis_6379.conf',
      'config/redis_6380.conf',
      'config/redis_6381.conf',
      'config/redis_6382.conf',
      'start.sh',
      'stop.sh',
      'docker-compose.yml',
      'README.txt',
    ]);
    const conf = readFileSync(join(dir, 'config/redis_6380.conf'), 'utf8');
    expect(conf).toContain(
      'port 6380\nbind 127.0.0.1\ndir ./\npidfile /var/run/redis_6380.pid\nlogfile "logfile-6380"\ndbfilename dump-6380.rdb\n',
    );
    expect(conf).toContain('\nreplicaof 127.0.0.1 6379\n');
    expect(conf).toContain('\n# Node settings\nmasterauth "open sesame"\nrepl-diskless-sync-delay 0\nsave ""\n');
    expect(readFileSync(join(dir, 'config/redis_6379.conf'), 'utf8')).not.toContain('replicaof');
    expect(readFileSync(join(dir, 'config/redis_6379.conf'), 'utf8')).toContain('requirepass "open sesame"\n');

    const start = readFileSync(join(dir, 'start.sh'), 'utf8');
    // The seed's command line for each node, masters first, the chained replica after its master.
    const commands = start.split('\n').filter((line) => line.startsWith('"$REDIS_SERVER"'));
    expect(commands).toEqual(
      [6379, 6380, 6381, 6382].map(
        (port) => `"$REDIS_SERVER" ./config/redis_${port}.conf --daemonize yes --pidfile "$PIDDIR/redis_${port}.pid"`,
      ),
    );
    expect(statSync(join(dir, 'start.sh')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, 'stop.sh'), 'utf8')).toContain("stop '127.0.0.1' 6382\nstop '127.0.0.1' 6381\n");

    const compose = readFileSync(join(dir, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(
      '  redis_6381:\n    image: redis:7.0\n    network_mode: host\n' +
        '    command: ["redis-server", "/usr/local/etc/redis/redis_6381.conf", "--logfile", ""]\n' +
        '    volumes:\n      - ./config/redis_6381.conf:/usr/local/etc/redis/redis_6381.conf:ro\n' +
        '      - data_6381:/data\n    depends_on:\n      - redis_6379\n',
    );
    const services = (parse(compose) as { services: Record<string, { depends_on?: string[] }> }).services;
    expect(Object.keys(services)).toEqual(['redis_6379', 'redis_6380', 'redis_6381', 'redis_6382']);
    expect(services.redis_6382!.depends_on).toEqual(['redis_6381']);
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain(
      'redis_6382  127.0.0.1:6382  replica of 127.0.0.1:6381',
    );
  });

  it('lists remote servers as comments and starts only local nodes', async () => {
    const dir = tempDir();
    const files = await exportConfigFolder(labTopology([7000, 7001, 7002, 7003]), dir);
    expect(files.filter((f) => f.startsWith('config/'))).toHaveLength(4);
    const compose = readFileSync(join(dir, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('#   prod at 10.0.0.5:6379 (master)');
    expect(compose).not.toContain('redis_6379:');
  });

  it('keeps names with line breaks inside their comments', async () => {
    const dir = tempDir();
    const topology = { ...labTopology([7000, 7001, 7002, 7003]), name: 'lab\ntouch /tmp/pwned\nport 1' };
    topology.nodes[0] = { ...topology.nodes[0]!, name: 'a\r\nbind 0.0.0.0' };
    await exportConfigFolder(topology, dir);
    for (const file of ['start.sh', 'stop.sh', 'docker-compose.yml', 'config/redis_7001.conf']) {
      const lines = readFileSync(join(dir, file), 'utf8').split('\n');
      expect(lines.filter((line) => /^(touch|port 1$|bind 0\.0\.0\.0)/.test(line))).toEqual([]);
    }
  });

  it('imports back to the same structure', async () => {
    const dir = tempDir();
    const topology = labTopology([7000, 7001, 7002, 7003]);
    await exportConfigFolder(topology, dir);
    const back = await importConfigFolder(dir);
    const local = startOrder(topology);
    const portOf = (id: string) => topology.nodes.find((n) => n.id === id)!.port;
    expect(back.nodes.map((n) => [n.port, n.settings]).sort()).toEqual(local.map((n) => [n.port, n.settings]).sort());
    const edges = (t: Topology, port: (id: string) => number) =>
      t.edges.map((e) => `${port(e.replica)}->${port(e.master)}`).sort();
    expect(edges(back, (id) => Number(id.slice('node-'.length)))).toEqual(edges(topology, portOf));
  });

  it('refuses two local nodes on one port (their files would share a name)', async () => {
    const topology: Topology = {
      version: 1,
      sentinels: [],
      name: 'x',
      nodes: [node(7000), node(7000, { id: 'b', host: '127.0.0.2' })],
      edges: [],
    };
    await expect(exportConfigFolder(topology, tempDir())).rejects.toThrow(/share port 7000/);
  });
});

describe('an exported folder run with redis-server', () => {
  const ports = [22601, 22602, 22603, 22604];

  /** The master has a password: stop.sh's SHUTDOWN is refused there and it falls back to the pid file. */
  const cli = (port: number, ...args: string[]) =>
    run('redis-cli', [
      '-p',
      String(port),
      ...(port === ports[0] ? ['--no-auth-warning', '-a', PASSWORD] : []),
      ...args,
    ]);

  async function replication(port: number): Promise<string> {
    const { stdout } = await cli(port, 'info', 'replication');
    return stdout;
  }

  it('start.sh brings the replicas up, stop.sh stops every server', async () => {
    const dir = tempDir();
    const topology = labTopology(ports);
    topology.nodes = topology.nodes.filter((n) => n.engine !== 'remote');
    await exportConfigFolder(topology, dir);
    try {
      const started = await run('sh', [join(dir, 'start.sh')], { timeout: 20_000 });
      expect(started.stdout).toContain('Started: redis_22601');
      const deadline = Date.now() + 15_000;
      let texts: string[] = [];
      for (;;) {
        texts = await Promise.all(ports.slice(1).map(replication));
        if (texts.every((text) => text.includes('master_link_status:up')) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const text of texts) expect(text).toContain('master_link_status:up');
      expect(texts[2]).toContain('master_port:22603');
      expect(await replication(ports[0]!)).toContain('connected_slaves:2');
      expect(readFileSync(join(dir, 'logfile-22601'), 'utf8')).toContain('Ready to accept connections');
      // Each server runs with the node's settings, as CONFIG GET prints them.
      for (const each of topology.nodes) {
        for (const [name, value] of Object.entries(each.settings)) {
          const { stdout } = await cli(each.port, 'config', 'get', name);
          expect(stdout).toBe(`${name}\n${value}\n`);
        }
      }

      await run('sh', [join(dir, 'stop.sh')], { timeout: 20_000 });
      for (const port of ports) {
        await expect(cli(port, 'ping')).rejects.toThrow();
      }
    } finally {
      for (const port of ports) {
        await cli(port, 'shutdown', 'nosave').catch(() => undefined);
      }
    }
  }, 60_000);

  it('keeps pid files in the folder when /var/run is not writable (not root)', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    const pair = [22611, 22612];
    const topology: Topology = {
      version: 1,
      sentinels: [],
      name: 'Not root',
      nodes: pair.map((port) => node(port)),
      edges: [{ replica: `n${pair[1]}`, master: `n${pair[0]}` }],
    };
    await exportConfigFolder(topology, dir);
    // As root, run the scripts as nobody; any other user is already not root.
    const asUser = (script: string) =>
      process.getuid?.() === 0
        ? run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', join(dir, script)], {
            timeout: 20_000,
          })
        : run('sh', [join(dir, script)], { timeout: 20_000 });
    try {
      await asUser('start.sh');
      for (const port of pair) {
        const pid = readFileSync(join(dir, `redis_${port}.pid`), 'utf8').trim();
        expect(readFileSync(`/proc/${pid}/cmdline`, 'latin1')).toContain(`redis-server`);
      }
      await asUser('stop.sh');
      for (const port of pair) {
        await expect(run('redis-cli', ['-p', String(port), 'ping'])).rejects.toThrow();
        expect(existsSync(join(dir, `redis_${port}.pid`))).toBe(false);
      }
    } finally {
      for (const port of pair) {
        await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => undefined);
      }
    }
  }, 60_000);
});
