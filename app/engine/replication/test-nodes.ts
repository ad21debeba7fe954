/**
 * Nodes for the replication tests (failover.test.ts, diskless.test.ts): in-process
 * engines, engine processes and Debian's redis-server 7.0.15, each in a temporary
 * directory, all stopped by `stopAll()` (call it from afterEach, so a failing test
 * stops what it started too).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RespConnection } from '../../resp/connection.js';
import { startEngineProcess, type EngineProcess } from '../test-support/engine-process.js';
import { startTestServer, type TestServer } from '../testing.js';

/** A node the tests talk to: its port, a connection, and its log. */
export interface Node {
  port: number;
  conn: RespConnection;
  /** Another connection (for a client that blocks, or writes concurrently). */
  connect(): Promise<RespConnection>;
  log(): string;
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

export async function info(conn: RespConnection, section = 'replication'): Promise<Map<string, string>> {
  return infoFields(String(await conn.call('INFO', section)));
}

export async function linkUp(conn: RespConnection): Promise<boolean> {
  return (await info(conn)).get('master_link_status') === 'up';
}

export function redisServerPath(): string {
  return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
}

export class TestNodes {
  private readonly inProcess: TestServer[] = [];
  private readonly processes: EngineProcess[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly connections: RespConnection[] = [];
  private readonly dirs: string[] = [];

  private tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  private async connection(port: number): Promise<RespConnection> {
    let conn: RespConnection | undefined;
    await until(`port ${port} accepting`, async () => {
      conn = await RespConnection.connect(port).catch(() => undefined);
      return conn !== undefined;
    });
    this.connections.push(conn!);
    return conn!;
  }

  /**
   * An engine in this process, logging to a file. In-process engines keep the
   * test runner's working directory (no `dir`): replicas load diskless (swapdb)
   * so no payload is written there.
   */
  async engine(overrides: Record<string, string> = {}): Promise<Node & { server: TestServer }> {
    const logfile = join(this.tempDir('repl-engine-'), 'engine.log');
    const server = await startTestServer({ logfile, 'repl-diskless-load': 'swapdb', ...overrides });
    this.inProcess.push(server);
    const conn = await this.connection(server.port);
    return {
      port: server.port,
      conn,
      server,
      connect: () => this.connection(server.port),
      log: () => readFileSync(logfile, 'latin1'),
    };
  }

  /**
   * An engine process in a directory of its own (for disk-based sync: it writes
   * dbfilename), or in `dir` to restart one in the directory of a previous one.
   */
  async engineProcess(
    port: number,
    args: string[] = [],
    dir = this.tempDir('repl-engine-proc-'),
  ): Promise<Node & { dir: string; stop(): Promise<void> }> {
    const logfile = join(dir, 'engine.log');
    const child = await startEngineProcess(
      ['--port', String(port), '--dir', dir, '--logfile', logfile, '--enable-debug-command', 'yes', ...args],
      { cwd: dir },
    );
    this.processes.push(child);
    const conn = await this.connection(port);
    return {
      port,
      conn,
      dir,
      connect: () => this.connection(port),
      log: () => readFileSync(logfile, 'latin1'),
      stop: async () => {
        await child.stop();
      },
    };
  }

  /** Debian's redis-server 7.0.15 on `port`, in a directory of its own. */
  async redis(port: number, args: string[] = []): Promise<Node> {
    const dir = this.tempDir('repl-redis-');
    const logfile = join(dir, 'redis.log');
    const child = spawn(
      redisServerPath(),
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
        logfile,
        '--enable-debug-command',
        'yes',
        ...args,
      ],
      { stdio: 'ignore' },
    );
    this.children.push(child);
    const conn = await this.connection(port);
    return { port, conn, connect: () => this.connection(port), log: () => readFileSync(logfile, 'latin1') };
  }

  async stopAll(): Promise<void> {
    for (const conn of this.connections.splice(0)) conn.destroy();
    for (const child of this.children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
    }
    await Promise.all(this.processes.splice(0).map((p) => p.stop()));
    for (const server of this.inProcess.splice(0).reverse()) await server.close();
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Fills a node with one key of every type in two dbs, through real (replicated) writes. */
export async function writeEveryType(conn: RespConnection, tag: string): Promise<void> {
  await conn.call('SELECT', '0');
  await conn.call('SET', `${tag}:s`, 'value');
  await conn.call('SET', `${tag}:n`, '12345');
  await conn.call('RPUSH', `${tag}:l`, 'a', 'b', 'c');
  await conn.call('HSET', `${tag}:h`, 'f1', 'v1', 'f2', 'v2');
  await conn.call('SADD', `${tag}:set`, 'x', 'y', '1');
  await conn.call('ZADD', `${tag}:z`, '1', 'a', '2.5', 'b');
  await conn.call('SET', `${tag}:ttl`, 'v', 'EX', '1000');
  await conn.call('SELECT', '5');
  await conn.call('SADD', `${tag}:ints`, '1', '2', '3');
  await conn.call('SELECT', '0');
}

/**
 * INCRs `key` one after another until a write is refused (READONLY once the
 * node became a replica) or `stop()` is called; `acked` counts the successes.
 */
export function incrementUntilRefused(
  conn: RespConnection,
  key: string,
): {
  acked: () => number;
  refusal: Promise<string>;
  stop: () => void;
} {
  let acked = 0;
  let stopped = false;
  const refusal = (async () => {
    while (!stopped) {
      const reply = await conn.send('INCR', key);
      if (reply.type === 'error') return reply.value;
      acked++;
    }
    return 'stopped';
  })();
  return { acked: () => acked, refusal, stop: () => (stopped = true) };
}
