import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RespConnection } from '../resp/connection.js';
import { isProcessAlive } from './process-identity.js';
import { NodeOperationError } from './supervisor.js';
import { eventually, makeWorkspace, openTestLab, TEST_ENGINES, testEngines, type TestLab } from './testing.js';
import type { NodeStatus } from './types.js';

/** Ports 22400-22499: 50 per engine. */
const BASE_PORTS = { builtin: 22400, 'redis-server': 22450 } as const;

async function ping(port: number, timeoutMs = 2000): Promise<string> {
  const connection = await RespConnection.connect(port);
  try {
    const reply = await Promise.race([
      connection.send('PING'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no reply')), timeoutMs)),
    ]);
    return reply.type === 'simple' ? reply.value : JSON.stringify(reply);
  } finally {
    connection.destroy();
  }
}

async function call(port: number, ...args: string[]): Promise<unknown> {
  const connection = await RespConnection.connect(port);
  try {
    return await connection.call(...args);
  } finally {
    connection.destroy();
  }
}

/** Something else listening on the port; close() also drops the connections it accepted. */
function listen(port: number): Promise<{ close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sockets = new Set<Socket>();
    const server: NetServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () =>
          new Promise<void>((r) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => r());
          }),
      }),
    );
  });
}

describe.each(TEST_ENGINES)('NodeSupervisor on %s', (engine) => {
  const base = BASE_PORTS[engine];
  let lab: TestLab | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    await lab?.close();
    lab = undefined;
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('starts a node in the seed layout, stops it with SHUTDOWN, restarts it with its data', async () => {
    lab = await openTestLab(base);
    const { supervisor } = lab;
    const states: string[] = [];
    supervisor.on('state', (s) => s.id === 'm' && states.push(s.state));

    const started = await supervisor.start({ id: 'm', engine });
    expect(started.state).toBe('up');
    expect(started.port).toBeGreaterThanOrEqual(base);
    const port = started.port;
    expect(started.confPath).toBe(`${lab.workspace}/nodes/${port}/redis_${port}.conf`);
    expect(started.logPath).toBe(`${lab.workspace}/nodes/${port}/logfile-${port}`);
    expect(existsSync(`${lab.workspace}/nodes/${port}/redis_${port}.pid`)).toBe(true);
    expect(await ping(port)).toBe('PONG');
    expect(await call(port, 'CONFIG', 'GET', 'dbfilename')).toEqual(['dbfilename', `dump-${port}.rdb`]);
    await call(port, 'SET', 'seed', 'kept across restart');

    const pid = started.pid!;
    const stopped = await supervisor.stop('m');
    expect(stopped.state).toBe('stopped');
    expect(stopped.exit).toMatchObject({ requested: true });
    expect(isProcessAlive(pid)).toBe(false);
    // SHUTDOWN (not a signal) ended it: the log says so, and the dump was saved.
    expect(readFileSync(started.logPath!, 'utf8')).toMatch(/User requested shutdown/);
    expect(existsSync(`${lab.workspace}/nodes/${port}/dump-${port}.rdb`)).toBe(true);

    const restarted = await supervisor.restart('m');
    expect(restarted.state).toBe('up');
    expect(restarted.port).toBe(port);
    expect(restarted.pid).not.toBe(pid);
    expect(await call(port, 'GET', 'seed')).toBe('kept across restart');
    expect(states).toEqual(['starting', 'up', 'stopped', 'starting', 'up']);
  });

  it('picks distinct free ports for nodes started together, skipping a taken one', async () => {
    lab = await openTestLab(base + 10);
    const blocker = await listen(base + 10);
    cleanups.push(() => blocker.close());
    const [a, b] = await Promise.all([
      lab.supervisor.start({ id: 'a', engine }),
      lab.supervisor.start({ id: 'b', engine, replicaOf: { host: '127.0.0.1', port: 1 } }),
    ]);
    expect(new Set([a.port, b.port])).toEqual(new Set([base + 11, base + 12]));
    expect(readFileSync(b.confPath!, 'utf8')).toMatch(/^replicaof 127\.0\.0\.1 1$/m);
  });

  it('tells a crash from a stop: kill -9 from outside leaves it crashed with its log tail', async () => {
    lab = await openTestLab(base + 15);
    const started = await lab.supervisor.start({ id: 'victim', engine });
    process.kill(started.pid!, 'SIGKILL');
    const crashed = await eventually(() => {
      const s = lab!.supervisor.status('victim');
      return s?.state === 'crashed' ? s : undefined;
    });
    expect(crashed.exit).toEqual({ code: null, signal: 'SIGKILL', requested: false });
    expect(crashed.error).toMatch(/^Node victim was killed by SIGKILL without being asked to stop/);
    expect(crashed.logTail!.join('\n')).toMatch(/Ready to accept connections/);
    expect(crashed.pid).toBeUndefined();
  });

  it('marks a kill from the lab as a crash that was asked for', async () => {
    lab = await openTestLab(base + 17);
    await lab.supervisor.start({ id: 'k', engine });
    const killed = await lab.supervisor.kill('k');
    expect(killed.state).toBe('crashed');
    expect(killed.exit).toEqual({ code: null, signal: 'SIGKILL', requested: true });
    expect(killed.error).toBe('Node k was killed with SIGKILL by the lab.');
  });

  it('reports a port in use by naming the port, with the log line', async () => {
    lab = await openTestLab(base + 20);
    const port = base + 20;
    const blocker = await listen(port);
    cleanups.push(() => blocker.close());
    const failure = await lab.supervisor.start({ id: 'p', engine, port }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(NodeOperationError);
    expect((failure as NodeOperationError).code).toBe('port-in-use');
    expect((failure as NodeOperationError).message).toMatch(
      new RegExp(
        `^Port ${port} is already in use on 127\\.0\\.0\\.1, so node p could not listen on it \\(log: ".*Address already in use"\\)\\.$`,
      ),
    );
    const status = lab.supervisor.status('p')!;
    expect(status.state).toBe('crashed');
    expect(status.logTail!.some((line) => line.includes('Address already in use'))).toBe(true);
  });

  it('is not fooled by another Redis already on the port', async () => {
    lab = await openTestLab(base + 40);
    const other = await openTestLab(base + 40);
    cleanups.push(() => other.close());
    const theirs = await other.supervisor.start({ id: 'theirs', engine });
    const failure = await lab.supervisor.start({ id: 'ours', engine, port: theirs.port }).catch((err: unknown) => err);
    expect((failure as NodeOperationError).code).toBe('port-in-use');
    expect(lab.supervisor.status('ours')!.state).toBe('crashed');
  });

  it('reports a node that cannot read its config, with what it printed', async () => {
    lab = await openTestLab(base + 42);
    const failure = await lab.supervisor
      .start({ id: 'bad', engine, settings: { maxmemory: 'banana' } })
      .catch((err: unknown) => err);
    expect((failure as NodeOperationError).code).toBe('start-failed');
    const status = lab.supervisor.status('bad')!;
    expect(status).toMatchObject({ state: 'crashed', exit: { code: 1, signal: null, requested: false } });
    expect(status.logTail!.join('\n')).toMatch(/FATAL CONFIG FILE ERROR/);
    expect(status.error).toMatch(/^Node bad exited with code 1 without being asked to stop \(last log line: /);
  });

  it('runs from a workspace whose path has spaces, with quoted and multi-argument settings', async () => {
    const workspace = makeWorkspace('with space');
    lab = await openTestLab(base + 44, { workspace: `${workspace}/my lab` });
    cleanups.push(() => rmSync(workspace, { recursive: true, force: true }));
    const node = await lab.supervisor.start({
      id: 's',
      engine,
      settings: { save: '3600 1 300 100', masterauth: 'p"w d', 'repl-backlog-size': '2mb' },
    });
    expect(await call(node.port, 'CONFIG', 'GET', 'save')).toEqual(['save', '3600 1 300 100']);
    expect(await call(node.port, 'CONFIG', 'GET', 'masterauth')).toEqual(['masterauth', 'p"w d']);
    expect(await call(node.port, 'CONFIG', 'GET', 'dir')).toEqual(['dir', `${workspace}/my lab/nodes/${node.port}`]);
  });

  it('runs one process when the same node is started twice at once', async () => {
    lab = await openTestLab(base + 46);
    const results = await Promise.allSettled([
      lab.supervisor.start({ id: 'twice', engine }),
      lab.supervisor.start({ id: 'twice', engine }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected')!;
    expect(rejected.reason).toMatchObject({ code: 'duplicate-node', message: 'Node twice is already running.' });
    expect(lab.supervisor.status('twice')!.state).toBe('up');
  });

  it('refuses a port another node of the lab holds', async () => {
    lab = await openTestLab(base + 22);
    const first = await lab.supervisor.start({ id: 'one', engine });
    await expect(lab.supervisor.start({ id: 'two', engine, port: first.port })).rejects.toThrow(
      `Port ${first.port} is already given to node one in this lab.`,
    );
  });

  it('freezes (SIGSTOP) and thaws (SIGCONT); stop works on a frozen node', async () => {
    lab = await openTestLab(base + 25);
    const { port } = await lab.supervisor.start({ id: 'f', engine });
    expect((await lab.supervisor.freeze('f')).state).toBe('frozen');
    await expect(ping(port, 300)).rejects.toThrow('no reply');
    expect((await lab.supervisor.thaw('f')).state).toBe('up');
    expect(await ping(port)).toBe('PONG');
    await lab.supervisor.freeze('f');
    const stopped = await lab.supervisor.stop('f');
    expect(stopped.state).toBe('stopped');
  });

  it('removes a node and, when asked, its folder', async () => {
    lab = await openTestLab(base + 30);
    const status = await lab.supervisor.start({ id: 'r', engine });
    const removed: string[] = [];
    lab.supervisor.on('removed', (id) => removed.push(id));
    await lab.supervisor.remove('r', { deleteFolder: true });
    expect(removed).toEqual(['r']);
    expect(lab.supervisor.status('r')).toBeUndefined();
    expect(existsSync(status.dir!)).toBe(false);
    expect(isProcessAlive(status.pid!)).toBe(false);
  });

  it('attaches to a remote server, and refuses to stop, kill or freeze it', async () => {
    lab = await openTestLab(base + 35);
    const local = await lab.supervisor.start({ id: 'local', engine });
    const remote: NodeStatus = await lab.supervisor.start({
      id: 'far',
      engine: 'remote',
      host: '127.0.0.1',
      port: local.port,
    });
    expect(remote.state).toBe('up');
    for (const operation of ['stop', 'kill', 'freeze', 'restart'] as const) {
      await expect(lab.supervisor[operation]('far')).rejects.toThrow(
        `Cannot ${operation} node far: it is a remote server at 127.0.0.1:${local.port}, which the lab attached to ` +
          'but did not start, so it never starts, stops, restarts, kills or freezes it.',
      );
    }
    const unreachable = await lab.supervisor.start({
      id: 'gone',
      engine: 'remote',
      host: '127.0.0.1',
      port: base + 39,
    });
    expect(unreachable.state).toBe('down');
    expect(unreachable.error).toBe(`Remote server 127.0.0.1:${base + 39} did not answer PING: connection refused.`);
    await lab.supervisor.remove('far');
    expect(await ping(local.port)).toBe('PONG');
    await expect(lab.supervisor.stop('far')).rejects.toThrow('There is no node far in this lab.');
  });
});

describe('NodeSupervisor, engine-independent failures', () => {
  let lab: TestLab | undefined;
  afterEach(async () => {
    await lab?.close();
    lab = undefined;
  });

  it('marks a node failed when its engine is missing or its settings are refused, before spawning', async () => {
    lab = await openTestLab(22490);
    const engines = await testEngines();
    const valkey = engines.find((e) => e.kind === 'valkey-server')!;
    if (!valkey.available) {
      await expect(lab.supervisor.start({ id: 'v', engine: 'valkey-server' })).rejects.toMatchObject({
        code: 'engine-unavailable',
        message: `Cannot start node v: ${valkey.description}.`,
      });
      expect(lab.supervisor.status('v')).toMatchObject({
        state: 'crashed',
        error: `Cannot start node v: ${valkey.description}.`,
      });
    }
    await expect(lab.supervisor.start({ id: 'd', engine: 'builtin', settings: { dir: '/etc' } })).rejects.toMatchObject(
      {
        code: 'invalid-spec',
      },
    );
    expect(lab.supervisor.status('d')).toMatchObject({
      state: 'crashed',
      error:
        'Cannot start node d: The setting "dir" is managed by the lab (it follows the node\'s port, folder and replication edge).',
    });
  });
});
