import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startEngineProcess } from '../../engine/test-support/engine-process';
import { TerminalManager, type CliHost, type TerminalManagerOptions } from './manager';
import { builtinCliHost, producerHost } from './stand-ins';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const scratch = mkdtempSync(join(tmpdir(), 'replica-lab-term-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function manager(cliHost: CliHost, options: Partial<TerminalManagerOptions> = {}) {
  const terminals = new TerminalManager({ cliHost, cwd: scratch, ...options });
  cleanups.push(() => terminals.dispose());
  return terminals;
}

async function engine(args: string[] = []) {
  const server = await startEngineProcess(args);
  cleanups.push(() => server.stop());
  return server;
}

function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${condition.toString()}`));
      else setTimeout(check, 20);
    };
    check();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Checks numbered lines (see producerHost) as they stream: in order, none missing, none twice. */
class LineChecker {
  next = 0;
  errors = 0;
  private partial = '';

  feed(data: string): void {
    const parts = (this.partial + data).split('\r\n');
    this.partial = parts.pop()!;
    for (const part of parts) {
      if (Number(part.slice(0, 10)) !== this.next) this.errors++;
      this.next = Number(part.slice(0, 10)) + 1;
    }
  }
}

describe('terminal sessions', () => {
  it('runs Debian redis-cli against a node: the seed walkthrough, reattach, restart after the node restarted', async () => {
    const server = await engine();
    const terminals = manager(producerHost(scratch, 0));
    expect(terminals.findRedisCli()?.description).toMatch(/^redis-cli 7\.0\.\d+ \(/);
    let screen = '';
    terminals.on('output', ({ data }) => (screen += data));
    const info = terminals.open(
      { id: 'node-1', host: '127.0.0.1', port: server.port },
      { cli: 'auto', cols: 100, rows: 30 },
    );
    expect(info).toMatchObject({
      cli: 'redis-cli',
      commandLine: `redis-cli -h 127.0.0.1 -p ${server.port}`,
      running: true,
    });
    await until(() => screen.includes(`127.0.0.1:${server.port}>`));
    terminals.input(info.sessionId, 'set name 6379\r');
    await until(() => screen.includes('OK'));
    terminals.input(info.sessionId, 'get name\r');
    await until(() => screen.includes('"6379"'));

    // Reattach: the scrollback holds the session so far.
    const [listed] = terminals.list();
    expect(listed?.scrollback).toContain('"6379"');
    expect(listed).toMatchObject({ sessionId: info.sessionId, nodeId: 'node-1', running: true });

    // The node restarts: the session restarts on the same port and keeps its history.
    await server.stop();
    const again = await engine(['--port', String(server.port)]);
    terminals.restart(info.sessionId);
    // Type once the new prompt is up: linenoise flushes what was typed before it (TCSAFLUSH).
    await until(() => screen.split('--- restarted ---')[1]?.includes(`127.0.0.1:${again.port}>`) ?? false);
    terminals.input(info.sessionId, 'ping\r');
    await until(() => screen.includes('PONG'));
    expect(terminals.list()[0]?.scrollback).toMatch(/"6379"[\s\S]*\x1b\[2m--- restarted ---\x1b\[0m[\s\S]*PONG/);

    // The CLI exits (quit): the session stays, not running, until restarted or closed.
    const exits: unknown[] = [];
    terminals.on('exit', (event) => exits.push(event));
    terminals.input(info.sessionId, 'quit\r');
    await until(() => exits.length === 1);
    expect(exits[0]).toEqual({ sessionId: info.sessionId, exitCode: 0, signal: 0 });
    expect(terminals.list()[0]?.running).toBe(false);
    terminals.close(info.sessionId);
    expect(terminals.list()).toEqual([]);
  }, 30_000);

  it('passes the password in REDISCLI_AUTH, never on the command line', async () => {
    const server = await engine(['--requirepass', 'sesame-4139']);
    const terminals = manager(producerHost(scratch, 0));
    let screen = '';
    terminals.on('output', ({ data }) => (screen += data));
    const info = terminals.open(
      { id: 'locked', host: '127.0.0.1', port: server.port, password: 'sesame-4139' },
      { cli: 'redis-cli', cols: 100, rows: 30 },
    );
    expect(info.commandLine).toBe(`redis-cli -h 127.0.0.1 -p ${server.port}`);
    await until(() => screen.includes(`127.0.0.1:${server.port}>`));
    terminals.input(info.sessionId, 'dbsize\r');
    await until(() => screen.includes('(integer) 0'));
    expect(screen).not.toContain('NOAUTH');
    expect(screen).not.toContain('sesame-4139');
    const commandLines = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          return ''; // exited meanwhile
        }
      });
    expect(commandLines.some((line) => line.includes(`-p ${server.port}`) && line.includes('redis-cli'))).toBe(true);
    expect(commandLines.filter((line) => line.includes('sesame-4139'))).toEqual([]);
  }, 30_000);

  it('runs the built-in CLI with the host Node where redis-cli is not installed', async () => {
    const server = await engine(['--requirepass', 'pw']);
    // No redis-cli on this search path: "auto" falls back to the built-in CLI.
    const terminals = manager(builtinCliHost(scratch), { searchPath: scratch });
    let screen = '';
    terminals.on('output', ({ data }) => (screen += data));
    const info = terminals.open(
      { id: 'n', host: '127.0.0.1', port: server.port, username: 'default', password: 'pw' },
      { cli: 'auto', cols: 80, rows: 24 },
    );
    expect(info).toMatchObject({
      cli: 'builtin',
      cliDescription: 'replica-lab-cli (built-in)',
      commandLine: `replica-lab-cli -h 127.0.0.1 -p ${server.port} --user default`,
    });
    await until(() => screen.includes(`127.0.0.1:${server.port}> `));
    terminals.input(info.sessionId, 'set name 6379\r');
    await until(() => screen.includes('OK'));
    terminals.input(info.sessionId, 'get name\r');
    await until(() => screen.includes('"6379"'));
    expect(screen).not.toContain('AUTH failed');

    terminals.resize(info.sessionId, 120, 40);
    expect(terminals.list()[0]).toMatchObject({ cols: 120, rows: 40 });
  }, 30_000);

  it('pauses the pty while the renderer is behind, then delivers 50 MB in order with memory bounded', async () => {
    const lines = 500_000; // 50 MB of 100-character lines
    const highWatermark = 100_000;
    const batchChars = 64 * 1024;
    const terminals = manager(producerHost(scratch, lines), { highWatermark, lowWatermark: 5_000, batchChars });
    const checker = new LineChecker();
    let received = 0;
    let unacked = 0;
    terminals.on('output', ({ data }) => {
      received += data.length;
      unacked += data.length;
      checker.feed(data);
    });
    const info = terminals.open(
      { id: 'producer', host: '127.0.0.1', port: 1 },
      { cli: 'builtin', cols: 200, rows: 50 },
    );

    // Nothing acknowledged: the pty is paused near the high watermark, and stays so.
    await until(() => terminals.flowState(info.sessionId).paused);
    await sleep(500);
    const stalledAt = received;
    await sleep(500);
    const held = terminals.flowState(info.sessionId);
    expect(held.paused).toBe(true);
    // What the host holds: the watermark, one batch, and what the paused socket had read (16 KB).
    expect(held.unacknowledged).toBeLessThan(highWatermark + batchChars + 64 * 1024);
    expect(held.pending).toBeLessThanOrEqual(held.unacknowledged);
    expect(received - stalledAt).toBe(0);
    expect(received).toBeLessThan(lines * 100);

    // Acknowledged at a slow pace (every 20 ms, as a busy renderer): all of it, in order, RSS bounded.
    const rssBefore = process.memoryUsage().rss;
    let maxRss = rssBefore;
    let maxHeld = 0;
    await until(() => {
      const state = terminals.flowState(info.sessionId);
      maxHeld = Math.max(maxHeld, state.unacknowledged);
      terminals.ack(info.sessionId, unacked);
      unacked = 0;
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      return checker.next === lines;
    }, 150_000);
    expect(checker.errors).toBe(0);
    expect(received).toBe(lines * 100);
    expect(maxHeld).toBeLessThan(highWatermark + batchChars + 64 * 1024);
    expect(terminals.flowState(info.sessionId).pauses).toBeGreaterThan(10);
    expect(maxRss - rssBefore).toBeLessThan(150 * 1024 * 1024);
  }, 180_000);

  it('reattaches a page that went away: the scrollback, then the rest, nothing lost or repeated', async () => {
    const lines = 30_000; // 3 MB: far more than the scrollback keeps
    const terminals = manager(producerHost(scratch, lines), { scrollbackChars: 256 * 1024 });
    let firstPageUnacked = 0;
    const firstPage = ({ data }: { data: string }) => (firstPageUnacked += data.length);
    terminals.on('output', firstPage);
    const info = terminals.open({ id: 'p', host: '127.0.0.1', port: 1 }, { cli: 'builtin', cols: 200, rows: 50 });
    await until(() => terminals.flowState(info.sessionId).paused);
    terminals.off('output', firstPage); // the page is reloaded; it never acknowledges
    expect(firstPageUnacked).toBeGreaterThan(0);

    // The new page subscribes, lists, draws the scrollback, then follows the events.
    const checker = new LineChecker();
    let unacked = 0;
    let attached = false;
    terminals.on('output', ({ data }) => {
      if (!attached) return; // before the list answer: already in the scrollback
      checker.feed(data);
      unacked += data.length;
    });
    const [session] = terminals.list();
    attached = true;
    const scrollback = session!.scrollback;
    expect(scrollback.length).toBeLessThanOrEqual(256 * 1024);
    // The scrollback starts at a line start, so the numbering can be followed from there.
    checker.next = Number(scrollback.slice(0, 10));
    checker.feed(scrollback);
    expect(checker.errors).toBe(0);
    expect(terminals.flowState(info.sessionId).paused).toBe(false);

    await until(() => {
      terminals.ack(info.sessionId, unacked);
      unacked = 0;
      return checker.next === lines;
    }, 60_000);
    expect(checker.errors).toBe(0);
  }, 90_000);

  it('refuses redis-cli where it is not installed, and says what to do', () => {
    const terminals = manager(producerHost(scratch, 0), { searchPath: scratch });
    expect(() =>
      terminals.open({ id: 'n', host: '127.0.0.1', port: 1 }, { cli: 'redis-cli', cols: 80, rows: 24 }),
    ).toThrow(/apt-get install redis-tools/);
  });

  it('stops every pty on dispose, paused ones included', async () => {
    const terminals = manager(producerHost(scratch, 100_000));
    const ids = [1, 2, 3].map(
      (n) =>
        terminals.open({ id: `n${n}`, host: '127.0.0.1', port: 1 }, { cli: 'builtin', cols: 80, rows: 24 }).sessionId,
    );
    await until(() => ids.every((id) => terminals.flowState(id).paused));
    const pids = readdirSync('/proc').filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(scratch, 'producer-100000-100.js'));
      } catch {
        return false;
      }
    });
    expect(pids.length).toBe(3);
    terminals.dispose();
    expect(terminals.list()).toEqual([]);
    await until(() => pids.every((pid) => !isRunning(Number(pid))));
  }, 30_000);
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
