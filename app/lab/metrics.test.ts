import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RespConnection } from '../resp/connection.js';
import { MetricsPoller } from './metrics.js';
import { eventually, openTestLab, TEST_ENGINES, type TestLab } from './testing.js';
import type { MetricsBatch, NodeMetrics } from './types.js';

/** Ports 22500-22529: 15 per engine. */
const BASE_PORTS = { builtin: 22500, 'redis-server': 22515 } as const;

describe.each(TEST_ENGINES)('MetricsPoller on %s', (engine) => {
  const base = BASE_PORTS[engine];
  let lab: TestLab | undefined;
  let poller: MetricsPoller | undefined;

  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    await lab?.close();
    lab = undefined;
  });

  it('reports role, link, keys, offsets and lag of a master and its replica, in batches', async () => {
    lab = await openTestLab(base);
    // No 5 s wait before the diskless transfer (Redis's default delay).
    const master = await lab.supervisor.start({ id: 'master', engine, settings: { 'repl-diskless-sync-delay': '0' } });
    const replica = await lab.supervisor.start({
      id: 'replica',
      engine,
      replicaOf: { host: '127.0.0.1', port: master.port },
    });
    poller = new MetricsPoller({ intervalMs: 100 });
    poller.setTargets([
      { id: 'master', host: '127.0.0.1', port: master.port },
      { id: 'replica', host: '127.0.0.1', port: replica.port },
    ]);
    const batches: MetricsBatch[] = [];
    poller.on('metrics', (batch) => batches.push(batch));
    poller.start();

    await eventually(() => (poller!.latest('replica')?.linkStatus === 'up' ? true : undefined));
    // Written after the link is up, so they travel the replication stream and move the offsets.
    const client = await RespConnection.connect(master.port);
    try {
      await client.call('SET', 'name', '6379');
      await client.call('SET', 'other', 'x');
    } finally {
      client.destroy();
    }
    const synced = await eventually(() => {
      const r = poller!.latest('replica');
      return r?.linkStatus === 'up' && r.keys === 2 && r.lagBytes === 0 ? r : undefined;
    });
    const m = poller.latest('master')!;
    expect(m).toMatchObject({ id: 'master', reachable: true, role: 'master', keys: 2, syncInProgress: false });
    expect(m.replicas).toEqual([
      { ip: '127.0.0.1', port: replica.port, state: 'online', offset: expect.any(Number), lag: expect.any(Number) },
    ]);
    expect(m.masterReplOffset).toBeGreaterThan(0);
    expect(m.usedMemory).toBeGreaterThan(0);
    expect(m.connectedClients).toBeGreaterThanOrEqual(1);
    expect(m.replicationInfo).toMatch(/^# Replication\nrole:master\nconnected_slaves:1\nslave0:ip=127\.0\.0\.1,/);

    expect(synced).toMatchObject({
      role: 'replica',
      masterHost: '127.0.0.1',
      masterPort: master.port,
      linkStatus: 'up',
      syncInProgress: false,
      lagBytes: 0,
    });
    expect(synced.replicaOffset).toBe(m.masterReplOffset);
    expect(synced.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(synced.replicationInfo).toMatch(/^# Replication\nrole:slave\nmaster_host:127\.0\.0\.1\n/);

    // One event per tick, each holding only changed nodes.
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      expect(new Set(batch.nodes.map((n) => n.id)).size).toBe(batch.nodes.length);
      expect(JSON.parse(JSON.stringify(batch))).toEqual(batch);
    }
  });

  it('reports a frozen node as not answering, and a stopped one as unreachable, without throwing', async () => {
    lab = await openTestLab(base + 10);
    const node = await lab.supervisor.start({ id: 'n', engine });
    poller = new MetricsPoller({ intervalMs: 100, timeoutMs: 300 });
    poller.setTarget({ id: 'n', host: '127.0.0.1', port: node.port });
    expect((await poller.tick()).nodes[0]).toMatchObject({ id: 'n', reachable: true });

    await lab.supervisor.freeze('n');
    const frozen = (await poller.tick()).nodes[0]!;
    expect(frozen.reachable).toBe(false);
    expect(frozen.error).toMatch(/^no reply to INFO within 300 ms/);
    expect((await poller.tick()).nodes[0]?.error).toBe(
      'not answering: an INFO sent earlier has no reply yet (frozen or busy)',
    );
    // Unchanged since the last tick: nothing to send.
    expect((await poller.tick()).nodes).toEqual([]);

    await lab.supervisor.thaw('n');
    await eventually(async () => ((await poller!.tick(), poller!.latest('n'))?.reachable ? true : undefined));

    await lab.supervisor.stop('n');
    const gone: NodeMetrics = await eventually(async () => {
      await poller!.tick();
      const latest = poller!.latest('n');
      return latest?.error?.startsWith('cannot connect') ? latest : undefined;
    });
    expect(gone.error).toBe(`cannot connect to 127.0.0.1:${node.port}: connection refused`);

    // It comes back on its own when the node does.
    await lab.supervisor.restart('n');
    await eventually(async () => ((await poller!.tick(), poller!.latest('n'))?.reachable ? true : undefined));
  });
});

