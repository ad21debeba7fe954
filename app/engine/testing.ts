/**
 * In-process engine servers for tests: a real Server listening on an ephemeral
 * loopback port, quiet, and torn down completely by close() (its clients, the
 * connections the test opened through connect(), its listeners and timers).
 */
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
