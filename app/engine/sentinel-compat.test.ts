/**
 * What redis-sentinel asks of a server (src/sentinel.c), answered by the built-in
 * engine exactly as by Debian's redis-server: the INFO lines it parses, the hello
 * channel, naming and killing clients, the failover transaction (MULTI; SLAVEOF;
 * CONFIG REWRITE; CLIENT KILL TYPE normal; EXEC) on a server started from a config
 * file, and PING refused with MISCONF when the server cannot persist (Sentinel then
 * sees it down). Each server is a process started from a redis.conf in a temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RespConnection } from '../resp/connection.js';
import { toPlain, type RespValue } from '../resp/reply-parser.js';
import { engineEntry } from './test-support/engine-process.js';

/** Ports 23150-23159 (the Sentinel helper's range). */
const PORTS = { engine: 23150, 'redis-server': 23155 } as const;
type Kind = keyof typeof PORTS;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFromConfig(kind: Kind, port: number, extra: string[] = []): Promise<{ conf: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-compat-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'redis.conf');
  writeFileSync(
    conf,
    [`port ${port}`, 'bind 127.0.0.1', `dir "${dir}"`, 'save ""', 'enable-protected-configs yes', ...extra].join('\n') +
      '\n',
  );
  const [command, args] = kind === 'engine' ? [process.execPath, [engineEntry(), conf]] : ['redis-server', [conf]];
  const child: ChildProcess = spawn(command, args, { cwd: dir, stdio: 'ignore' });
  const exited = new Promise((done) => child.once('exit', done));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  for (const deadline = Date.now() + 10_000; ;) {
    const ok = await RespConnection.connect(port)
      .then(async (c) => {
        const reply = await c.send('PING');
        c.destroy();
        return reply.type === 'simple';
      })
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${kind} did not start on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { conf };
}

async function connect(port: number): Promise<RespConnection> {
  const connection = await RespConnection.connect(port);
  cleanups.push(() => connection.destroy());
  return connection;
}