describe('MetricsPoller across engines', () => {
  it('follows a redis-server replica of a builtin master (the seed, mixed)', async () => {
    const lab = await openTestLab(22505);
    const poller = new MetricsPoller({ intervalMs: 100 });
    try {
      const master = await lab.supervisor.start({
        id: 'm',
        engine: 'builtin',
        settings: { 'repl-diskless-sync-delay': '0' },
      });
      const replicaOf = { host: '127.0.0.1', port: master.port };
      const r1 = await lab.supervisor.start({ id: 'r1', engine: 'redis-server', replicaOf });
      const r2 = await lab.supervisor.start({ id: 'r2', engine: 'builtin', replicaOf });
      poller.setTargets([master, r1, r2].map((n) => ({ id: n.id, host: '127.0.0.1', port: n.port })));
      poller.start();
      await eventually(() => (['r1', 'r2'].every((id) => poller.latest(id)?.linkStatus === 'up') ? true : undefined));
      const client = await RespConnection.connect(master.port);
      try {
        await client.call('SET', 'name', 'seed');
      } finally {
        client.destroy();
      }
      for (const id of ['r1', 'r2']) {
        const replica = await eventually(() => {
          const m = poller.latest(id);
          return m?.keys === 1 && m.lagBytes === 0 ? m : undefined;
        });
        expect(replica.replicaOffset).toBe(poller.latest('m')!.masterReplOffset);
      }
      expect(
        poller
          .latest('m')!
          .replicas.map((r) => r.port)
          .sort(),
      ).toEqual([r1.port, r2.port].sort());
    } finally {
      await poller.stop();
      await lab.close();
    }
  });
});

describe('MetricsPoller batching', () => {
  /** A fake server whose INFO reply is whatever `info` holds at the time. */
  async function fakeServer(info: { text: string }): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', (chunk) => {
        for (const command of chunk.toString('latin1').split('*').slice(1)) {
          if (/INFO/i.test(command)) socket.write(`$${Buffer.byteLength(info.text)}\r\n${info.text}\r\n`);
          else socket.write('+OK\r\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    return {
      port,
      close: () =>
        new Promise<void>((r) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => r());
        }),
    };
  }

  const infoText = (usedMemory: number, keys: number) =>
    `# Memory\r\nused_memory:${usedMemory}\r\n\r\n# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n\r\n# Keyspace\r\ndb0:keys=${keys},expires=0,avg_ttl=0\r\n`;

  it('sends a node again only when something changed, memory by more than 5%', async () => {
    const info = { text: infoText(1_000_000, 1) };
    const server = await fakeServer(info);
    const poller = new MetricsPoller({ intervalMs: 100 });
    try {
      poller.setTarget({ id: 'a', host: '127.0.0.1', port: server.port });
      expect((await poller.tick()).nodes.map((n) => [n.usedMemory, n.keys])).toEqual([[1_000_000, 1]]);
      expect((await poller.tick()).nodes).toEqual([]);
      info.text = infoText(1_040_000, 1);
      expect((await poller.tick()).nodes).toEqual([]);
      // The latest value is always there for who asks.
      expect(poller.latest('a')!.usedMemory).toBe(1_040_000);
      info.text = infoText(1_060_000, 1);
      expect((await poller.tick()).nodes.map((n) => n.usedMemory)).toEqual([1_060_000]);
      info.text = infoText(1_060_000, 2);
      expect((await poller.tick()).nodes.map((n) => n.keys)).toEqual([2]);
    } finally {
      await poller.stop();
      await server.close();
    }
  });

  it('does not resend a replica for ages that tick on an idle link, until they grow past 10 s', async () => {
    const replicaInfo = (lastIo: number) =>
      `# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:1\r\nmaster_link_status:up\r\n` +
      `master_last_io_seconds_ago:${lastIo}\r\nmaster_sync_in_progress:0\r\nslave_repl_offset:14\r\n`;
    const info = { text: replicaInfo(3) };
    const server = await fakeServer(info);
    const poller = new MetricsPoller({ intervalMs: 100 });
    try {
      poller.setTarget({ id: 'r', host: '127.0.0.1', port: server.port });
      expect((await poller.tick()).nodes.map((n) => n.masterLastIoSecondsAgo)).toEqual([3]);
      info.text = replicaInfo(9);
      expect((await poller.tick()).nodes).toEqual([]);
      info.text = replicaInfo(15);
      const [sent] = (await poller.tick()).nodes;
      expect(sent).toMatchObject({ masterLastIoSecondsAgo: 15, lagSeconds: 15 });
      expect(sent!.replicationInfo).toContain('master_last_io_seconds_ago:15');
    } finally {
      await poller.stop();
      await server.close();
    }
  });

  it('falls back to plain INFO for servers before Redis 7 (one section at most)', async () => {
    const info = { text: infoText(1_000_000, 3) };
    const sockets = new Set<Socket>();
    const commands: string[] = [];
    // Redis 6.0's infoCommand(): more than one argument is a syntax error.
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk) => {
        for (const command of chunk.toString('latin1').split('*').slice(1)) {
          const argc = Number(command.slice(0, command.indexOf('\r')));
          if (/INFO/i.test(command)) {
            commands.push(`INFO/${argc}`);
            if (argc > 2) socket.write('-ERR syntax error\r\n');
            else socket.write(`$${Buffer.byteLength(info.text)}\r\n${info.text}\r\n`);
          } else socket.write('+OK\r\n');
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const poller = new MetricsPoller({ intervalMs: 100 });
    try {
      poller.setTarget({ id: 'old', host: '127.0.0.1', port: (server.address() as AddressInfo).port });
      expect((await poller.tick()).nodes).toMatchObject([{ id: 'old', reachable: true, keys: 3 }]);
      await poller.tick();
      expect(commands).toEqual(['INFO/6', 'INFO/1', 'INFO/1']);
    } finally {
      await poller.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
