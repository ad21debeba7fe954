/**
 * The lab service end to end, without a UI: the requests the canvas sends, on
 * both engines, checked against what the servers themselves report.
 */
import { describe, expect, it } from 'vitest';
import { toApiError } from './service';
import type { Events } from '../api/contract';
import { TEST_ENGINES } from './testing';
import { openTestService } from './testing-service';

const BASE_PORTS = { builtin: 23000, 'redis-server': 23050 } as const;

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${condition.toString()}`);
    await new Promise((wake) => setTimeout(wake, 20));
  }
}

describe.each(TEST_ENGINES)('the lab service on %s', (engine) => {
  it('builds the seed topology, wires and unwires replication, and tells a crash', async () => {
    const { lab, log, call, waitFor } = await openTestService(BASE_PORTS[engine]);
    const base = BASE_PORTS[engine];

    const master = await call('node.create', { role: 'master', engine, position: { x: 0, y: 0 } });
    const linksUp = new Set<string>();
    const bothUp = waitFor(
      'metrics',
      (batch) => {
        for (const [id, metrics] of Object.entries(batch)) if (metrics.linkStatus === 'up') linksUp.add(id);
        return linksUp.size === 2;
      },
      30_000,
    );
    const first = await call('node.create', { role: 'replica', engine, masterId: master.id });
    const second = await call('node.create', { role: 'replica', engine, masterId: master.id });
    await bothUp;

    const snapshot = await call('lab.snapshot', {});
    expect(snapshot.topology.nodes.map((node) => node.port)).toEqual([base, base + 1, base + 2]);
    expect(snapshot.topology.edges).toEqual([
      { replica: first.id, master: master.id },
      { replica: second.id, master: master.id },
    ]);
    const info = await call('node.info', { id: second.id, section: 'replication' });
    expect(info.text).toContain('role:slave');
    expect(info.text).toContain(`master_port:${base}`);
    expect(info.text).toContain('master_link_status:up');

    // The seed's last step, typed in the replica's terminal.
    let screen = '';
    lab.onEvent((event, data) => {
      if (event === 'terminal.output') screen += (data as Events['terminal.output']).data;
    });
    const terminal = await call('terminal.open', { nodeId: second.id, cols: 100, rows: 30 });
    expect(terminal.commandLine).toBe(`redis-cli -h 127.0.0.1 -p ${base + 2}`);
    await until(() => screen.includes(`127.0.0.1:${base + 2}>`));
    await call('terminal.input', { sessionId: terminal.sessionId, data: 'set name 6381\r' });
    await until(() => screen.includes("(error) READONLY You can't write against a read only replica."));
    await call('terminal.close', { sessionId: terminal.sessionId });

    // Unwiring: the replica becomes a master and keeps its data.
    await call('edge.disconnect', { replica: second.id });
    expect(log.at(-1)?.command).toBe(`redis-cli -p ${base + 2} REPLICAOF NO ONE`);
    expect((await call('node.info', { id: second.id, section: 'replication' })).text).toContain('role:master');

    // A cycle is refused with the rule's sentence, and nothing changes.
    await expect(call('edge.connect', { replica: master.id, master: first.id })).rejects.toThrow(/round in a circle/);

    // Re-wiring it under the first replica: a chain.
    await call('edge.connect', { replica: second.id, master: first.id });
    expect(log.at(-1)?.command).toBe(`redis-cli -p ${base + 2} REPLICAOF 127.0.0.1 ${base + 1}`);

    // kill -9 from the lab: the node is marked crashed.
    const crashed = waitFor('nodes', (changes) => changes[master.id]?.state === 'crashed');
    await call('node.kill', { id: master.id });
    await crashed;
    expect(log.at(-1)?.command).toMatch(/^kill -9 \d+$/);

    const restarted = waitFor('nodes', (changes) => changes[master.id]?.state === 'up');
    await call('node.start', { id: master.id });
    await restarted;
    expect((await lab.handle('lab.snapshot', {})).nodes[master.id]?.state).toBe('up');
  }, 90_000);
});

describe('topology files through the lab service', () => {
  it('saves, refuses a bad file without touching what runs, and opens the saved file again', async () => {
    const { call } = await openTestService(23200);
    await call('topology.seed', { engine: 'builtin' });
    const saved = await call('topology.save', {});
    expect(saved.path).toMatch(/topology\.yaml$/);
    const before = await call('lab.snapshot', {});

    const bad = (await call('topology.toYaml', {})).yaml.replace(/port: 23201/, 'port: "six"');
    const refused = await call('topology.fromYaml', { yaml: bad, fileName: 'lab.yaml' }).catch(toApiError);
    expect(refused).toMatchObject({ code: 'invalid', field: 'nodes[1].port' });
    expect((refused as { line?: number }).line).toBeGreaterThan(1);
    expect((refused as { message: string }).message).toMatch(/^lab\.yaml, line \d+, nodes\[1\]\.port: /);
    const after = await call('lab.snapshot', {});
    expect(after.topology).toEqual(before.topology);
    expect(Object.values(after.nodes).map((node) => node.pid)).toEqual(
      Object.values(before.nodes).map((node) => node.pid),
    );

    await call('topology.open', { path: saved.path });
    const reopened = await call('lab.snapshot', {});
    expect(reopened.topology.nodes.map((node) => node.port)).toEqual([23200, 23201, 23202]);
    expect(reopened.topology.edges).toHaveLength(2);
    expect(Object.values(reopened.nodes).every((node) => node.state === 'up')).toBe(true);
  }, 60_000);
});
