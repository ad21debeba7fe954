/**
 * Failover through the lab, on both engines: promote a replica (its siblings follow
 * it), a REPLICAOF typed outside the canvas (the canvas follows Redis), the
 * coordinated FAILOVER, and a restart without the dump file. After each step the
 * wiring Redis reports, the canvas and the data agree.
 */
import { describe, expect, it } from 'vitest';
import type { RespValue } from '../resp/reply-parser';
import { sendNodeCommand } from './node-command';
import { eventually, TEST_ENGINES } from './testing';
import { openTestService } from './testing-service';

const BASE_PORTS = { builtin: 23500, 'redis-server': 23550 } as const;

function text(reply: RespValue): string {
  return reply.type === 'bulk' || reply.type === 'simple' || reply.type === 'verbatim'
    ? reply.value
    : JSON.stringify(reply);
}

describe.each(TEST_ENGINES)('failover in the lab on %s', (engine) => {
  it('promotes, follows an outside REPLICAOF, runs FAILOVER and restarts a node empty', async () => {
    const lab = await openTestService(BASE_PORTS[engine]);
    const { call } = lab;
    const portOf = async (id: string) => (await call('lab.snapshot', {})).topology.nodes.find((n) => n.id === id)!.port;
    const run = async (id: string, ...args: string[]) =>
      text(await sendNodeCommand({ host: '127.0.0.1', port: await portOf(id) }, args));
    const masterOfNode = async (id: string) =>
      (await call('lab.snapshot', {})).topology.edges.find((e) => e.replica === id)?.master;
    const linkUp = (id: string, masterPort: number) =>
      eventually(async () => {
        const info = await run(id, 'INFO', 'replication');
        return info.includes(`master_port:${masterPort}`) && info.includes('master_link_status:up') ? true : undefined;
      }, 20_000);
    const digestsAgree = async (ids: string[]) =>
      eventually(async () => {
        const digests = await Promise.all(ids.map((id) => run(id, 'DEBUG', 'DIGEST')));
        return new Set(digests).size === 1 ? digests[0] : undefined;
      }, 10_000);

    const master = await call('node.create', { role: 'master', engine });
    await call('node.configSet', { id: master.id, name: 'repl-diskless-sync-delay', value: '0' });
    const r1 = await call('node.create', { role: 'replica', engine, masterId: master.id });
    const r2 = await call('node.create', { role: 'replica', engine, masterId: master.id });
    const [mPort, r1Port, r2Port] = await Promise.all([master.id, r1.id, r2.id].map(portOf));
    await Promise.all([linkUp(r1.id, mPort!), linkUp(r2.id, mPort!)]);
    for (let i = 0; i < 50; i++) await run(master.id, 'SET', `key:${i}`, `value ${i}`);
    await digestsAgree([master.id, r1.id, r2.id]);

    // Promote r1: it becomes a master, r2 follows it with a partial resync (same history).
    await call('node.promote', { id: r1.id });
    expect(await masterOfNode(r1.id)).toBeUndefined();
    expect(await masterOfNode(r2.id)).toBe(r1.id);
    await linkUp(r2.id, r1Port!);
    expect(await run(r1.id, 'SET', 'after', 'promotion')).toBe('OK');
    await digestsAgree([r1.id, r2.id]);
    expect(lab.timeline.some((e) => e.kind === 'failover' && e.nodeId === r1.id)).toBe(true);

    // The old master is pointed at r1 from outside the canvas (a terminal): the canvas follows.
    expect(await run(master.id, 'REPLICAOF', '127.0.0.1', String(r1Port))).toBe('OK');
    await eventually(async () => ((await masterOfNode(master.id)) === r1.id ? true : undefined), 10_000);
    expect(lab.timeline.some((e) => e.kind === 'topology' && e.nodeId === master.id)).toBe(true);
    await linkUp(master.id, r1Port!);
    await digestsAgree([r1.id, r2.id, master.id]);

    // FAILOVER: r1 hands its role to r2; r1 becomes r2's replica and the canvas shows it.
    const reply = await call('node.failover', { id: r2.id });
    expect(reply.reply).toBe('OK');
    await eventually(async () => ((await masterOfNode(r1.id)) === r2.id ? true : undefined), 20_000);
    expect(await masterOfNode(r2.id)).toBeUndefined();
    await linkUp(r1.id, r2Port!);
    expect(await run(r2.id, 'SET', 'after', 'failover')).toBe('OK');
    await digestsAgree([r2.id, r1.id]);

    // r1 restarted without its dump file: it starts empty and gets everything back with a full sync.
    await call('node.restart', { id: r1.id, dump: 'delete' });
    await linkUp(r1.id, r2Port!);
    expect(await run(r1.id, 'GET', 'after')).toBe('failover');
    await digestsAgree([r2.id, r1.id]);
    expect(lab.timeline.some((e) => e.kind === 'node' && /without its dump file/.test(e.title))).toBe(true);

    // Promoted from a terminal and restarted at once, before the canvas has followed:
    // the restart keeps the wiring the server had, not the one the lab last wrote.
    expect(await run(r1.id, 'REPLICAOF', 'NO', 'ONE')).toBe('OK');
    await call('node.restart', { id: r1.id });
    expect(await run(r1.id, 'ROLE')).toMatch(/master/);
    await eventually(async () => ((await masterOfNode(r1.id)) === undefined ? true : undefined), 10_000);
  }, 120_000);
});
