/**
 * Automatic failover with real redis-sentinel processes, through the lab, on the
 * built-in engine and on Debian's redis-server: three Sentinels watch a master and
 * two replicas; the master is killed with -9; Sentinel promotes a replica and
 * re-points the other; the new master takes writes, the data agrees (DEBUG DIGEST),
 * the canvas follows, and the old master, started again, is turned into a replica.
 * Nothing the tests started is left running afterwards, also when a test fails.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SentinelRuntime } from '../../api/runtime';
import type { RespValue } from '../../resp/reply-parser';
import { sendNodeCommand } from '../node-command';
import { eventually, TEST_ENGINES } from '../testing';
import { openTestService } from '../testing-service';

/** Nodes from the base, Sentinels from base + 10 (ports 23120-23149). */
const BASE_PORTS = { builtin: 23120, 'redis-server': 23135 } as const;
const DOWN_AFTER_MS = 1000;
/**
 * After down-after, Sentinel still has to: see the other Sentinels agree (they are
 * asked once a second), wait its random start delay (up to 1 s, so that Sentinels
 * rarely run for leader at once), win the vote, send REPLICAOF NO ONE, and see the
 * promotion in the replica's INFO (read once a second during a failover): about 3 s
 * of Sentinel's own periods at most (0.4 s typically, bench/results/faults-latest.md).
 */
const FAILOVER_WORK_MS = 3000;
/**
 * When two Sentinels run for leader in the same instant the vote splits, and Sentinel
 * tries again only after twice failover-timeout (sentinelStartFailoverIfNeeded): part
 * of its failover work too, so the bound allows one such retry.
 */
const FAILOVER_TIMEOUT_MS = 2000;
const FAILOVER_BOUND_MS = DOWN_AFTER_MS + FAILOVER_WORK_MS + 2 * FAILOVER_TIMEOUT_MS;

function text(reply: RespValue): string {
  return reply.type === 'bulk' || reply.type === 'simple' || reply.type === 'verbatim' || reply.type === 'error'
    ? reply.value
    : JSON.stringify(reply);
}

/** `pid port` of every redis-sentinel process listening on one of `ports`. */
function sentinelsOn(ports: number[]): Array<{ pid: number; line: string }> {
  let out = '';
  try {
    out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /redis-sentinel/.test(line) && ports.some((port) => line.includes(`:${port}`)))
    .map((line) => ({ pid: Number(line.split(/\s+/)[0]), line }));
}

const allSentinelPorts = [
  ...Object.values(BASE_PORTS).flatMap((base) => [base + 10, base + 11, base + 12]),
  23195,
  23199,
];

afterAll(() => {
  // No orphans, whatever happened: anything left is killed, then reported.
  const left = sentinelsOn(allSentinelPorts);
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  expect(left.map((p) => p.line)).toEqual([]);
});

