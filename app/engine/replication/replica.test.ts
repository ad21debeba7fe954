import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { RespConnection } from '../../resp/connection.js';
import { RequestParser } from '../../resp/request-parser.js';
import { startTestServer, type TestServer } from '../testing.js';
import { freePort } from '../test-support/engine-process.js';

/** An RDB file with no keys (RDB v10: header, aux fields, EOF, checksum 0 = not checked). */
function emptyRdb(replId: string, offset: number): Buffer {
  const aux = (k: string, v: string) =>
    Buffer.concat([Buffer.from([0xfa, k.length]), Buffer.from(k), Buffer.from([v.length]), Buffer.from(v)]);
  return Buffer.concat([
    Buffer.from('REDIS0010'),
    aux('redis-ver', '7.0.15'),
    aux('repl-stream-db', '0'),
    aux('repl-id', replId),
    aux('repl-offset', String(offset)),
    Buffer.from([0xff]),
    Buffer.alloc(8),
  ]);
}

/** A master for the tests (its data set as the tests fill it). */
async function startMaster(overrides: Record<string, string> = {}): Promise<TestServer> {
  return startTestServer(overrides);
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

async function replicationInfo(conn: RespConnection): Promise<Map<string, string>> {
  return infoFields(String(await conn.call('INFO', 'replication')));
}

async function linkUp(conn: RespConnection): Promise<boolean> {
  return (await replicationInfo(conn)).get('master_link_status') === 'up';
}

const started: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function engine(overrides: Record<string, string> = {}, asMaster = false): Promise<TestServer> {
  // Diskless load: in-process replicas must not write dump.rdb into the working directory.
  const s = asMaster
    ? await startMaster(overrides)
    : await startTestServer({ 'repl-diskless-load': 'swapdb', ...overrides });
  started.push(s);
  return s;
}

describe('replica side, engine to engine', () => {
  it('runs the seed topology: one master, two replicas from replicaof directives', async () => {
    const master = await engine({}, true);
    const logDir = mkdtempSync(join(tmpdir(), 'replica-test-'));
    dirs.push(logDir);
    const logfile = join(logDir, 'replica.log');
    const r1 = await engine({ replicaof: `127.0.0.1 ${master.port}`, logfile, 'repl-diskless-load': 'on-empty-db' });
    const r2 = await engine({ replicaof: `127.0.0.1 ${master.port}` });
    const m = await master.connect();
    const c1 = await r1.connect();
    const c2 = await r2.connect();
    await until('both links up', async () => (await linkUp(c1)) && (await linkUp(c2)));

    expect(await m.call('SET', 'name', 'master')).toBe('OK');
    await m.call('SELECT', '3');
    await m.call('RPUSH', 'list', 'a', 'b');
    await until('writes replicated', async () => (await c2.call('GET', 'name')) === 'master');
    expect(await c1.call('GET', 'name')).toBe('master');
    await c1.call('SELECT', '3');
    await until('db 3 replicated', async () => (await c1.call('LLEN', 'list')) === 2);

    const readonly = await c1.send('SET', 'name', 'replica');
    expect(readonly).toEqual({ type: 'error', value: "READONLY You can't write against a read only replica." });

    const info = await replicationInfo(c1);
    expect([...info.keys()]).toEqual([
      'role',
      'master_host',
      'master_port',
      'master_link_status',
      'master_last_io_seconds_ago',
      'master_sync_in_progress',
      'slave_read_repl_offset',
      'slave_repl_offset',
      'slave_priority',
      'slave_read_only',
      'replica_announced',
      'connected_slaves',
      'master_failover_state',
      'master_replid',
      'master_replid2',
      'master_repl_offset',
      'second_repl_offset',
      'repl_backlog_active',
      'repl_backlog_size',
      'repl_backlog_first_byte_offset',
      'repl_backlog_histlen',
    ]);
    expect(info.get('role')).toBe('slave');
    expect(info.get('master_host')).toBe('127.0.0.1');
    expect(info.get('master_port')).toBe(String(master.port));
    expect(info.get('slave_priority')).toBe('100');
    expect(info.get('slave_read_only')).toBe('1');
    expect(info.get('master_replid2')).toBe('0'.repeat(40));
    expect(info.get('second_repl_offset')).toBe('-1');
    expect(info.get('repl_backlog_active')).toBe('1');

    const masterInfo = await replicationInfo(m);
    expect(masterInfo.get('connected_slaves')).toBe('2');
    // The replica follows the master's history: same id, same offset once caught up.
    expect(info.get('master_replid')).toBe(masterInfo.get('master_replid'));
    await until('offsets equal', async () => {
      const [mi, ri] = [await replicationInfo(m), await replicationInfo(c1)];
      return (
        mi.get('master_repl_offset') === ri.get('master_repl_offset') &&
        ri.get('slave_repl_offset') === ri.get('master_repl_offset')
      );
    });
    // REPLCONF ACK every second brings the master's view of the replica up to date.
    await until('acks', async () => {
      const mi = await replicationInfo(m);
      return (mi.get('slave0') ?? '').includes(`offset=${mi.get('master_repl_offset')}`);
    });

    expect(await m.call('ROLE')).toEqual([
      'master',
      Number(masterInfo.get('master_repl_offset')),
      expect.arrayContaining([['127.0.0.1', String(r1.port), expect.any(String)]]),
    ]);
    const role = (await c1.call('ROLE')) as unknown[];
    expect(role.slice(0, 4)).toEqual(['slave', '127.0.0.1', master.port, 'connected']);
    expect(role[4]).toBe(Number(info.get('slave_repl_offset')));
    expect(await c1.call('CONFIG', 'GET', 'replicaof')).toEqual(['replicaof', `127.0.0.1 ${master.port}`]);

    const log = readFileSync(logfile, 'latin1');
    for (const line of [
      `Connecting to MASTER 127.0.0.1:${master.port}`,
      'MASTER <-> REPLICA sync started',
      'Non blocking connect for SYNC fired the event.',
      'Master replied to PING, replication can continue...',
      'Partial resynchronization not possible (no cached master)',
      `Full resync from master: ${masterInfo.get('master_replid')}:`,
      'MASTER <-> REPLICA sync: receiving ',
      'MASTER <-> REPLICA sync: Flushing old data',
      'MASTER <-> REPLICA sync: Loading DB in memory',
      'MASTER <-> REPLICA sync: Finished with success',
    ]) {
      expect(log).toContain(line);
    }
    expect(log).toMatch(/^\d+:S /m);
  });

  it('promotes with REPLICAOF NO ONE and lets the other replica continue partially', async () => {
    const master = await engine({}, true);
    const r1 = await engine({ replicaof: `127.0.0.1 ${master.port}` });
    const r2 = await engine({ replicaof: `127.0.0.1 ${master.port}` });
    const m = await master.connect();
    const c1 = await r1.connect();
    const c2 = await r2.connect();
    await until('links up', async () => (await linkUp(c1)) && (await linkUp(c2)));
    await m.call('SET', 'k', 'v1');
    await until('replicated', async () => (await c1.call('GET', 'k')) === 'v1' && (await c2.call('GET', 'k')) === 'v1');
    await until('same offsets', async () => {
      const [a, b] = [await replicationInfo(c1), await replicationInfo(c2)];
      return a.get('master_repl_offset') === b.get('master_repl_offset');
    });

    const before = await replicationInfo(c1);
    expect(await c1.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await c1.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const after = await replicationInfo(c1);
    expect(after.get('role')).toBe('master');
    expect(after.get('master_replid2')).toBe(before.get('master_replid'));
    expect(after.get('second_repl_offset')).toBe(String(Number(before.get('master_repl_offset')) + 1));
    expect(after.get('master_replid')).not.toBe(before.get('master_replid'));
    expect(await c1.call('GET', 'k')).toBe('v1');
    expect(await c1.call('SET', 'k', 'v2')).toBe('OK');
    expect(await c1.call('ROLE')).toEqual(['master', expect.any(Number), []]);

    // No full resync may serve the switch: a partial one continues r1's history.
    const fullSyncsBefore = r1.server.stats.syncFull;
    expect(await c2.call('REPLICAOF', '127.0.0.1', String(r1.port))).toBe('OK');
    await until('r2 follows r1', async () => (await linkUp(c2)) && (await c2.call('GET', 'k')) === 'v2');
    const r2info = await replicationInfo(c2);
    expect(r2info.get('master_replid')).toBe(after.get('master_replid'));
    expect(r2info.get('master_replid2')).toBe(before.get('master_replid'));
    expect(await c2.call('REPLICAOF', '127.0.0.1', String(r1.port))).toBe('OK Already connected to specified master');
    expect(r1.server.stats.syncFull).toBe(fullSyncsBefore);
  });

  it('proxies the exact stream to a sub-replica (chained replication)', async () => {
    const master = await engine({}, true);
    const mid = await engine({ replicaof: `127.0.0.1 ${master.port}` });
    const m = await master.connect();
    const cm = await mid.connect();
    await until('mid up', () => linkUp(cm));
    // The stream is in db 3 when the leaf syncs: the snapshot's repl-stream-db must say so.
    await m.call('SELECT', '3');
    await m.call('SET', 'before', '1');
    await cm.call('SELECT', '3');
    await until('mid has it', async () => (await cm.call('GET', 'before')) === '1');
    const leaf = await engine({ replicaof: `127.0.0.1 ${mid.port}` });
    const cl = await leaf.connect();
    await until('leaf up', () => linkUp(cl));
    await cl.call('SELECT', '3');
    await m.call('MULTI');
    await m.call('INCR', 'n');
    await m.call('INCR', 'n');
    await m.call('EXEC');
    await m.call('SET', 'pxat', 'v', 'EX', '100');
    await until('leaf got it', async () => (await cl.call('GET', 'n')) === '2');
    await until('offsets agree', async () => {
      const [a, b, c] = [await replicationInfo(m), await replicationInfo(cm), await replicationInfo(cl)];
      const o = a.get('master_repl_offset');
      return b.get('master_repl_offset') === o && c.get('master_repl_offset') === o;
    });
    expect(Number(await cl.call('TTL', 'pxat'))).toBeGreaterThan(90);
    const ids = [await replicationInfo(m), await replicationInfo(cm), await replicationInfo(cl)].map((i) =>
      i.get('master_replid'),
    );
    expect(new Set(ids).size).toBe(1);
  });

  it('reconnects with a partial resync after the link drops', async () => {
    const master = await engine({}, true);
    const r = await engine({ replicaof: `127.0.0.1 ${master.port}` });
    const m = await master.connect();
    const c = await r.connect();
    await until('up', () => linkUp(c));
    await m.call('SET', 'a', '1');
    await until('a', async () => (await c.call('GET', 'a')) === '1');
    const fullSyncsBefore = master.server.stats.syncFull;
    // Kill the link from the master's side.
    expect(await m.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await m.call('SET', 'b', '2');
    await until('b after reconnect', async () => (await c.call('GET', 'b')) === '2');
    expect(await c.call('GET', 'a')).toBe('1');
    expect(master.server.stats.syncFull).toBe(fullSyncsBefore);
  });

  it("expires the keys a writable replica wrote itself, and never its master's", async () => {
    const master = await engine({}, true);
    const r = await engine({ replicaof: `127.0.0.1 ${master.port}`, 'replica-read-only': 'no' });
    const m = await master.connect();
    const c = await r.connect();
    await until('up', () => linkUp(c));
    // From the master, with its active expiry off: the replica hides the key but keeps it.
    await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await m.call('SET', 'from-master', '5', 'PX', '10');
    await until('replicated', async () => (await c.call('DBSIZE')) === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await c.call('EXISTS', 'from-master')).toBe(0);
    expect(await c.call('DBSIZE')).toBe(1);
    // A write on the writable replica deletes the expired key first (LOOKUP_WRITE).
    expect(await c.call('INCR', 'from-master')).toBe(1);
    expect(await c.call('TTL', 'from-master')).toBe(-1);
    // Our own keys with a TTL are expired by the replica itself.
    expect(await c.call('SET', 'own', '1', 'PX', '100')).toBe('OK');
    await until('own key expired', async () => (await c.call('DBSIZE')) === 1, 3000);
    expect(await c.call('GET', 'from-master')).toBe('1');
  });

  it('answers MASTERDOWN with replica-serve-stale-data no while the link is down', async () => {
    const r = await engine({ replicaof: '127.0.0.1 1', 'replica-serve-stale-data': 'no' });
    const c = await r.connect();
    expect(await c.send('GET', 'x')).toEqual({
      type: 'error',
      value: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
    });
    // PING has no STALE flag in Redis 7.0: it is refused too; INFO and ROLE are not.
    expect((await c.send('PING')).type).toBe('error');
    const info = await replicationInfo(c);
    expect([...info.entries()].slice(0, 13)).toEqual([
      ['role', 'slave'],
      ['master_host', '127.0.0.1'],
      ['master_port', '1'],
      ['master_link_status', 'down'],
      ['master_last_io_seconds_ago', '-1'],
      ['master_sync_in_progress', '0'],
      ['slave_read_repl_offset', '1'],
      ['slave_repl_offset', '1'],
      ['master_link_down_since_seconds', '-1'],
      ['slave_priority', '100'],
      ['slave_read_only', '1'],
      ['replica_announced', '1'],
      ['connected_slaves', '0'],
    ]);
    expect(await c.call('REPLICAOF', 'localhost', '99999').catch((e: Error) => e.message)).toBe(
      'ERR Invalid master port',
    );
    expect((await c.call('ROLE')) as unknown[]).toEqual([
      'slave',
      '127.0.0.1',
      1,
      expect.stringMatching(/^(connect|connecting)$/),
      -1,
    ]);
    expect(await c.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    expect(await c.call('GET', 'x')).toBe(null);
  });
});

/**
 * A scripted master: records every command the replica sends, answers the
 * handshake, and after PSYNC sends +FULLRESYNC and an empty RDB, then stays
 * silent unless the test writes to the link.
 */
async function fakeMaster(): Promise<{
  port: number;
  commands: string[][];
  links: Socket[];
  close(): Promise<void>;
}> {
  const commands: string[][] = [];
  const links: Socket[] = [];
  const server: NetServer = createServer((socket) => {
    links.push(socket);
    const parser = new RequestParser({ maxBulkLen: () => 512 * 1024 * 1024, authRequired: () => false });
    socket.on('data', (chunk: Buffer) => {
      parser.feed(chunk);
      for (let argv = parser.next(); argv !== null; argv = parser.next()) {
        if (argv.length === 0) continue;
        commands.push(argv);
        const name = argv[0]!.toUpperCase();
        if (name === 'PING') socket.write('+PONG\r\n');
        else if (name === 'PSYNC') {
          const rdb = emptyRdb('f'.repeat(40), 100);
          socket.write(Buffer.concat([Buffer.from(`+FULLRESYNC ${'f'.repeat(40)} 100\r\n$${rdb.length}\r\n`), rdb]));
        } else if (!(name === 'REPLCONF' && argv[1]!.toUpperCase() === 'ACK')) socket.write('+OK\r\n');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    commands,
    links,
    close: () =>
      new Promise<void>((r) => {
        for (const link of links) link.destroy();
        server.close(() => r());
      }),
  };
}

describe('replica side, handshake and timing', () => {
  it('sends the handshake Redis sends, acknowledges, and times out a silent master', async () => {
    const master = await fakeMaster();
    try {
      const r = await engine({
        replicaof: `127.0.0.1 ${master.port}`,
        masterauth: 'pw',
        masteruser: 'repl',
        'replica-announce-ip': '10.0.0.9',
        'replica-announce-port': '7777',
        'repl-timeout': '2',
      });
      const c = await r.connect();
      await until('link up', () => linkUp(c));
      expect(master.commands.slice(0, 6)).toEqual([
        ['PING'],
        ['AUTH', 'repl', 'pw'],
        ['REPLCONF', 'listening-port', '7777'],
        ['REPLCONF', 'ip-address', '10.0.0.9'],
        ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'],
        ['PSYNC', '?', '-1'],
      ]);
      const info = await replicationInfo(c);
      expect(info.get('master_replid')).toBe('f'.repeat(40));
      expect(info.get('master_repl_offset')).toBe('100');
      // The stream advances the offset by exactly the bytes applied, and GETACK is answered at once.
      master.links[0]!.write('*1\r\n$4\r\nPING\r\n*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n');
      await until('ack of the PING', () =>
        master.commands.some((a) => a[0] === 'REPLCONF' && a[1] === 'ACK' && a[2] === '114'),
      );
      await until('offset after GETACK', async () => (await replicationInfo(c)).get('master_repl_offset') === '151');
      // Acknowledged once a second without being asked.
      const acks = () => master.commands.filter((a) => a[1] === 'ACK').length;
      const before = acks();
      await until('periodic ack', () => acks() > before, 3000);
      // Silent for longer than repl-timeout: the link is dropped and a PSYNC follows.
      await until(
        'psync after timeout',
        () => master.commands.some((a) => a[0] === 'PSYNC' && a[1] === 'f'.repeat(40)),
        6000,
      );
      expect(master.commands.find((a) => a[0] === 'PSYNC' && a[1] === 'f'.repeat(40))).toEqual([
        'PSYNC',
        'f'.repeat(40),
        '152',
      ]);
    } finally {
      await master.close();
    }
  }, 15_000);
});

/** Debian's redis-server 7.0.15, the reference: these tests fail when it is missing. */
describe('replica side, interop with redis-server', () => {
  let redisServer = '';
  beforeAll(() => {
    redisServer = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
    expect(execFileSync(redisServer, ['--version'], { encoding: 'utf8' })).toContain('v=7.0');
  });

  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  });

  async function startRedis(port: number, extra: string[] = []): Promise<RespConnection> {
    const dir = mkdtempSync(join(tmpdir(), 'replica-redis-'));
    dirs.push(dir);
    const child = spawn(
      redisServer,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--dir',
        dir,
        '--logfile',
        join(dir, 'redis.log'),
        '--repl-diskless-sync-delay',
        '0',
        ...extra,
      ],
      { stdio: 'ignore' },
    );
    children.push(child);
    let conn: RespConnection | undefined;
    await until('redis-server listening', async () => {
      conn = await RespConnection.connect(port).catch(() => undefined);
      return conn !== undefined;
    });
    return conn!;
  }

  it('our replica syncs from redis-server, stays read-only and reports INFO replication', async () => {
    const masterPort = await freePort();
    const rm = await startRedis(masterPort);
    // Data from before the sync arrives in the RDB payload.
    await rm.call('SELECT', '4');
    await rm.call('RPUSH', 'before', 'a', 'b', 'c');
    await rm.call('SELECT', '0');
    const r = await engine({ replicaof: `127.0.0.1 ${masterPort}` });
    const c = await r.connect();
    await until('link up', () => linkUp(c));
    await c.call('SELECT', '4');
    expect(await c.call('LRANGE', 'before', '0', '-1')).toEqual(['a', 'b', 'c']);
    await c.call('SELECT', '0');
    await rm.call('SET', 'name', 'from-redis');
    await rm.call('HSET', 'h', 'f', 'v');
    await rm.call('SET', 'ttl', 'v', 'EX', '100');
    await until('writes arrive', async () => (await c.call('GET', 'name')) === 'from-redis');
    expect(await c.call('HGET', 'h', 'f')).toBe('v');
    expect(Number(await c.call('TTL', 'ttl'))).toBeGreaterThan(90);
    expect(await c.send('SET', 'name', 'x')).toEqual({
      type: 'error',
      value: "READONLY You can't write against a read only replica.",
    });
    const info = await replicationInfo(c);
    expect(info.get('role')).toBe('slave');
    expect(info.get('master_link_status')).toBe('up');
    expect(info.get('master_port')).toBe(String(masterPort));
    expect(info.get('slave_read_only')).toBe('1');
    // The master sees us online at our listening port, and our ACKs catch up.
    await until('master sees our ack', async () => {
      const mi = infoFields(String(await rm.call('INFO', 'replication')));
      return (
        mi.get('slave0') === `ip=127.0.0.1,port=${r.port},state=online,offset=${mi.get('master_repl_offset')},lag=0` ||
        (mi.get('slave0') ?? '').startsWith(
          `ip=127.0.0.1,port=${r.port},state=online,offset=${mi.get('master_repl_offset')},`,
        )
      );
    });
    const mi = infoFields(String(await rm.call('INFO', 'replication')));
    expect(info.get('master_replid')).toBe(mi.get('master_replid'));
    // REPLCONF GETACK in the stream is answered with our offset.
    await rm.call('WAIT', '1', '2000');
    expect(await rm.call('WAIT', '1', '2000')).toBe(1);
    rm.destroy();
  });

  it('chains redis-server -> engine -> redis-server and fails over with partial resyncs (PSYNC2)', async () => {
    const topPort = await freePort();
    const rm = await startRedis(topPort);
    const e = await engine({ replicaof: `127.0.0.1 ${topPort}` });
    const ce = await e.connect();
    await until('engine link up', () => linkUp(ce));
    const rs = await startRedis(await freePort(), ['--replicaof', '127.0.0.1', String(e.port)]);
    const rsInfo = async () => infoFields(String(await rs.call('INFO', 'replication')));
    await until('sub-replica link up', async () => (await rsInfo()).get('master_link_status') === 'up');

    await rm.call('SET', 'a', '1');
    await rm.call('SELECT', '5');
    await rm.call('SADD', 's', 'x');
    await rs.call('SELECT', '5');
    await until('chained writes arrive', async () => (await rs.call('SISMEMBER', 's', 'x')) === 1);
    await rs.call('SELECT', '0');
    expect(await rs.call('GET', 'a')).toBe('1');
    // The sub-replica got our master's stream byte for byte: all three agree on id and offset.
    await until('offsets agree', async () => {
      const [a, b, c] = [
        infoFields(String(await rm.call('INFO', 'replication'))),
        await replicationInfo(ce),
        await rsInfo(),
      ];
      return (
        a.get('master_repl_offset') === b.get('master_repl_offset') &&
        b.get('master_repl_offset') === c.get('master_repl_offset')
      );
    });
    const oldId = (await replicationInfo(ce)).get('master_replid');
    expect((await rsInfo()).get('master_replid')).toBe(oldId);

    // Failover: the engine becomes the master; no full resync is acceptable from now on.
    const fullSyncsBefore = e.server.stats.syncFull;
    expect(await ce.call('REPLICAOF', 'NO', 'ONE')).toBe('OK');
    const newId = (await replicationInfo(ce)).get('master_replid');
    expect(newId).not.toBe(oldId);
    expect(await ce.call('SET', 'b', '2')).toBe('OK');
    await until('sub-replica continues from the new master', async () => (await rs.call('GET', 'b')) === '2');
    const after = await rsInfo();
    expect(after.get('master_replid')).toBe(newId);
    expect(after.get('master_replid2')).toBe(oldId);
    expect(await rs.call('GET', 'a')).toBe('1');

    // The old master rejoins as a replica of the engine, continuing its own history.
    expect(await rm.call('REPLICAOF', '127.0.0.1', String(e.port))).toBe('OK');
    await rm.call('SELECT', '0');
    await until('old master follows', async () => (await rm.call('GET', 'b')) === '2');
    const stats = infoFields(String(await rm.call('INFO', 'replication')));
    expect(stats.get('master_replid')).toBe(newId);
    expect((await replicationInfo(ce)).get('connected_slaves')).toBe('2');
    expect(e.server.stats.syncFull).toBe(fullSyncsBefore);
  });

  it('a redis-server replica syncs from our master', async () => {
    const master = await engine({}, true);
    const m = await master.connect();
    await m.call('HSET', 'before', 'f', 'v');
    const replicaPort = await freePort();
    const rr = await startRedis(replicaPort, ['--replicaof', '127.0.0.1', String(master.port)]);
    await until(
      'redis link up',
      async () => infoFields(String(await rr.call('INFO', 'replication'))).get('master_link_status') === 'up',
    );
    expect(await rr.call('HGET', 'before', 'f')).toBe('v');
    await m.call('SET', 'k', 'from-engine');
    await m.call('SELECT', '2');
    await m.call('ZADD', 'z', '1', 'a');
    await until('redis replica has it', async () => (await rr.call('GET', 'k')) === 'from-engine');
    await rr.call('SELECT', '2');
    await until('db 2', async () => (await rr.call('ZSCORE', 'z', 'a')) === '1');
    expect(await rr.send('SET', 'k', 'x')).toEqual({
      type: 'error',
      value: "READONLY You can't write against a read only replica.",
    });
    const mi = await replicationInfo(m);
    expect(mi.get('connected_slaves')).toBe('1');
    expect(mi.get('slave0')).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${replicaPort},state=online,`));
    rr.destroy();
  });
});
