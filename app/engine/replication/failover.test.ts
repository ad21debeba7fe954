import { createConnection, createServer, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RespConnection } from '../../resp/connection.js';
import { RequestParser } from '../../resp/request-parser.js';
import { TestNodes, incrementUntilRefused, info, linkUp, until, writeEveryType, type Node } from './test-nodes.js';

const nodes = new TestNodes();
afterEach(() => nodes.stopAll());

async function digest(node: Node): Promise<string> {
  return String(await node.conn.call('DEBUG', 'DIGEST'));
}

async function sameOffsets(...all: Node[]): Promise<boolean> {
  const offsets = await Promise.all(all.map(async (n) => (await info(n.conn)).get('master_repl_offset')));
  return offsets.every((o) => o === offsets[0]);
}

/** Writes in flight, a FAILOVER, then: roles swapped, every acknowledged write kept, digests equal. */
async function failOverUnderWrites(master: Node, target: Node, others: Node[], failoverArgs: string[]): Promise<void> {
  await writeEveryType(master.conn, 'before');
  const writer = incrementUntilRefused(await master.connect(), 'counter');
  await until('some writes', () => writer.acked() > 20);
  expect(await master.conn.call('FAILOVER', ...failoverArgs)).toBe('OK');
  // The writes paused during the failover are refused once the master became a replica.
  expect(await writer.refusal).toBe("READONLY You can't write against a read only replica.");
  await until('roles swapped', async () => {
    const [m, t] = [await info(master.conn), await info(target.conn)];
    return m.get('role') === 'slave' && m.get('master_port') === String(target.port) && t.get('role') === 'master';
  });
  expect((await info(master.conn)).get('master_failover_state')).toBe('no-failover');
  await until('old master linked', () => linkUp(master.conn));
  for (const other of others) {
    await until(
      'sibling follows the new master',
      async () => (await linkUp(other.conn)) && (await sameOffsets(target, other)),
    );
  }
  await target.conn.call('SET', 'after', 'failover');
  await until('everyone caught up', async () => {
    const all = [master, ...others];
    for (const n of all) if ((await n.conn.call('GET', 'after')) !== 'failover') return false;
    return sameOffsets(target, ...all);
  });
  expect(Number(await target.conn.call('GET', 'counter'))).toBe(writer.acked());
  const digests = await Promise.all([master, target, ...others].map(digest));
  expect(new Set(digests).size).toBe(1);
  expect(digests[0]).not.toBe('0'.repeat(40));
}