function text(reply: RespValue): string {
  return reply.type === 'bulk' || reply.type === 'simple' || reply.type === 'error' || reply.type === 'verbatim'
    ? reply.value
    : JSON.stringify(toPlain(reply));
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(['engine', 'redis-server'] as const)('what Sentinel asks of %s', (kind) => {
  it('INFO as sentinelRefreshInstanceInfo() parses it, on a master and on its replica', async () => {
    const masterPort = PORTS[kind];
    const replicaPort = masterPort + 1;
    await startFromConfig(kind, masterPort, ['repl-diskless-sync-delay 0']);
    await startFromConfig(kind, replicaPort, [`replicaof 127.0.0.1 ${masterPort}`, 'replica-priority 42']);
    const master = await connect(masterPort);
    const replica = await connect(replicaPort);
    await until(async () => /master_link_status:up/.test(text(await replica.send('INFO', 'replication'))));
    await until(async () =>
      /slave0:ip=127\.0\.0\.1,port=\d+,state=online,offset=\d+,lag=\d+/.test(text(await master.send('INFO'))),
    );

    const masterInfo = text(await master.send('INFO'));
    expect(masterInfo).toMatch(/\r\nrun_id:[0-9a-f]{40}\r\n/);
    expect(masterInfo).toContain('\r\nrole:master\r\n');
    expect(masterInfo).toContain(`slave0:ip=127.0.0.1,port=${replicaPort},state=online,`);

    const replicaInfo = text(await replica.send('INFO'));
    expect(replicaInfo).toContain('\r\nrole:slave\r\n');
    expect(replicaInfo).toContain(
      `\r\nmaster_host:127.0.0.1\r\nmaster_port:${masterPort}\r\nmaster_link_status:up\r\n`,
    );
    expect(replicaInfo).toMatch(/\r\nslave_repl_offset:\d+\r\n/);
    expect(replicaInfo).toContain('\r\nslave_priority:42\r\n');
    expect(replicaInfo).toContain('\r\nreplica_announced:1\r\n');

    // The link down: master_link_down_since_seconds, which Sentinel reads to judge a replica.
    await replica.send('REPLICAOF', '127.0.0.1', String(masterPort + 2)); // nobody listens there
    await until(async () =>
      /master_link_down_since_seconds:-?\d+/.test(text(await replica.send('INFO', 'replication'))),
    );
    expect(text(await replica.send('INFO', 'replication'))).toContain('master_link_status:down');
  }, 30_000);

  it('the hello channel, CLIENT SETNAME, CLIENT KILL TYPE normal / pubsub', async () => {
    const port = PORTS[kind];
    await startFromConfig(kind, port);
    const subscriber = await connect(port);
    expect(text(await subscriber.send('CLIENT', 'SETNAME', 'sentinel-1234abcd-pubsub'))).toBe('OK');
    await subscriber.send('SUBSCRIBE', '__sentinel__:hello');
    const publisher = await connect(port);
    expect(text(await publisher.send('CLIENT', 'SETNAME', 'sentinel-1234abcd-cmd'))).toBe('OK');
    const hello = '127.0.0.1,26379,1234abcd,0,mymaster,127.0.0.1,6379,0';
    expect(toPlain(await publisher.send('PUBLISH', '__sentinel__:hello', hello))).toBe(1);
    expect(toPlain(await subscriber.readReply(2000))).toEqual(['message', '__sentinel__:hello', hello]);
    expect(text(await publisher.send('CLIENT', 'LIST'))).toMatch(/name=sentinel-1234abcd-pubsub /);

    const bystander = await connect(port);
    // TYPE pubsub ends the subscriber only; TYPE normal ends the others (the caller too, after its reply).
    expect(toPlain(await publisher.send('CLIENT', 'KILL', 'TYPE', 'pubsub'))).toBe(1);
    await subscriber.waitClosed();
    expect(toPlain(await publisher.send('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'))).toBe(1);
    await bystander.waitClosed();
    expect(text(await publisher.send('PING'))).toBe('PONG');
  }, 30_000);

  it('the failover transaction: MULTI; SLAVEOF; CONFIG REWRITE; CLIENT KILL TYPE normal; EXEC', async () => {
    const port = PORTS[kind];
    const { conf } = await startFromConfig(kind, port);
    const sentinel = await connect(port);
    const client = await connect(port);
    await sentinel.send('MULTI');
    for (const args of [
      ['SLAVEOF', '127.0.0.1', String(port + 3)],
      ['CONFIG', 'REWRITE'],
      ['CLIENT', 'KILL', 'TYPE', 'normal'],
    ]) {
      expect(text(await sentinel.send(...args))).toBe('QUEUED');
    }
    const exec = toPlain(await sentinel.send('EXEC'));
    // SKIPME defaults to yes: the caller (Sentinel's own link) stays.
    expect(exec).toEqual(['OK', 'OK', 1]);
    await client.waitClosed();
    expect(readFileSync(conf, 'utf8')).toMatch(new RegExp(`\\nreplicaof 127\\.0\\.0\\.1 ${port + 3}\\n`));

    // Promotion: SLAVEOF NO ONE, and the rewritten file forgets the master.
    const again = await connect(port);
    await again.send('MULTI');
    await again.send('SLAVEOF', 'NO', 'ONE');
    await again.send('CONFIG', 'REWRITE');
    expect(toPlain(await again.send('EXEC'))).toEqual(['OK', 'OK']);
    expect(readFileSync(conf, 'utf8')).not.toMatch(/\nreplicaof /);
  }, 30_000);

  it('PING refused with MISCONF while the last BGSAVE failed (stop-writes-on-bgsave-error)', async () => {
    const port = PORTS[kind];
    await startFromConfig(kind, port);
    const client = await connect(port);
    const dir = text(await client.send('CONFIG', 'GET', 'dir')).match(/"([^"]+)"\]$/)?.[1];
    await client.send('CONFIG', 'SET', 'dir', '/');
    // A file named like an existing folder: the rename at the end of the save fails.
    await client.send('CONFIG', 'SET', 'dbfilename', 'tmp');
    await client.send('CONFIG', 'SET', 'save', '1000000 1000000');
    await client.send('BGSAVE');
    await until(async () => /rdb_last_bgsave_status:err/.test(text(await client.send('INFO', 'persistence'))));
    expect(text(await client.send('PING'))).toMatch(/^MISCONF Redis is configured to save RDB snapshots/);
    expect(text(await client.send('SET', 'k', 'v'))).toMatch(/^MISCONF /);
    expect(text(await client.send('GET', 'k'))).toBe('null');
    await client.send('CONFIG', 'SET', 'save', '');
    expect(text(await client.send('PING'))).toBe('PONG');
    if (dir) await client.send('CONFIG', 'SET', 'dir', dir);
  }, 30_000);
});
