/**
 * One replica against its master, on both engines: equal when everything is
 * applied, pending while the replica holds its stream back (CLIENT PAUSE WRITE
 * holds the master's client too), unknown with the server's words when DEBUG is
 * refused (enable-debug-command no).
 */
import { describe, expect, it } from 'vitest';
import { RespConnection } from '../../resp/connection';
import { eventually, openTestLab, TEST_ENGINES } from '../testing';
import { checkPair, type PairSide } from './digest-check';

const BASE_PORTS = { builtin: 23385, 'redis-server': 23393 } as const;

describe.each(TEST_ENGINES)('checkPair on %s', (engine) => {
  it('says equal, pending and unknown (DEBUG refused) for the right reasons', async () => {
    const lab = await openTestLab(BASE_PORTS[engine]);
    const connections: RespConnection[] = [];
    try {
      const master = await lab.supervisor.start({ id: 'm', engine });
      const endpoint = { host: '127.0.0.1', port: master.port };
      const replica = await lab.supervisor.start({ id: 'r', engine, replicaOf: endpoint });
      const closed = await lab.supervisor.start({
        id: 'nodebug',
        engine,
        replicaOf: endpoint,
        settings: { 'enable-debug-command': 'no' },
      });
      const side = async (id: string, port: number): Promise<PairSide> => {
        const connection = await RespConnection.connect(port);
        connections.push(connection);
        return { id, name: `redis_${port}`, connection };
      };
      const [m, r, n] = [await side('m', master.port), await side('r', replica.port), await side('n', closed.port)];
      await m.connection.call('SET', 'k', 'v1');

      const equal = await eventually(async () => {
        const outcome = await checkPair(r, m);
        return outcome.state === 'equal' ? outcome : undefined;
      }, 20_000);
      expect(equal.digest).toBe(equal.masterDigest);
      expect(equal.digest).toMatch(/^[0-9a-f]{40}$/);

      await r.connection.call('CLIENT', 'PAUSE', '2000', 'WRITE');
      await m.connection.call('SET', 'k', 'v2');
      const pending = await checkPair(r, m);
      expect(pending.state).toBe('pending');
      expect(pending.reason).toMatch(/^\d+ bytes of redis_\d+'s stream not applied yet/);

      const refused = await eventually(async () => {
        const outcome = await checkPair(n, m);
        return outcome.state === 'unknown' ? outcome : undefined;
      }, 20_000);
      expect(refused.reason).toMatch(/^redis_\d+ refused DEBUG DIGEST: ERR DEBUG command not allowed/);
    } finally {
      for (const connection of connections) connection.destroy();
      await lab.close();
    }
  }, 60_000);
});
