/**
 * Runs the built-in engine as a real child process for tests, exactly as the lab
 * will: `node engine.js [config] [--name value ...]`. The engine is bundled from
 * the current sources with esbuild (once per test run, into .cache/), so tests never
 * run a stale `out/` build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';

const projectRoot = resolve(dirname(new URL(import.meta.url).pathname), '..', '..', '..');
let bundled: string | undefined;

/** Path of a freshly bundled engine entry point. */
export function engineEntry(): string {
  if (bundled) return bundled;
  const outDir = join(projectRoot, '.cache', 'test-engine');
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `engine-${process.pid}.cjs`);
  buildSync({
    entryPoints: [join(projectRoot, 'app', 'engine', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'warning',
  });
  bundled = outfile;
  process.once('exit', () => rmSync(outfile, { force: true }));
  return outfile;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; a tiny race is accepted in tests). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

export interface EngineProcess {
  port: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period). */
  stop(): Promise<number | null>;
}

/**
 * Starts the engine with the given arguments (a config file path and/or
 * `--name value` pairs; `--port` is added when absent) and waits until it accepts
 * connections or exits (check `exited` for start-up failures).
 */
export async function startEngineProcess(
  args: string[] = [],
  options: { cwd?: string; /** The port the config file sets (no --port is added). */ configPort?: number } = {},
): Promise<EngineProcess> {
  const hasPort = args.includes('--port') || options.configPort !== undefined;
  const port = options.configPort ?? (hasPort ? Number(args[args.indexOf('--port') + 1]) : await freePort());
  const fullArgs = hasPort ? [...args] : [...args, '--port', String(port)];
  // Servers started by tests listen on loopback only, whatever their config says.
  if (!args.includes('--bind')) fullArgs.push('--bind', '127.0.0.1');
  // Without a config file, no RDB snapshot on stop: Redis's default save rules would
  // write dump.rdb into the cwd (and the next engine started there would load it).
  const hasConfigFile = args.length > 0 && !args[0]!.startsWith('--');
  if (!hasConfigFile && !args.includes('--save')) fullArgs.push('--save', '');
  const child = spawn(process.execPath, [engineEntry(), ...fullArgs], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = await Promise.race([exited.then(() => false), waitForPort(port, 10_000)]);
  if (!ready && child.exitCode === null) {
    child.kill('SIGKILL');
    throw new Error(`engine did not start on port ${port}:\n${output}`);
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  return { port, child, output: () => output, exited, stop };
}

/** Resolves true once something accepts connections on the port, false at the deadline. */
async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((r) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        r(true);
      });
      socket.once('error', () => r(false));
    });
    if (open) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
