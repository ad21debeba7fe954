/**
 * Workloads through the lab, on both engines: writes and reads per replica on a
 * seed topology with no errors, the stale-read meter counting while a replica
 * holds back its replication stream, following a FAILOVER, and nothing left open
 * once a workload stops.
 */
import { describe, expect, it } from 'vitest';
import type { WorkloadStatus } from '../../api/runtime';
import type { RespValue } from '../../resp/reply-parser';
import { sendNodeCommand } from '../node-command';
import { eventually, TEST_ENGINES } from '../testing';
import { openTestService, type ServiceHarness } from '../testing-service';

const BASE_PORTS = { builtin: 23320, 'redis-server': 23340 } as const;

function text(reply: RespValue): string {
  return reply.type === 'bulk' || reply.type === 'simple' || reply.type === 'verbatim'
    ? reply.value
    : JSON.stringify(reply);
}

/** A seed topology (a master and two replicas) with both links up. */
async function seed(lab: ServiceHarness, engine: (typeof TEST_ENGINES)[number]) {
  const { ids } = await lab.call('topology.seed', { engine });
  const [master, r1, r2] = ids as [string, string, string];
  const nodes = (await lab.call('lab.snapshot', {})).topology.nodes;
  const port = (id: string) => nodes.find((node) => node.id === id)!.port;
  const run = async (id: string, ...args: string[]) =>
    text(await sendNodeCommand({ host: '127.0.0.1', port: port(id) }, args));
  for (const replica of [r1, r2])
    await eventually(
      async () => ((await run(replica, 'INFO', 'replication')).includes('master_link_status:up') ? true : undefined),
      20_000,
    );
  return { master, r1, r2, port, run };
}

const readsOf = (status: WorkloadStatus, id: string) => status.reads.find((read) => read.nodeId === id);