describe('FAILOVER, engine to engine', () => {
  it('hands the master role to the replica that caught up, losing no acknowledged write', async () => {
    const master = await nodes.engine();
    const r1 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    const r2 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('links up', async () => (await linkUp(r1.conn)) && (await linkUp(r2.conn)));
    await failOverUnderWrites(master, r1, [r2], ['TO', '127.0.0.1', String(r1.port)]);
    // The target continued the old history: the old master resynced partially, and the
    // sibling, disconnected by the id change, partially with the old master (now chained).
    expect((await info(r1.conn)).get('connected_slaves')).toBe('1');
    expect((await info(master.conn)).get('connected_slaves')).toBe('1');
    expect(String(await master.conn.call('INFO', 'stats'))).toMatch(/sync_partial_ok:1\r\n/);
    expect(master.log()).toContain(`FAILOVER requested to 127.0.0.1:${r1.port}.`);
    expect(master.log()).toContain(`Failover target 127.0.0.1:${r1.port} is synced, failing over.`);
    expect(master.log()).toContain('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
    expect(r1.log()).toMatch(/Failover request received for replid [0-9a-f]{40}\./);
    expect(r1.log()).toContain("MASTER MODE enabled (failover request from 'id=");
    expect(String(await r1.conn.call('INFO', 'stats'))).toMatch(/sync_partial_ok:1\r\n/);
  });

  it('waits for a lagging target, then aborts at the timeout and lets the paused writes run', async () => {
    const master = await nodes.engine();
    const r1 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('link up', () => linkUp(r1.conn));
    // A replica whose clients (its master's link included) are paused never acknowledges.
    await r1.conn.call('CLIENT', 'PAUSE', '1000', 'ALL');
    await master.conn.call('SET', 'k', 'v');
    expect(await master.conn.call('FAILOVER', 'TO', '127.0.0.1', String(r1.port), 'TIMEOUT', '400')).toBe('OK');
    expect((await info(master.conn)).get('master_failover_state')).toBe('waiting-for-sync');
    await expect(master.conn.call('FAILOVER')).rejects.toThrow('ERR FAILOVER already in progress.');
    await expect(master.conn.call('REPLICAOF', 'NO', 'ONE')).rejects.toThrow(
      'ERR REPLICAOF not allowed while failing over.',
    );
    // Writes wait; reads do not.
    const writer = await master.connect();
    const started = Date.now();
    const write = writer.call('SET', 'during', 'pause');
    expect(await master.conn.call('GET', 'k')).toBe('v');
    expect(await write).toBe('OK');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const after = await info(master.conn);
    expect(after.get('role')).toBe('master');
    expect(after.get('master_failover_state')).toBe('no-failover');
    expect(master.log()).toContain(`FAILOVER to 127.0.0.1:${r1.port} aborted: Replica never caught up before timeout`);
  });

  it('FAILOVER ABORT ends the wait; CLIENT UNPAUSE does not lift the failover pause', async () => {
    const master = await nodes.engine();
    const r1 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('link up', () => linkUp(r1.conn));
    await r1.conn.call('CLIENT', 'PAUSE', '1500', 'ALL');
    await master.conn.call('SET', 'k', 'v');
    expect(await master.conn.call('FAILOVER')).toBe('OK');
    const writer = await master.connect();
    let written = false;
    const write = writer.call('SET', 'during', 'pause').then((r) => {
      written = true;
      return r;
    });
    expect(await master.conn.call('CLIENT', 'UNPAUSE')).toBe('OK');
    await new Promise((r) => setTimeout(r, 200));
    expect(written).toBe(false);
    expect(await master.conn.call('FAILOVER', 'ABORT')).toBe('OK');
    expect(await write).toBe('OK');
    await expect(master.conn.call('FAILOVER', 'ABORT')).rejects.toThrow('ERR No failover in progress.');
    expect(master.log()).toContain('FAILOVER to any replica aborted: Failover manually aborted');
  });

  it('FORCE fails over at the timeout even to a replica that did not catch up', async () => {
    const master = await nodes.engine();
    const r1 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('link up', () => linkUp(r1.conn));
    await r1.conn.call('CLIENT', 'PAUSE', '800', 'ALL');
    await master.conn.call('SET', 'k', 'v');
    const args = ['TO', '127.0.0.1', String(r1.port), 'TIMEOUT', '200', 'FORCE'];
    expect(await master.conn.call('FAILOVER', ...args)).toBe('OK');
    // The target answers the PSYNC FAILOVER only once its pause ends.
    await until(
      'in progress',
      async () => (await info(master.conn)).get('master_failover_state') === 'failover-in-progress',
    );
    expect(master.log()).toContain(`FAILOVER to 127.0.0.1:${r1.port} time out exceeded, failing over.`);
    await until(
      'roles swapped',
      async () => (await info(r1.conn)).get('role') === 'master' && (await linkUp(master.conn)),
    );
    expect((await info(master.conn)).get('master_failover_state')).toBe('no-failover');
    expect(await digest(master)).toBe(await digest(r1));
  });

  it('gives the errors Redis gives', async () => {
    const master = await nodes.engine();
    await expect(master.conn.call('FAILOVER')).rejects.toThrow('ERR FAILOVER requires connected replicas.');
    await expect(master.conn.call('FAILOVER', 'TIMEOUT', '0')).rejects.toThrow(
      'ERR FAILOVER timeout must be greater than 0',
    );
    await expect(master.conn.call('FAILOVER', 'TO', 'h', 'x')).rejects.toThrow(
      'ERR value is not an integer or out of range',
    );
    await expect(master.conn.call('FAILOVER', 'TO', 'h', '1', 'TO', 'h', '2')).rejects.toThrow('ERR syntax error');
    await expect(master.conn.call('PSYNC', '?', '-1', 'FAILOVER')).rejects.toThrow(
      "ERR PSYNC FAILOVER can't be sent to a master.",
    );
    const r1 = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('link up', () => linkUp(r1.conn));
    await expect(master.conn.call('FAILOVER', 'TO', '127.0.0.1', '1')).rejects.toThrow(
      'ERR FAILOVER target HOST and PORT is not a replica.',
    );
    await expect(master.conn.call('FAILOVER', 'TO', '127.0.0.1', String(r1.port), 'FORCE')).rejects.toThrow(
      'ERR FAILOVER with force option requires both a timeout and target HOST and IP.',
    );
    await expect(r1.conn.call('FAILOVER')).rejects.toThrow('ERR FAILOVER is not valid when server is a replica.');
    await expect(r1.conn.call('PSYNC', 'f'.repeat(40), '1', 'FAILOVER')).rejects.toThrow(
      'ERR PSYNC FAILOVER replid must match my replid.',
    );
  });

  it('aborts when the target refuses the PSYNC FAILOVER, and stays master', async () => {
    const master = await nodes.engine();
    // A fake replica: it syncs, acknowledges everything, and refuses to take over.
    const fake = await fakeRefusingReplica(master.port);
    try {
      await until(
        'fake online',
        async () => (await info(master.conn)).get('slave0')?.includes('state=online') ?? false,
      );
      const idBefore = (await info(master.conn)).get('master_replid');
      expect(await master.conn.call('FAILOVER')).toBe('OK');
      await until('aborted', () => master.log().includes('aborted: Failover target rejected psync request'));
      const after = await info(master.conn);
      expect(after.get('role')).toBe('master');
      expect(after.get('master_failover_state')).toBe('no-failover');
      // Having been a replica for a moment, the master continues under a new id.
      expect(after.get('master_replid2')).toBe(idBefore);
      expect(await master.conn.call('SET', 'k', 'v')).toBe('OK');
      expect(master.log()).toContain(
        'Master does not support PSYNC or is in error state (reply: -ERR PSYNC FAILOVER replid must match my replid.)',
      );
    } finally {
      await fake.close();
    }
  });
});

describe('restarts keep the replication history (RDB aux fields)', () => {
  it('a restarted replica and a restarted master continue with partial resyncs', async () => {
    const master = await nodes.engineProcess(22043, ['--save', '3600 1']);
    let replica = await nodes.engineProcess(22044, ['--replicaof', '127.0.0.1', '22043', '--save', '3600 1']);
    await until('link up', () => linkUp(replica.conn));
    await writeEveryType(master.conn, 'k');
    await until('in sync', () => sameOffsets(master, replica));
    const fullSyncs = async () => (await info(master.conn, 'stats')).get('sync_full');
    const fullBefore = await fullSyncs();

    // The replica saves on shutdown; restarted, it asks to continue where the file left off.
    await replica.conn.call('SHUTDOWN').catch(() => undefined);
    await replica.stop();
    replica = await nodes.engineProcess(22044, ['--replicaof', '127.0.0.1', '22043', '--save', '3600 1'], replica.dir);
    await until('link up again', () => linkUp(replica.conn));
    expect(await fullSyncs()).toBe(fullBefore);
    expect(master.log()).toMatch(/Partial resynchronization request from 127\.0\.0\.1:22044 accepted/);
    await master.conn.call('SET', 'after', 'replica-restart');
    await until('stream', async () => (await replica.conn.call('GET', 'after')) === 'replica-restart');
    await until('in sync', () => sameOffsets(master, replica));

    // The master too: its old id becomes its secondary one, which the replica continues.
    const oldId = (await info(master.conn)).get('master_replid');
    await master.conn.call('SHUTDOWN').catch(() => undefined);
    await master.stop();
    const restarted = await nodes.engineProcess(22043, ['--save', '3600 1'], master.dir);
    await until('replica back', () => linkUp(replica.conn));
    const after = await info(restarted.conn);
    expect(after.get('master_replid2')).toBe(oldId);
    expect((await info(restarted.conn, 'stats')).get('sync_full')).toBe('0');
    expect((await info(restarted.conn, 'stats')).get('sync_partial_ok')).toBe('1');
    await restarted.conn.call('SET', 'after', 'master-restart');
    await until('stream', async () => (await replica.conn.call('GET', 'after')) === 'master-restart');
    expect(await digest(replica)).toBe(await digest(restarted));
  });
});

/** Debian's redis-server 7.0.15 on either side of a FAILOVER. */
describe('FAILOVER, interop with redis-server', () => {
  it('our master fails over to a redis-server replica; an engine sibling follows', async () => {
    const master = await nodes.engine();
    const target = await nodes.redis(22040, ['--replicaof', '127.0.0.1', String(master.port)]);
    const sibling = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('links up', async () => (await linkUp(target.conn)) && (await linkUp(sibling.conn)));
    await failOverUnderWrites(master, target, [sibling], ['TO', '127.0.0.1', String(target.port)]);
    expect(String(await target.conn.call('INFO', 'stats'))).toMatch(/sync_partial_ok:1\r\n/);
  });

  it('a redis-server master fails over to our replica; a redis-server sibling follows', async () => {
    const master = await nodes.redis(22041, ['--repl-diskless-sync-delay', '0']);
    const target = await nodes.engine({ replicaof: `127.0.0.1 ${master.port}` });
    await until('engine link up', () => linkUp(target.conn));
    const sibling = await nodes.redis(22042, ['--replicaof', '127.0.0.1', String(master.port)]);
    await until('sibling link up', () => linkUp(sibling.conn));
    await failOverUnderWrites(master, target, [sibling], ['TO', '127.0.0.1', String(target.port)]);
    expect(target.log()).toContain("MASTER MODE enabled (failover request from 'id=");
    expect(String(await target.conn.call('INFO', 'stats'))).toMatch(/sync_partial_ok:1\r\n/);
  });
});

/** Syncs from `masterPort`, ACKs the master's offset, and answers a PSYNC FAILOVER with Redis's refusal. */
async function fakeRefusingReplica(masterPort: number): Promise<{ close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const listener: NetServer = createServer((socket) => {
    sockets.push(socket);
    const parser = new RequestParser({ maxBulkLen: () => 1 << 20, authRequired: () => false });
    socket.on('data', (chunk: Buffer) => {
      parser.feed(chunk);
      for (let argv = parser.next(); argv !== null; argv = parser.next()) {
        const name = argv[0]?.toUpperCase();
        if (name === 'PING') socket.write('+PONG\r\n');
        else if (name === 'PSYNC') socket.write('-ERR PSYNC FAILOVER replid must match my replid.\r\n');
        else socket.write('+OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const address = listener.address();
  const listeningPort = typeof address === 'object' && address ? address.port : 0;
  const link = createConnection({ port: masterPort, host: '127.0.0.1' });
  sockets.push(link);
  link.on('error', () => {});
  await new Promise((r) => link.once('connect', r));
  // One command at a time: PSYNC with replies pending is refused.
  let received = '';
  link.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const send = (...argv: string[]) =>
    link.write(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);
  send('REPLCONF', 'listening-port', String(listeningPort));
  await until('listening-port accepted', () => received.length >= 5);
  send('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
  await until('capa accepted', () => received.length >= 10);
  send('PSYNC', '?', '-1');
  const offsets = await RespConnection.connect(masterPort);
  const acker = setInterval(() => {
    void info(offsets)
      .then((fields) => send('REPLCONF', 'ACK', fields.get('master_repl_offset') ?? '0'))
      .catch(() => {});
  }, 50);
  return {
    async close() {
      clearInterval(acker);
      offsets.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((r) => listener.close(() => r()));
    },
  };
}
