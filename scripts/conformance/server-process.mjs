// Starting and stopping the servers the tooling measures: the built engine
// (`node out/main/engine.js`) or Debian's `redis-server`, both with the same
// redis-server command line, listening on loopback only. Shared by the
// conformance runner and the benchmark.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';

/** Throws with `hint` when `command` is not on PATH. */
export function requireCommand(command, hint) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`'${command}' not found on PATH. ${hint}`);
  return found.stdout.trim();
}

const portsHandedOut = new Set();

// Servers still running, killed if the tool exits early (Ctrl-C, an uncaught error).
const liveChildren = new Set();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** True when nothing listens on 127.0.0.1:port and we can bind it. */
export function isPortFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The first free port in [start, start+count) not already handed out by this process. */
export async function pickPort(start, count) {
  for (let port = start; port < start + count; port++) {
    if (portsHandedOut.has(port)) continue;
    if (await isPortFree(port)) {
      portsHandedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${start}-${start + count - 1}`);
}

export function releasePort(port) {
  portsHandedOut.delete(port);
}

/**
 * Describes what to run: `{ kind: 'engine', entry }` or `{ kind: 'redis-server', binary }`.
 * `serverArg` is the --server option: 'engine' (default), 'redis-server' or a path.
 */
export function resolveServer(serverArg, engineEntry) {
  if (!serverArg || serverArg === 'engine') {
    if (!existsSync(engineEntry)) {
      throw new Error(
        `The built engine ${engineEntry} is missing. Run \`npm run build\` first ` +
          '(or pass --engine <path to a bundled engine.js>).',
      );
    }
    return { kind: 'engine', label: 'engine', entry: engineEntry };
  }
  if (serverArg === 'redis-server') {
    const binary = requireCommand('redis-server', "Install Debian's redis-server 7.0 (apt-get install redis-server).");
    return { kind: 'redis-server', label: 'redis-server', binary };
  }
  if (!existsSync(serverArg)) throw new Error(`--server ${serverArg}: no such file`);
  return { kind: 'redis-server', label: serverArg, binary: serverArg };
}

/** argv to start `server` with redis-server style `--name value` options. */
export function serverCommand(server, options) {
  const args = [];
  for (const [name, value] of Object.entries(options)) args.push(`--${name}`, value);
  if (server.kind === 'engine') return { command: process.execPath, args: [server.entry, ...args] };
  return { command: server.binary, args };
}

/**
 * Starts a server on `port` with its working directory and log in `workDir`, and
 * waits until it answers PING. Resolves to a handle with `stop()`, `pid`,
 * `exited` (true once the process has gone) and `logTail()`.
 */
export async function startServer(server, { port, workDir, extraOptions = {}, readyTimeoutMs = 15000 }) {
  mkdirSync(workDir, { recursive: true });
  const logPath = join(workDir, 'server.log');
  const options = {
    port: String(port),
    bind: '127.0.0.1',
    'enable-debug-command': 'yes',
    save: '',
    dir: workDir,
    ...extraOptions,
  };
  const { command, args } = serverCommand(server, options);
  const logFd = openSync(logPath, 'w');
  const child = spawn(command, args, { cwd: workDir, stdio: ['ignore', logFd, logFd], detached: false });
  closeSync(logFd);
  liveChildren.add(child);
  const handle = {
    pid: child.pid,
    port,
    logPath,
    exited: false,
    exitCode: null,
    logTail(lines = 20) {
      try {
        return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    stop: () => stopChild(child, handle),
  };
  handle.exitPromise = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      handle.exited = true;
      liveChildren.delete(child);
      handle.exitCode = code ?? signal;
      resolve();
    }),
  );
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (handle.exited) {
      throw new Error(`${server.label} exited at start-up (code ${handle.exitCode}):\n${handle.logTail()}`);
    }
    if (await answersPing(port)) return handle;
    await sleep(50);
  }
  await handle.stop();
  throw new Error(
    `${server.label} did not answer PING on port ${port} within ${readyTimeoutMs} ms:\n${handle.logTail()}`,
  );
}

async function stopChild(child, handle) {
  if (handle.exited) return;
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await handle.exitPromise;
  clearTimeout(killTimer);
  releasePort(handle.port);
}

/** Sends an inline PING and resolves true on +PONG (or an error reply such as -LOADING/-NOAUTH). */
export function answersPing(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const timer = setTimeout(() => finish(false), 1000);
    let reply = '';
    function finish(result) {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+') || reply.startsWith('-'));
    });
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function residentBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
