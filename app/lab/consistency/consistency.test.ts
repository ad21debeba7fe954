/**
 * Consistency through the lab, on both engines: digests equal after a workload
 * stops, a write straight to a replica (replica-read-only no) makes it differ and
 * node.diff lists exactly that key, then every kind of difference, truncation, and
 * a diff of 100k keys (timed).
 */
import { describe, expect, it } from 'vitest';
import type { ConsistencyState } from '../../api/runtime';
import type { RespValue } from '../../resp/reply-parser';
import { sendNodeCommand } from '../node-command';
import { eventually, TEST_ENGINES } from '../testing';
import { openTestService } from '../testing-service';

const BASE_PORTS = { builtin: 23360, 'redis-server': 23380 } as const;

function text(reply: RespValue): string {
  return reply.type === 'bulk' || reply.type === 'simple' || reply.type === 'verbatim'
    ? reply.value
    : JSON.stringify(reply);
}

describe.each(TEST_ENGINES)('consistency on %s', (engine) => {
  it('reports equal after a workload, differs after a write to a replica, and diffs keys', async () => {
    const lab = await openTestService(BASE_PORTS[engine]);
    const { ids } = await lab.call('topology.seed', { engine });
    const [master, r1, r2] = ids as [string, string, string];
    const nodes = (await lab.call('lab.snapshot', {})).topology.nodes;
    const port = (id: string) => nodes.find((node) => node.id === id)!.port;
    const run = async (id: string, ...args: string[]) =>
      text(await sendNodeCommand({ host: '127.0.0.1', port: port(id) }, args));
    const events: Record<string, ConsistencyState>[] = [];
    lab.lab.onEvent((event, data) => {
      if (event === 'consistency') events.push(data as Record<string, ConsistencyState>);
    });
    const statesWhen = (predicate: (states: Record<string, ConsistencyState>) => boolean) =>
      eventually(async () => {
        const { consistency } = await lab.call('consistency.check', {});
        return predicate(consistency) ? consistency : undefined;
      }, 20_000);

    await lab.call('workload.start', { masterId: master, ratePerSec: 1000, keySpace: 500, valueSize: 32 });
    await lab.waitFor('workload', (s) => s.writes > 200);
    await lab.call('workload.stop', { masterId: master });

    const equal = await statesWhen((s) => s[r1]?.state === 'equal' && s[r2]?.state === 'equal');
    expect(equal[r1]!.digest).toBe(equal[r1]!.masterDigest);
    expect(equal[r1]!.masterId).toBe(master);
    expect(equal[master]).toBeUndefined(); // a master has no master to equal
    expect((await lab.call('lab.snapshot', {})).consistency[r2]!.state).toBe('equal');

    await lab.call('node.configSet', { id: r2, name: 'replica-read-only', value: 'no' });
    expect(await run(r2, 'SET', 'stray', 'x')).toBe('OK');
    const differs = await statesWhen((s) => s[r2]?.state === 'differs');
    expect(differs[r1]!.state).toBe('equal');
    expect(differs[r2]!.reason).toMatch(/digests differ at offset \d+/);
    expect(events.some((changed) => changed[r2]?.state === 'differs')).toBe(true);

    const diff = await lab.call('node.diff', { a: master, b: r2, limit: 200 });
    expect(diff.differences).toEqual([{ key: 'stray', kind: 'missing-a', b: 'string (1 byte) "x"' }]);
    expect(diff.truncated).toBe(false);
    expect(diff.keysB).toBe(diff.keysA + 1);

    // Every kind of difference, in key order, and the limit.
    const prefix = 'diff:';
    for (const n of [1, 2, 3, 4]) await run(master, 'SET', `${prefix}${n}`, `value ${n}`);
    await eventually(async () => ((await run(r2, 'GET', `${prefix}4`)) === 'value 4' ? true : undefined));
    await run(r2, 'SET', `${prefix}1`, 'changed on the replica');
    await run(r2, 'DEL', `${prefix}2`);
    await run(r2, 'DEL', `${prefix}3`);
    await run(r2, 'RPUSH', `${prefix}3`, 'a', 'b', 'c', 'd');
    await run(r2, 'EXPIRE', `${prefix}4`, '100');
    const kinds = await lab.call('node.diff', { a: master, b: r2, limit: 10, match: `${prefix}*` });
    expect(kinds.differences.map((d) => [d.key.slice(prefix.length), d.kind])).toEqual([
      ['1', 'value'],
      ['2', 'missing-b'],
      ['3', 'type'],
      ['4', 'ttl'],
    ]);
    expect(kinds.differences[1]!.b).toBeUndefined();
    expect(kinds.differences[2]!.b).toBe('list (4 items) ["a", "b", "c", …]');
    expect(kinds.differences[3]!.a).toMatch(/, no ttl$/);
    expect(kinds.differences[3]!.b).toMatch(/, ttl (99|100)\.\d s$/);
    const limited = await lab.call('node.diff', { a: master, b: r2, limit: 2, match: `${prefix}*` });
    expect(limited.differences.map((d) => d.kind)).toEqual(['value', 'missing-b']);
    expect(limited.truncated).toBe(true);

    // 100k keys more on both sides (DEBUG POPULATE is not replicated): the diff still finds just its keys.
    for (const id of [master, r2]) expect(await run(id, 'DEBUG', 'POPULATE', '100000')).toBe('OK');
    const big = await lab.call('node.diff', { a: master, b: r2, limit: 200 });
    expect(big.keysA).toBeGreaterThan(100_000);
    expect(big.differences.map((d) => d.kind)).toEqual(['value', 'missing-b', 'type', 'ttl', 'missing-a']);
    console.log(`${engine}: node.diff of ${big.keysA} / ${big.keysB} keys took ${big.tookMs} ms`);
    expect(big.tookMs).toBeLessThan(20_000);
    if (engine === 'builtin') {
      // Too many keys to digest on its own every few seconds: unknown, and why.
      const unknown = await eventually(() => {
        const state = events.at(-1)?.[r2];
        return state?.state === 'unknown' ? state : undefined;
      }, 20_000);
      expect(unknown.reason).toMatch(/has 100\d{3} keys: DEBUG DIGEST blocks the server/);
    }
  }, 90_000);
});
