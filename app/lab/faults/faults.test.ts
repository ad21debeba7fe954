/**
 * Link faults through the lab, on both engines (issue 7 §5): a cut link heals with a
 * partial resync when the gap fits the backlog and a full one when it does not, the
 * timeline's explanation matches the master's INFO stats, the data sets agree after
 * each heal, a proxied link survives the replica's restart, and the syncs a promotion,
 * a FAILOVER and a master's restart cause are explained as the masters counted them.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../api/runtime';
import type { RespValue } from '../../resp/reply-parser';
import { sendNodeCommand } from '../node-command';
import { eventually, TEST_ENGINES } from '../testing';
import { openTestService, type ServiceHarness } from '../testing-service';

const BASE_PORTS = {
  partial: { builtin: 23200, 'redis-server': 23210 },
  full: { builtin: 23220, 'redis-server': 23230 },
  restart: { builtin: 23240, 'redis-server': 23250 },
  failover: { builtin: 23260, 'redis-server': 23270 },
  oneWay: { builtin: 23280, 'redis-server': 23290 },
  saved: { builtin: 23600, 'redis-server': 23610 },
} as const;

function text(reply: RespValue): string {
  return reply.type === 'bulk' || reply.type === 'simple' || reply.type === 'verbatim'
    ? reply.value
    : JSON.stringify(reply);
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/** A master and one replica with a short repl-timeout and the given backlog, linked. */
async function pair(harness: ServiceHarness, engine: 'builtin' | 'redis-server', backlog: string) {
  const { call } = harness;
  const master = await call('node.create', { role: 'master', engine });
  for (const [name, value] of [
    ['repl-timeout', '2'],
    ['repl-backlog-size', backlog],
    ['repl-diskless-sync-delay', '0'],
  ])
    await call('node.configSet', { id: master.id, name, value });
  const replica = await call('node.create', { role: 'replica', engine, masterId: master.id });
  await call('node.configSet', { id: replica.id, name: 'repl-timeout', value: '2' });
  const snapshot = await call('lab.snapshot', {});
  const port = (id: string) => snapshot.topology.nodes.find((n) => n.id === id)!.port;
  const run = async (id: string, ...args: string[]) =>
    text(await sendNodeCommand({ host: '127.0.0.1', port: port(id) }, args));
  const replication = (id: string) => run(id, 'INFO', 'replication');
  const stats = async () => {
    const info = await run(master.id, 'INFO', 'stats');
    return {
      full: Number(field(info, 'sync_full')),
      partialOk: Number(field(info, 'sync_partial_ok')),
      partialErr: Number(field(info, 'sync_partial_err')),
    };
  };
  const linkUp = (masterPort: number) =>
    eventually(async () => {
      const info = await replication(replica.id);
      return field(info, 'master_port') === String(masterPort) && field(info, 'master_link_status') === 'up'
        ? true
        : undefined;
    }, 15_000);
  const linkDown = () =>
    eventually(
      async () => (field(await replication(replica.id), 'master_link_status') === 'down' ? true : undefined),
      10_000,
    );
  const digestsAgree = () =>
    eventually(async () => {
      const [a, b] = await Promise.all([run(master.id, 'DEBUG', 'DIGEST'), run(replica.id, 'DEBUG', 'DIGEST')]);
      return a === b ? a : undefined;
    }, 10_000);
  /** The timeline has explained every sync the master counted (it has one replica): a seq to count from. */
  const caughtUp = () =>
    eventually(async () => {
      const { full, partialOk } = await stats();
      const explained = harness.timeline.filter((e) => e.kind === 'sync' && e.edge?.replica === replica.id);
      return explained.length === full + partialOk ? (harness.timeline.at(-1)?.seq ?? 0) : undefined;
    }, 10_000).catch(async (error: unknown) => {
      const syncs = harness.timeline.filter((e) => e.kind === 'sync').map((e) => e.title);
      throw new Error(`${String(error)}; counters ${JSON.stringify(await stats())}; sync events: ${syncs.join(' | ')}`);
    });
  await linkUp(port(master.id));
  return { master: master.id, replica: replica.id, port, run, stats, linkUp, linkDown, digestsAgree, caughtUp };
}

/** The 'sync' events for `replica` added after timeline seq `after`. */
function syncEvents(harness: ServiceHarness, replica: string, after: number): TimelineEvent[] {
  return harness.timeline.filter((e) => e.kind === 'sync' && e.edge?.replica === replica && e.seq > after);
}