describe.each(TEST_ENGINES)('Sentinel in the lab on %s', (engine) => {
  it('fails over a killed master within down-after plus its failover work, and converts the old master', async () => {
    const base = BASE_PORTS[engine];
    const lab = await openTestService(base);
    const { call } = lab;
    const snapshot = () => call('lab.snapshot', {});
    const portOf = async (id: string) => (await snapshot()).topology.nodes.find((n) => n.id === id)!.port;
    const run = async (id: string, ...args: string[]) =>
      text(await sendNodeCommand({ host: '127.0.0.1', port: await portOf(id) }, args));
    const masterOf = async (id: string) => (await snapshot()).topology.edges.find((e) => e.replica === id)?.master;
    const linkUp = (id: string, masterPort: number) =>
      eventually(async () => {
        const info = await run(id, 'INFO', 'replication');
        return info.includes(`master_port:${masterPort}`) && info.includes('master_link_status:up') ? true : undefined;
      }, 20_000);

    const master = await call('node.create', { role: 'master', engine });
    await call('node.configSet', { id: master.id, name: 'repl-diskless-sync-delay', value: '0' });
    const r1 = await call('node.create', { role: 'replica', engine, masterId: master.id });
    const r2 = await call('node.create', { role: 'replica', engine, masterId: master.id });
    for (const replica of [r1.id, r2.id]) {
      await call('node.configSet', { id: replica, name: 'repl-diskless-sync-delay', value: '0' });
    }
    await Promise.all([linkUp(r1.id, base), linkUp(r2.id, base)]);
    for (let i = 0; i < 100; i++) await run(master.id, 'SET', `key:${i}`, `value ${i}`);

    const created = await call('sentinel.create', {
      masterId: master.id,
      count: 3,
      quorum: 2,
      downAfterMs: DOWN_AFTER_MS,
      failoverTimeoutMs: FAILOVER_TIMEOUT_MS,
      port: base + 10,
    });
    expect(created.ids).toHaveLength(3);
    const withSentinels = await snapshot();
    expect(withSentinels.topology.sentinels.map((s) => [s.port, s.master])).toEqual([
      [base + 10, master.id],
      [base + 11, master.id],
      [base + 12, master.id],
    ]);
    // Each Sentinel found both replicas and the two other Sentinels (their hello messages through the master).
    await eventually(async () => {
      const sentinels = Object.values((await snapshot()).sentinels) as SentinelRuntime[];
      return sentinels.length === 3 &&
        sentinels.every((s) => s.view?.master.numReplicas === 2 && s.view.master.numOtherSentinels === 2)
        ? true
        : undefined;
    }, 20_000);
    const view = await call('sentinel.view', { id: created.ids[0]! });
    expect(view.view?.master).toMatchObject({ host: '127.0.0.1', port: base, quorum: 2, flags: ['master'] });

    // kill -9: Sentinel must notice, agree, elect a leader and promote a replica.
    const story = () =>
      lab.timeline
        .filter((e) => e.kind === 'sentinel')
        .map((e) => `${new Date(e.at).toISOString().slice(17, 23)} ${e.title}`)
        .join('\n');
    const killedAt = Date.now();
    await call('node.kill', { id: master.id });
    const promoted = await eventually(async () => {
      for (const id of [r1.id, r2.id]) {
        const reply = await run(id, 'SET', 'written-after-failover', id).catch(() => '');
        if (reply === 'OK') return id;
      }
      return undefined;
    }, FAILOVER_BOUND_MS + 10_000).catch((error: Error) => {
      throw new Error(`${error.message}; Sentinel's events:\n${story()}`);
    });
    const tookMs = Date.now() - killedAt;
    expect(tookMs, `Sentinel's events:\n${story()}`).toBeLessThan(FAILOVER_BOUND_MS);
    const other = promoted === r1.id ? r2.id : r1.id;
    const promotedPort = await portOf(promoted);

    // The other replica replicates from the new master, and has every write.
    await linkUp(other, promotedPort);
    await eventually(async () => {
      const [a, b] = await Promise.all([run(promoted, 'DEBUG', 'DIGEST'), run(other, 'DEBUG', 'DIGEST')]);
      return a === b ? a : undefined;
    }, 10_000);
    expect(await run(other, 'GET', 'written-after-failover')).toBe(promoted);
    expect(await run(other, 'GET', 'key:99')).toBe('value 99');

    // The canvas follows Redis; the Sentinels watch the new master; the timeline tells the story.
    await eventually(async () =>
      (await masterOf(promoted)) === undefined && (await masterOf(other)) === promoted ? true : undefined,
    );
    await eventually(async () =>
      (await snapshot()).topology.sentinels.every((s) => s.master === promoted) ? true : undefined,
    );
    const events = lab.timeline.map((e) => e.details?.['event']).filter(Boolean);
    for (const event of ['+sdown', '+odown', '+switch-master']) expect(events).toContain(event);
    expect(lab.timeline.filter((e) => e.kind === 'failover' && e.nodeId === promoted)).toHaveLength(1);

    // The old master comes back: Sentinel turns it into a replica of the new master.
    await call('node.start', { id: master.id });
    await linkUp(master.id, promotedPort);
    await eventually(async () => ((await masterOf(master.id)) === promoted ? true : undefined), 10_000);
    await eventually(async () => {
      const digests = await Promise.all([promoted, other, master.id].map((id) => run(id, 'DEBUG', 'DIGEST')));
      return new Set(digests).size === 1 ? true : undefined;
    }, 10_000);
    expect(lab.timeline.some((e) => e.details?.['event'] === '+convert-to-slave')).toBe(true);
    console.log(`[${engine}] kill -9 to a new master accepting writes: ${tookMs} ms (down-after ${DOWN_AFTER_MS} ms)`);

    // Removing a Sentinel stops it; removing the master it watches takes the rest along.
    await call('sentinel.remove', { id: created.ids[0]! });
    expect(sentinelsOn([base + 10])).toEqual([]);
    await call('node.remove', { id: promoted, deleteFiles: false });
    expect((await snapshot()).topology.sentinels).toEqual([]);
    expect(sentinelsOn([base + 11, base + 12])).toEqual([]);
  }, 120_000);
});

