/**
 * In-process engine servers for tests: a real Server listening on an ephemeral
 * loopback port, quiet, and torn down completely by close() (its clients, the
 * connections the test opened through connect(), its listeners and timers).
 */
import { afterEach } from 'vitest';
import { devNull } from 'node:os';
import { RespConnection } from '../resp/connection.js';
import { ServerConfig } from './config/index.js';
import type { Server } from './server.js';
import { startEngine } from './startup.js';

/** As Redis's own test suite runs its servers: loopback only, DEBUG allowed, no snapshots, quiet. */
const TEST_DEFAULTS: Record<string, string> = {
  port: '0',
  bind: '127.0.0.1',
  logfile: devNull,
  save: '',
  'enable-debug-command': 'yes',
  // As Redis's tests/assets/default.conf: full syncs start at once instead of after 5 seconds.
  'repl-diskless-sync-delay': '0',
};

export interface TestServer {
  port: number;
  server: Server;
  /** A new client connection, closed by close() if the test has not closed it. */
  connect(): Promise<RespConnection>;
  close(): Promise<void>;
}

/**
 * Starts a server with `overrides` as redis.conf directives (`{ requirepass: 'x' }`).
 * The log goes nowhere unless `logfile` is overridden; DEBUG is enabled.
 */
export async function startTestServer(overrides: Record<string, string> = {}): Promise<TestServer> {
  const args: string[] = [];
  for (const [name, value] of Object.entries({ ...TEST_DEFAULTS, ...overrides })) args.push(`--${name}`, value);
  const config = ServerConfig.fromArgs(args);
  const server = await startEngine(config, [], { handleSignals: false });
  // SHUTDOWN must not end the test runner's process.
  server.onExit = () => {};
  const port = server.boundPort();
  const connections = new Set<RespConnection>();
  let closing: Promise<void> | undefined;
  return {
    port,
    server,
    async connect() {
      const connection = await RespConnection.connect(port);
      connections.add(connection);
      void connection.waitClosed().then(() => connections.delete(connection));
      return connection;
    },
    close() {
      closing ??= (async () => {
        for (const connection of connections) connection.destroy();
        await server.close();
      })();
      return closing;
    },
  };
}

export interface RecordingSetup {
  client: RespConnection;
  /** Every command the server propagated to replicas, in order. */
  propagated: string[][];
  server: Server;
  testServer: TestServer;
}

/**
 * For a test file: `const setup = useTestServer()` gives a function that starts a
 * server (with optional redis.conf overrides), records what it propagates and
 * connects a client. Every server started is closed after each test.
 */
export function useTestServer(): (overrides?: Record<string, string>) => Promise<RecordingSetup> {
  let current: TestServer | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (overrides = {}) => {
    current = await startTestServer(overrides);
    const propagated: string[][] = [];
    current.server.propagationListeners.push((_db, argv) => propagated.push(argv));
    const client = await current.connect();
    return { client, propagated, server: current.server, testServer: current };
  };
}