describe.each(TEST_ENGINES)('link faults on %s', (engine) => {
  it('a cut link heals with a partial resync when the gap fits the backlog', async () => {
    const harness = await openTestService(BASE_PORTS.partial[engine]);
    const { call } = harness;
    const p = await pair(harness, engine, '1mb');
    for (let i = 0; i < 20; i++) await p.run(p.master, 'SET', `before:${i}`, `value ${i}`);

    const link = await call('edge.fault', { replica: p.replica, fault: { cut: 'both' } });
    expect(link.proxy).toBeDefined();
    expect(harness.log.some((entry) => entry.command.endsWith(`REPLICAOF 127.0.0.1 ${link.proxy!.port}`))).toBe(true);
    // Inserting the proxy was itself a partial resync through it, before the cut.
    await p.caughtUp();
    expect(syncEvents(harness, p.replica, 0).map((e) => e.sync?.mode)).toEqual(['full', 'partial']);
    await p.linkDown();
    for (let i = 0; i < 10; i++) await p.run(p.master, 'SET', `during:${i}`, `value ${i}`);
    const seq = await p.caughtUp();
    const before = await p.stats();

    await call('edge.heal', { replica: p.replica, direct: false });
    await p.linkUp(link.proxy!.port);
    const event = await eventually(() => syncEvents(harness, p.replica, seq)[0], 10_000);
    const after = await p.stats();
    expect(after.partialOk - before.partialOk).toBe(1);
    expect(after.full - before.full).toBe(0);
    expect(event.sync?.mode).toBe('partial');
    expect(event.sync?.reason).toMatch(/^the gap fitted in the backlog: \d+ bytes of 1048576$/);
    expect(event.sync?.gapBytes).toBeGreaterThan(0);
    expect(event.sync?.evidence).toContain(
      `redis_${p.port(p.master)} INFO stats sync_partial_ok ${before.partialOk}→${after.partialOk}`,
    );
    expect(event.sync?.evidence.some((line) => /Partial resynchronization request from .* accepted/.test(line))).toBe(
      true,
    );
    expect(syncEvents(harness, p.replica, seq)).toHaveLength(1);
    await p.digestsAgree();
    expect(await p.run(p.replica, 'GET', 'during:9')).toBe('value 9');
    expect(harness.timeline.filter((e) => e.kind === 'fault').map((e) => e.title)).toEqual([
      expect.stringMatching(/cut both ways \(now through the lab's proxy/),
      expect.stringMatching(/healed \(was: cut both ways\)/),
    ]);
  }, 30_000);

  it('a cut link heals with a full resync when the gap does not fit the backlog, and a direct heal closes the proxy', async () => {
    const harness = await openTestService(BASE_PORTS.full[engine]);
    const { call } = harness;
    const p = await pair(harness, engine, '16384');
    const link = await call('edge.fault', { replica: p.replica, fault: { cut: 'to-replica' } });
    await p.linkDown();
    const value = 'x'.repeat(2000);
    for (let i = 0; i < 100; i++) await p.run(p.master, 'SET', `big:${i}`, value);
    const seq = await p.caughtUp();
    const before = await p.stats();

    await call('edge.heal', { replica: p.replica, direct: false });
    await p.linkUp(link.proxy!.port);
    const event = await eventually(() => syncEvents(harness, p.replica, seq)[0], 10_000);
    const after = await p.stats();
    expect(after.full - before.full).toBe(1);
    expect(after.partialErr - before.partialErr).toBe(1);
    expect(after.partialOk - before.partialOk).toBe(0);
    expect(event.sync?.mode).toBe('full');
    expect(event.sync?.reason).toMatch(/^the gap did not fit in the backlog: the replica asked for offset \d+/);
    expect(event.sync?.evidence).toContain(
      `redis_${p.port(p.master)} INFO stats sync_full ${before.full}→${after.full}`,
    );
    expect(event.sync?.evidence.some((line) => /for lack of backlog/.test(line))).toBe(true);
    await p.digestsAgree();

    // Straight to the master again: the proxy goes away, the replica names the master itself.
    await call('edge.heal', { replica: p.replica, direct: true });
    expect((await call('lab.snapshot', {})).links).toEqual({});
    await p.linkUp(p.port(p.master));
    await p.digestsAgree();
    await expect(sendNodeCommand({ host: '127.0.0.1', port: link.proxy!.port }, ['PING'], 500)).rejects.toThrow();
  }, 30_000);

  it('a link whose ACKs are cut is dropped by the master after repl-timeout, and heals with a partial resync', async () => {
    const harness = await openTestService(BASE_PORTS.oneWay[engine]);
    const { call } = harness;
    const p = await pair(harness, engine, '1mb');
    const link = await call('edge.fault', { replica: p.replica, fault: { cut: 'to-master' } });
    await p.caughtUp();
    // The master's stream still flows: a write reaches the replica while its ACKs do not come back.
    expect(await p.run(p.master, 'SET', 'flowing', 'yes')).toBe('OK');
    await eventually(async () => ((await p.run(p.replica, 'GET', 'flowing')) === 'yes' ? true : undefined), 2_000);
    await p.linkDown();
    for (let i = 0; i < 10; i++) await p.run(p.master, 'SET', `during:${i}`, `value ${i}`);
    const seq = await p.caughtUp();
    const before = await p.stats();

    await call('edge.heal', { replica: p.replica, direct: false });
    await p.linkUp(link.proxy!.port);
    const event = await eventually(() => syncEvents(harness, p.replica, seq)[0], 10_000);
    const after = await p.stats();
    expect(event.sync?.mode).toBe('partial');
    expect(after.partialOk - before.partialOk).toBe(1);
    expect(after.full - before.full).toBe(0);
    await p.digestsAgree();
  }, 30_000);

  it('a proxied link stays proxied when the replica restarts', async () => {
    const harness = await openTestService(BASE_PORTS.restart[engine]);
    const { call } = harness;
    const p = await pair(harness, engine, '1mb');
    const link = await call('edge.fault', { replica: p.replica, fault: { latencyMs: 20, jitterMs: 10 } });
    const counted = harness.waitFor('links', (links) => (links[p.replica]?.bytesToReplica ?? 0) > 500, 5_000);
    for (let i = 0; i < 20; i++) await p.run(p.master, 'SET', `key:${i}`, `value ${i}`);
    expect((await counted)[p.replica]?.bytesToMaster).toBeGreaterThan(0);
    // The poller knows the proxy stands for the master: the replica's lag is computed.
    await eventually(async () => {
      const metrics = (await call('lab.snapshot', {})).nodes[p.replica]?.metrics;
      return metrics?.lagBytes !== undefined ? true : undefined;
    }, 5_000);
    await p.digestsAgree();
    const seq = await p.caughtUp();
    const before = await p.stats();

    await call('node.restart', { id: p.replica });
    await p.linkUp(link.proxy!.port);
    await p.digestsAgree();
    const snapshot = await call('lab.snapshot', {});
    expect(snapshot.links[p.replica]?.proxy?.port).toBe(link.proxy!.port);
    expect(snapshot.links[p.replica]?.connections).toBeGreaterThan(0);
    expect(snapshot.topology.edges).toEqual([
      {
        replica: p.replica,
        master: p.master,
        fault: { cut: 'none', latencyMs: 20, jitterMs: 10, bandwidthKbps: 0 },
      },
    ]);
    // The sync after the restart is on the timeline, and agrees with the counters.
    const event = await eventually(() => syncEvents(harness, p.replica, seq)[0], 10_000);
    const after = await p.stats();
    if (event.sync?.mode === 'partial') expect(after.partialOk - before.partialOk).toBe(1);
    else expect(after.full - before.full).toBe(1);

    // Without its dump file it has no history to continue: a full resync, as a new replica.
    const emptySeq = await p.caughtUp();
    await call('node.restart', { id: p.replica, dump: 'delete' });
    await p.linkUp(link.proxy!.port);
    const empty = await eventually(() => syncEvents(harness, p.replica, emptySeq)[0], 10_000);
    expect(empty.sync?.mode).toBe('full');
    expect(empty.sync?.reason).toMatch(/^a new replica/);
    expect((await p.stats()).full - after.full).toBe(1);
    await p.digestsAgree();

    // A REPLICAOF typed outside the lab points it straight at its master: the proxy goes.
    expect(await p.run(p.replica, 'REPLICAOF', '127.0.0.1', String(p.port(p.master)))).toBe('OK');
    await eventually(async () => (Object.keys((await call('lab.snapshot', {})).links).length === 0 ? true : undefined));
    expect(harness.timeline.some((e) => /proxy .* is closed: the replica was pointed straight/.test(e.title))).toBe(
      true,
    );
    // Its redis.conf follows: restarted, it goes to the master itself.
    await call('node.restart', { id: p.replica });
    await p.linkUp(p.port(p.master));
  }, 30_000);
});

describe.each(TEST_ENGINES)('faults in topology files on %s', (engine) => {
  it('a faulted link is saved with the topology and comes back, through a proxy, when the file is opened', async () => {
    const harness = await openTestService(BASE_PORTS.saved[engine]);
    const { call } = harness;
    const p = await pair(harness, engine, '1mb');
    const fault = { cut: 'none', latencyMs: 150, jitterMs: 0, bandwidthKbps: 64 } as const;
    await call('edge.fault', { replica: p.replica, fault });
    const { yaml } = await call('topology.toYaml', {});
    expect(yaml).toMatch(/fault: \{ cut: none, latencyMs: 150, jitterMs: 0, bandwidthKbps: 64 \}/);
    const { path } = await call('topology.save', { path: 'faulted.yaml' });

    await call('edge.heal', { replica: p.replica, direct: true });
    expect((await call('lab.snapshot', {})).topology.edges[0]?.fault).toBeUndefined();
    await call('topology.open', { path });
    const snapshot = await eventually(async () => {
      const s = await call('lab.snapshot', {});
      return s.links[p.replica]?.proxy ? s : undefined;
    }, 20_000);
    expect(snapshot.links[p.replica]?.fault).toEqual(fault);
    expect(snapshot.topology.edges[0]?.fault).toEqual(fault);
    await p.linkUp(snapshot.links[p.replica]!.proxy!.port);
  }, 40_000);
});

describe.each(TEST_ENGINES)('sync explanations without a proxy on %s', (engine) => {
  it('explains the syncs a promotion and a FAILOVER cause, as the new master counted them', async () => {
    const harness = await openTestService(BASE_PORTS.failover[engine]);
    const { call } = harness;
    const master = await call('node.create', { role: 'master', engine });
    await call('node.configSet', { id: master.id, name: 'repl-diskless-sync-delay', value: '0' });
    const r1 = await call('node.create', { role: 'replica', engine, masterId: master.id });
    const r2 = await call('node.create', { role: 'replica', engine, masterId: master.id });
    for (const id of [r1.id, r2.id]) await call('node.configSet', { id, name: 'repl-diskless-sync-delay', value: '0' });
    const snapshot = await call('lab.snapshot', {});
    const port = (id: string) => snapshot.topology.nodes.find((n) => n.id === id)!.port;
    const run = async (id: string, ...args: string[]) =>
      text(await sendNodeCommand({ host: '127.0.0.1', port: port(id) }, args));
    const linkUp = (id: string, masterId: string) =>
      eventually(async () => {
        const info = await run(id, 'INFO', 'replication');
        return field(info, 'master_port') === String(port(masterId)) && field(info, 'master_link_status') === 'up'
          ? true
          : undefined;
      }, 15_000);
    const digestsAgree = (ids: string[]) =>
      eventually(async () => {
        const digests = await Promise.all(ids.map((id) => run(id, 'DEBUG', 'DIGEST')));
        return new Set(digests).size === 1 ? true : undefined;
      }, 10_000);
    const partialOk = async (id: string) => Number(field(await run(id, 'INFO', 'stats'), 'sync_partial_ok'));
    const explained = (replica: string, master: string) =>
      harness.timeline.filter((e) => e.kind === 'sync' && e.edge?.replica === replica && e.edge.master === master);
    await Promise.all([linkUp(r1.id, master.id), linkUp(r2.id, master.id)]);
    for (let i = 0; i < 20; i++) await run(master.id, 'SET', `key:${i}`, `value ${i}`);
    await digestsAgree([master.id, r1.id, r2.id]);

    // r2 follows the promoted r1 with a partial resync: r1 still holds their shared history.
    await call('node.promote', { id: r1.id });
    await linkUp(r2.id, r1.id);
    const promoted = await eventually(() => explained(r2.id, r1.id)[0], 10_000);
    expect(promoted.sync?.mode).toBe('partial');
    expect(await partialOk(r1.id)).toBe(1);
    expect(promoted.sync?.evidence).toContain(`redis_${port(r1.id)} INFO stats sync_partial_ok 0→1`);

    // FAILOVER TO r2: r1 becomes r2's replica, again without a full resync.
    await run(r1.id, 'SET', 'before', 'failover');
    expect((await call('node.failover', { id: r2.id })).reply).toBe('OK');
    await linkUp(r1.id, r2.id);
    const handedOver = await eventually(() => explained(r1.id, r2.id)[0], 10_000);
    expect(handedOver.sync?.mode).toBe('partial');
    expect(await partialOk(r2.id)).toBe(1);
    const digests = await Promise.all([r1.id, r2.id].map((id) => run(id, 'DEBUG', 'DIGEST')));
    expect(digests[0]).toBe(digests[1]);

    // The master restarts: its counters start again from zero, and the sync its replica
    // then does is explained from the new process's counters and log.
    // (once the canvas has followed the FAILOVER: until then r2's redis.conf still says replicaof)
    await eventually(async () => {
      const edges = (await call('lab.snapshot', {})).topology.edges;
      return edges.length === 1 && edges[0]!.replica === r1.id && edges[0]!.master === r2.id ? true : undefined;
    });
    const seen = explained(r1.id, r2.id).length;
    await call('node.restart', { id: r2.id });
    await linkUp(r1.id, r2.id);
    const afterRestart = await eventually(() => explained(r1.id, r2.id)[seen], 15_000);
    const stats = await run(r2.id, 'INFO', 'stats');
    const counted = afterRestart.sync?.mode === 'partial' ? 'sync_partial_ok' : 'sync_full';
    expect(field(stats, counted)).toBe('1');
    expect(afterRestart.sync?.evidence).toContain(`redis_${port(r2.id)} INFO stats ${counted} 0→1`);
  }, 30_000);
});