describe('Sentinels in the lab', () => {
  it('stops, starts, fails over on request, and lives in topology files (clear stops them, open starts them)', async () => {
    const base = 23190;
    const sentinelPort = 23195;
    const lab = await openTestService(base);
    const { call } = lab;
    const snapshot = () => call('lab.snapshot', {});
    const stateOf = async (id: string) => (await snapshot()).sentinels[id]?.state;
    const master = await call('node.create', { role: 'master', engine: 'builtin' });
    await call('node.configSet', { id: master.id, name: 'repl-diskless-sync-delay', value: '0' });
    const replica = await call('node.create', { role: 'replica', engine: 'builtin', masterId: master.id });
    const { ids } = await call('sentinel.create', {
      masterId: master.id,
      count: 1,
      quorum: 1,
      downAfterMs: 5000,
      port: sentinelPort,
    });
    const id = ids[0]!;
    expect(await stateOf(id)).toBe('up');
    expect((await snapshot()).sentinelEngine).toMatchObject({ available: true, version: '7.0.15' });
    expect(lab.log.some((entry) => entry.command.endsWith(`sentinels/${sentinelPort}/sentinel.conf`))).toBe(true);

    await call('sentinel.stop', { id });
    expect(await stateOf(id)).toBe('stopped');
    expect(sentinelsOn([sentinelPort])).toEqual([]);
    await call('sentinel.start', { id });
    expect(await stateOf(id)).toBe('up');

    // A Sentinel that dies on its own is told crashed, with why and its log tail.
    process.kill((await snapshot()).sentinels[id]!.pid!, 'SIGKILL');
    await eventually(async () => ((await stateOf(id)) === 'crashed' ? true : undefined));
    expect((await snapshot()).sentinels[id]?.error).toMatch(/^Sentinel sentinel-23195 was killed by SIGKILL/);
    expect(lab.timeline.some((e) => e.kind === 'sentinel' && e.level === 'error' && /crashed/.test(e.title))).toBe(
      true,
    );
    await call('sentinel.start', { id });
    expect(await stateOf(id)).toBe('up');

    // SENTINEL FAILOVER: no agreement needed; once Sentinel knows the replica, it promotes it.
    await eventually(
      async () => (((await snapshot()).sentinels[id]?.view?.master.numReplicas ?? 0) >= 1 ? true : undefined),
      20_000,
    );
    const failover = await call('sentinel.failover', { id });
    expect(failover.reply).toBe('OK');
    expect(lab.log.at(-1)?.command).toBe(`redis-cli -p ${sentinelPort} SENTINEL FAILOVER mymaster`);
    await eventually(async () => {
      const topology = (await snapshot()).topology;
      const replicaIsMaster = !topology.edges.some((e) => e.replica === replica.id);
      const oldMasterFollows = topology.edges.some((e) => e.replica === master.id && e.master === replica.id);
      return replicaIsMaster && oldMasterFollows && topology.sentinels[0]?.master === replica.id ? true : undefined;
    }, 30_000);

    const saved = await call('topology.save', {});
    await call('topology.clear', {});
    expect((await snapshot()).sentinels).toEqual({});
    expect(sentinelsOn([sentinelPort])).toEqual([]);

    await call('topology.open', { path: saved.path });
    const reopened = await snapshot();
    expect(reopened.topology.sentinels.map((s) => [s.id, s.port, s.master])).toEqual([[id, sentinelPort, replica.id]]);
    expect(reopened.sentinels[id]?.state).toBe('up');
    await eventually(async () => {
      const view = (await call('sentinel.view', { id })).view;
      return view?.master.port === reopened.topology.nodes.find((n) => n.id === replica.id)?.port ? true : undefined;
    }, 10_000);
  }, 90_000);
});

describe('Sentinels and a master with a password', () => {
  it('writes sentinel auth-pass from the master requirepass, and Sentinel sees the master and its replica', async () => {
    const base = 23196;
    const sentinelPort = 23199;
    const lab = await openTestService(base);
    const { call } = lab;
    const master = await call('node.create', { role: 'master', engine: 'builtin' });
    const replica = await call('node.create', { role: 'replica', engine: 'builtin', masterId: master.id });
    await call('node.configSet', { id: replica.id, name: 'masterauth', value: 'sesame' });
    await call('node.configSet', { id: master.id, name: 'requirepass', value: 'sesame' });
    const { ids } = await call('sentinel.create', { masterId: master.id, count: 1, quorum: 1, port: sentinelPort });
    const conf = readFileSync(join(lab.workspace, 'sentinels', String(sentinelPort), 'sentinel.conf'), 'utf8');
    expect(conf).toContain('sentinel auth-pass mymaster sesame');
    await eventually(async () => {
      const view = (await call('sentinel.view', { id: ids[0]! })).view;
      return view?.master.flags.join(',') === 'master' && view.master.numReplicas === 1 ? true : undefined;
    }, 20_000);
  }, 60_000);
});
