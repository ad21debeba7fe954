/**
 * Interop: the same scripted redis-cli session (session.txt, one command per line
 * as typed at redis-cli) against Debian's redis-server 7.0.15 and the engine must
 * print byte-identical output, both in redis-cli's raw mode (its default when
 * piped) and with --no-raw (the formatted output users see). Fails, never skips,
 * when redis-server or redis-cli is missing: the reference is part of the test.
 *
 * The engine is bundled from the current sources (test-support/engine-process.ts);
 * set INTEROP_ENGINE=out/main/engine.js to test a built bundle instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineEntry, freePort } from '../test-support/engine-process.js';
import { firstDifferingCommand, normalizeClientIds, unifiedDiff } from './compare.js';

const SESSION_PATH = join(import.meta.dirname, 'session.txt');
const session = readFileSync(SESSION_PATH, 'latin1');

interface RunningServer {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

function requireBinary(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`${name} is not installed: the interop test needs Debian's redis-server 7.0 and redis-cli`);
  }
  return found.stdout.trim();
}

async function startServer(name: string, command: string, args: string[], port: number): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const server = { name, port, child, output: () => output };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start-up:\n${output}`);
    // Whoever answers must be this process, not something else on a reused port.
    const info = cli(port, [], 'INFO server\n').stdout.toString('latin1');
    if (new RegExp(`^process_id:${child.pid}\\r?$`, 'm').test(info)) return server;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not answer PING on port ${port}:\n${output}`);
}

async function stopServer(server: RunningServer | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

function cli(port: number, flags: string[], input: string) {
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...flags], {
    input: Buffer.from(input, 'latin1'),
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return result;
}

/** redis-cli's whole output (stdout then stderr) for the session, as byte-per-char text. */
function runSession(server: RunningServer, flags: string[], input = session): string {
  const result = cli(server.port, flags, input);
  return normalizeClientIds(result.stdout.toString('latin1') + result.stderr.toString('latin1'));
}

describe('redis-cli session: engine vs redis-server', () => {
  let reference: RunningServer | undefined;
  let engine: RunningServer | undefined;
  let workDir = '';

  beforeAll(async () => {
    const redisServer = requireBinary('redis-server');
    requireBinary('redis-cli');
    workDir = mkdtempSync(join(tmpdir(), 'interop-'));
    const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'];
    const referencePort = await freePort();
    let enginePort = await freePort();
    while (enginePort === referencePort) enginePort = await freePort();
    reference = await startServer(
      'redis-server',
      redisServer,
      ['--port', String(referencePort), '--dir', workDir, ...common],
      referencePort,
    );
    const entry = process.env.INTEROP_ENGINE ? resolve(process.env.INTEROP_ENGINE) : engineEntry();
    engine = await startServer(
      'engine',
      process.execPath,
      [entry, '--port', String(enginePort), '--dir', workDir, ...common],
      enginePort,
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stopServer(reference), stopServer(engine)]);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('the session covers at least 150 commands', () => {
    const commands = session.split('\n').filter((line) => line.trim() !== '');
    expect(commands.length).toBeGreaterThanOrEqual(150);
  });

  for (const [mode, flags] of [
    ['raw (piped default)', []],
    ['--no-raw', ['--no-raw']],
  ] as const) {
    it(`prints byte-identical output, ${mode}`, () => {
      const expected = runSession(reference!, [...flags]);
      const actual = runSession(engine!, [...flags]);
      if (actual === expected) return;
      writeFileSync(join(workDir, 'expected.txt'), expected, 'latin1');
      writeFileSync(join(workDir, 'actual.txt'), actual, 'latin1');
      const where = firstDifferingCommand(
        session,
        (input) => runSession(reference!, [...flags], input),
        (input) => runSession(engine!, [...flags], input),
      );
      throw new Error(
        `redis-cli ${flags.join(' ')} output differs (- redis-server, + engine)\n` +
          `${where}\n\n${unifiedDiff(expected, actual, 'redis-server', 'engine')}`,
      );
    });
  }
});