describe.each(TEST_ENGINES)('workloads on %s', (engine) => {
  it('writes to the master, reads from each replica, and meters stale reads while a replica holds its stream back', async () => {
    const lab = await openTestService(BASE_PORTS[engine]);
    const { master, r1, r2, run } = await seed(lab, engine);

    const started = await lab.call('workload.start', {
      masterId: master,
      ratePerSec: 2000,
      keySpace: 200,
      valueSize: 64,
      readShare: 0.5,
    });
    expect(started.running).toBe(true);
    const workloadClients = async (id: string) =>
      ((await run(id, 'CLIENT', 'LIST')).match(/name=replica-lab:workload/g) ?? []).length;
    await eventually(async () => ((await workloadClients(r1)) === 1 ? true : undefined));
    expect(await workloadClients(master)).toBe(1);
    expect(await workloadClients(r2)).toBe(1);
    const flowing = await lab.waitFor(
      'workload',
      (s) => s.writesPerSec > 200 && [r1, r2].every((id) => (readsOf(s, id)?.readsPerSec ?? 0) > 100),
    );
    expect(flowing.writeErrors).toBe(0);
    expect(flowing.reads.map((read) => [read.nodeId, read.errors])).toEqual([
      [r1, 0],
      [r2, 0],
    ]);
    // A replica a few milliseconds behind serves a stale read now and then, even unhindered
    // (more often on a busy machine): the meter counts those too.
    for (const read of flowing.reads) expect(read.staleRate).toBeLessThan(0.2);

    // CLIENT PAUSE WRITE on a replica holds its master's stream (the master client is not exempt)
    // while reads go on: every read of a key written since returns the older version.
    expect(await run(r1, 'CLIENT', 'PAUSE', '3000', 'WRITE')).toBe('OK');
    const stale = await lab.waitFor('workload', (s) => (readsOf(s, r1)?.staleRate ?? 0) > 0.5);
    expect(readsOf(stale, r1)!.stale).toBeGreaterThan(100);
    expect(readsOf(stale, r2)!.staleRate).toBeLessThan(readsOf(stale, r1)!.staleRate / 2);

    // A frozen replica fails nothing: it just does not answer, and the figures say so.
    await lab.call('node.freeze', { id: r2 });
    const silent = await lab.waitFor('workload', (s) => /no answer for \d/.test(s.lastError ?? ''));
    expect(silent.lastError).toMatch(
      /^redis_\d+ \(127\.0\.0\.1:\d+\): no answer for [\d.]+ s \(\d+ commands waiting\)$/,
    );
    await lab.call('node.thaw', { id: r2 });

    await lab.call('workload.stop', { masterId: master });
    const stopped = (await lab.call('lab.snapshot', {})).workloads[master]!;
    expect(stopped.running).toBe(false);
    expect(stopped.writeErrors).toBe(0);
    expect(stopped.reads.every((read) => read.errors === 0)).toBe(true);
    expect(lab.timeline.filter((event) => event.kind === 'workload').map((event) => event.title)).toEqual([
      expect.stringMatching(/^Workload started on redis_\d+: 2000 ops\/s, 50% reads/),
      expect.stringMatching(/^Workload on redis_\d+ stopped \(\d+ writes, \d+ reads, \d+ stale\)$/),
    ]);
    for (const id of [master, r1, r2])
      await eventually(async () => ((await workloadClients(id)) === 0 ? true : undefined));
  }, 60_000);

  it('follows a FAILOVER to the new master, and stops when the lab is cleared', async () => {
    const lab = await openTestService(BASE_PORTS[engine] + 10);
    const { master, r1, r2 } = await seed(lab, engine);
    await lab.call('workload.start', {
      masterId: master,
      ratePerSec: 500,
      keySpace: 100,
      valueSize: 16,
      readShare: 0.5,
    });
    await lab.waitFor('workload', (s) => s.writesPerSec > 100);

    await lab.call('node.failover', { id: r1 });
    await eventually(
      () =>
        lab.timeline.some((event) => event.kind === 'workload' && /follows the failover/.test(event.title))
          ? true
          : undefined,
      20_000,
    );
    const follow = lab.timeline.find((event) => /follows the failover/.test(event.title))!;
    expect(follow.nodeId).toBe(r1);
    expect(follow.title).toMatch(/is a replica now/);
    // Writes go to r1 now; reads to its replicas: r2 and the old master.
    const after = await lab.waitFor(
      'workload',
      (s) =>
        s.writesPerSec > 100 &&
        (readsOf(s, master)?.readsPerSec ?? 0) > 0 &&
        (readsOf(s, r2)?.readsPerSec ?? 0) > 0 &&
        (readsOf(s, r1)?.readsPerSec ?? 0) === 0,
      20_000,
    );
    if (after.writeErrors > 0) expect(after.lastError).toMatch(/READONLY|closed|refused/);
    // Clearing the lab stops the workload and forgets it.
    await lab.call('topology.clear', {});
    expect((await lab.call('lab.snapshot', {})).workloads).toEqual({});
    expect(lab.timeline.some((event) => /stopped: the lab was cleared/.test(event.title))).toBe(true);
  }, 60_000);

  it('reports a killed master in words, follows a promotion, and stops when its master is removed', async () => {
    const lab = await openTestService(BASE_PORTS[engine] + 15);
    const { master, r1 } = await seed(lab, engine);
    await lab.call('workload.start', { masterId: master, ratePerSec: 200, keySpace: 10, valueSize: 8, readShare: 0 });
    await lab.waitFor('workload', (s) => s.writes > 50);
    // Started again with other settings: one workload, the new settings, the timeline says so.
    const restarted = await lab.call('workload.start', {
      masterId: master,
      ratePerSec: 300,
      readShare: 0,
      keySpace: 10,
    });
    expect(restarted.settings.ratePerSec).toBe(300);
    expect(restarted.writes).toBe(0);
    expect(lab.timeline.some((event) => /^Workload restarted on redis_\d+: 300 ops\/s/.test(event.title))).toBe(true);
    await lab.waitFor('workload', (s) => s.settings.ratePerSec === 300 && s.writes > 50);
    await lab.call('node.kill', { id: master });
    const failing = await lab.waitFor('workload', (s) => /connection refused/.test(s.lastError ?? ''));
    expect(failing.writeErrors).toBeGreaterThan(0);

    // r1 promoted while the master is down: the writes go to r1.
    await lab.call('node.promote', { id: r1 });
    const follow = await eventually(() => lab.timeline.find((event) => /follows the failover/.test(event.title)));
    expect(follow.title).toMatch(/writes now go to redis_\d+ \(redis_\d+ is down\)/);
    expect(follow.nodeId).toBe(r1);
    const errorsBefore = (await lab.call('lab.snapshot', {})).workloads[master]!.writeErrors;
    const resumed = await lab.waitFor('workload', (s) => s.writesPerSec > 100);
    expect(resumed.writeErrors).toBe(errorsBefore);

    // The node it writes to is removed: the workload stops (its figures stay until its own node goes).
    await lab.call('node.remove', { id: r1, deleteFiles: true });
    expect((await lab.call('lab.snapshot', {})).workloads[master]!.running).toBe(false);
    expect(lab.timeline.some((event) => /stopped: its master was removed/.test(event.title))).toBe(true);
    await lab.call('node.remove', { id: master, deleteFiles: true });
    expect((await lab.call('lab.snapshot', {})).workloads[master]).toBeUndefined();
  }, 60_000);
});
