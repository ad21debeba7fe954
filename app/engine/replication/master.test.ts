import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplyParser, toPlain } from '../../resp/reply-parser.js';
import { startTestServer, type TestServer } from '../testing.js';

/**
 * A raw SYNC client, as Redis's own test helper attach_to_replication_stream does:
 * the payload is `$<len>\r\n<rdb>` with no trailing CRLF, then the command stream.
 */
/** `dir` makes the server chdir() there, as Redis does: tests go back before removing it. */
const testCwd = process.cwd();

class StreamReader {
  private pending = Buffer.alloc(0);
  private payloadLeft = -1;
  readonly parser = new ReplyParser();
  payload = Buffer.alloc(0);

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  private onData(chunk: Buffer): void {
    if (this.payloadLeft !== 0) {
      this.pending = Buffer.concat([this.pending, chunk]);
      if (this.payloadLeft === -1) {
        const eol = this.pending.indexOf('\r\n');
        if (eol === -1) return;
        this.payloadLeft = Number(this.pending.subarray(1, eol).toString());
        this.pending = this.pending.subarray(eol + 2);
      }
      const take = Math.min(this.payloadLeft, this.pending.length);
      this.payload = Buffer.concat([this.payload, this.pending.subarray(0, take)]);
      this.payloadLeft -= take;
      chunk = this.pending.subarray(take);
      if (this.payloadLeft !== 0) return;
    }
    if (chunk.length > 0) this.parser.feed(chunk);
  }

  /** The next n commands of the stream, as arrays of strings. */
  async commands(n: number): Promise<string[][]> {
    const out: string[][] = [];
    const deadline = Date.now() + 5000;
    while (out.length < n && Date.now() < deadline) {
      const reply = this.parser.next();
      if (reply) out.push(toPlain(reply) as string[]);
      else await new Promise((r) => setTimeout(r, 5));
    }
    return out;
  }
}

describe('replication stream (master side)', () => {
  let server: TestServer | undefined;
  const sockets: Socket[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server?.close();
    server = undefined;
    process.chdir(testCwd);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function attach(): Promise<StreamReader> {
    // SYNC announces no `capa eof`: the snapshot goes through dbfilename, in a directory of our own.
    const dir = mkdtempSync(join(tmpdir(), 'master-test-'));
    dirs.push(dir);
    server = await startTestServer({ 'repl-ping-replica-period': '3600', dir });
    const socket = createConnection({ port: server.port, host: '127.0.0.1' });
    sockets.push(socket);
    await new Promise((r) => socket.once('connect', r));
    const reader = new StreamReader(socket);
    socket.write('SYNC\r\n');
    const replicas = server.server.replication.replicas;
    const deadline = Date.now() + 5000;
    while (replicas.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return reader;
  }

  it('sends the snapshot, then every write with SELECT when the db changes', async () => {
    const reader = await attach();
    const client = await server!.connect();
    await client.call('SET', 'a', '1');
    await client.call('SELECT', '2');
    await client.call('INCR', 'n');
    await client.call('GET', 'a'); // reads are not propagated
    const stream = await reader.commands(4);
    expect(reader.payload.subarray(0, 9).toString()).toBe('REDIS0010');
    expect(stream).toEqual([
      ['SELECT', '0'],
      ['SET', 'a', '1'],
      ['SELECT', '2'],
      ['INCR', 'n'],
    ]);
  });

  it('wraps a transaction with several writes in MULTI/EXEC, and rewrites relative expiries', async () => {
    const reader = await attach();
    const client = await server!.connect();
    await client.call('MULTI');
    await client.call('SET', 'k', 'v', 'EX', '100');
    await client.call('LPUSH', 'l', 'x');
    await client.call('EXEC');
    const stream = await reader.commands(5);
    expect(stream[0]).toEqual(['SELECT', '0']);
    expect(stream[1]).toEqual(['MULTI']);
    expect(stream[2]!.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    expect(Number(stream[2]![4])).toBeGreaterThan(Date.now());
    expect(stream[3]).toEqual(['LPUSH', 'l', 'x']);
    expect(stream[4]).toEqual(['EXEC']);
  });

  it('reports the replica and the stream offset in INFO replication', async () => {
    const reader = await attach();
    const client = await server!.connect();
    await client.call('SET', 'a', '1');
    await reader.commands(2);
    const info = String(await client.call('INFO', 'replication'));
    expect(info).toMatch(/connected_slaves:1\r\n/);
    expect(info).toMatch(/slave0:ip=127\.0\.0\.1,port=0,state=online,offset=0,lag=\d+\r\n/);
    expect(info).toMatch(/repl_backlog_active:1\r\n/);
    const offset = Number(/master_repl_offset:(\d+)/.exec(info)![1]);
    // *2 SELECT 0 is 23 bytes, *3 SET a 1 is 27 bytes.
    expect(offset).toBe(23 + 27);
  });
});

describe('WAIT', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0).reverse()) await s.close();
  });

  it('returns once enough replicas acknowledged the write, or the count at the timeout', async () => {
    const master = await startTestServer();
    servers.push(master);
    // Diskless load: an in-process replica must not write dump.rdb into the working directory.
    const replica = await startTestServer({ replicaof: `127.0.0.1 ${master.port}`, 'repl-diskless-load': 'swapdb' });
    servers.push(replica);
    const client = await master.connect();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !String(await client.call('INFO', 'replication')).includes('state=online')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await client.call('SET', 'k', 'v');
    expect(await client.call('WAIT', '1', '2000')).toBe(1);
    const started = Date.now();
    expect(await client.call('WAIT', '2', '200')).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await expect(client.call('WAIT', '1', '-1')).rejects.toThrow('ERR timeout is negative');
    const onReplica = await replica.connect();
    await expect(onReplica.call('WAIT', '1', '1')).rejects.toThrow('ERR WAIT cannot be used with replica instances');
  });
});

describe('repl-backlog-ttl', () => {
  let server: TestServer | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    process.chdir(testCwd);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('frees the backlog and takes a new replication id once no replica has been connected for the ttl', async () => {
    dir = mkdtempSync(join(tmpdir(), 'master-test-'));
    server = await startTestServer({ 'repl-backlog-ttl': '1', dir });
    const master = server.server.replication;
    const socket = createConnection({ port: server.port, host: '127.0.0.1' });
    await new Promise((r) => socket.once('connect', r));
    socket.write('SYNC\r\n');
    const deadline = Date.now() + 5000;
    while (master.replicas.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const idBefore = master.replId;
    expect(master.backlog).toBeDefined();
    socket.destroy();
    while (master.replicas.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // Still within the ttl: kept.
    master.expireBacklog(Date.now());
    expect(master.backlog).toBeDefined();
    master.expireBacklog(Date.now() + 1500);
    expect(master.backlog).toBeUndefined();
    expect(master.replId).not.toBe(idBefore);
  });
});
