import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startEngineProcess, type EngineProcess } from '../../engine/test-support/engine-process';
import { TerminalManager, type CliHost } from './manager';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const scratch = mkdtempSync(join(tmpdir(), 'replica-lab-term-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A stand-in "CLI" for the flow-control tests: prints numbered lines, `count` of them. */
function producerHost(count: number, lineWidth = 100): CliHost {
  const script = join(scratch, `producer-${count}.js`);
  writeFileSync(
    script,
    `const pad = '.'.repeat(${lineWidth - 12}); // + 10 digits + the pty's \\r\\n for \\n
     let i = 0;
     function more() {
       while (i < ${count}) {
         const ok = process.stdout.write(String(i++).padStart(10, '0') + pad + '\\n');
         if (!ok) return process.stdout.once('drain', more);
       }
     }
     more();`,
  );
  return { nodeExecutable: process.execPath, cliEntry: script };
}

function manager(cliHost: CliHost, options: Partial<ConstructorParameters<typeof TerminalManager>[0]> = {}) {
  const terminals = new TerminalManager({ cliHost, cwd: scratch, ...options });
  cleanups.push(() => terminals.dispose());
  return terminals;
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

describe('terminal sessions', () => {
  it('runs Debian redis-cli against a node: the seed walkthrough at the prompt', async () => {
    const server: EngineProcess = await startEngineProcess();
    cleanups.push(() => server.stop());
    const terminals = manager(producerHost(0));
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

    // The node restarts: the session restarts on the same port and keeps its history.
    await server.stop();
    const again = await startEngineProcess(['--port', String(server.port)]);
    cleanups.push(() => again.stop());
    terminals.restart(info.sessionId);
    // Type once the new prompt is up: linenoise flushes what was typed before it (TCSAFLUSH).
    await until(() => screen.split('--- restarted ---')[1]?.includes(`127.0.0.1:${server.port}>`) ?? false);
    terminals.input(info.sessionId, 'ping\r');
    await until(() => screen.includes('PONG'));
    expect(terminals.list()[0]?.scrollback).toMatch(/"6379"[\s\S]*--- restarted ---[\s\S]*PONG/);
  }, 30_000);

  it('pauses the pty while the renderer is behind, so the host buffers a bounded amount', async () => {
    const lines = 500_000; // 50 MB of 100-character lines
    const terminals = manager(producerHost(lines), { highWatermark: 100_000, lowWatermark: 5_000 });
    let received = 0;
    let lastLine = -1;
    let outOfOrder = 0;
    let partial = '';
    let maxUnacked = 0;
    let unacked = 0;
    terminals.on('output', ({ data }) => {
      received += data.length;
      unacked += data.length;
      maxUnacked = Math.max(maxUnacked, unacked);
      const text = partial + data;
      const parts = text.split('\r\n');
      partial = parts.pop()!;
      for (const part of parts) {
        const n = Number(part.slice(0, 10));
        if (n !== lastLine + 1) outOfOrder++;
        lastLine = n;
      }
    });
    const info = terminals.open(
      { id: 'producer', host: '127.0.0.1', port: 1 },
      { cli: 'builtin', cols: 200, rows: 50 },
    );

    // Nothing acknowledged: output stops near the high watermark.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stalledAt = received;
    expect(stalledAt).toBeLessThan(100_000 + 2 * 64 * 1024 + 1_000_000); // watermark + what the kernel's pty buffer held
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(received - stalledAt).toBeLessThan(256 * 1024);
    expect(terminals.buffered(info.sessionId)).toBeLessThan(256 * 1024);

    // Acknowledged as a renderer would: everything arrives, in order, with RSS bounded.
    const rssBefore = process.memoryUsage().rss;
    let maxRss = rssBefore;
    await until(() => {
      terminals.ack(info.sessionId, unacked);
      unacked = 0;
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      return lastLine === lines - 1;
    }, 120_000);
    expect(outOfOrder).toBe(0);
    expect(received).toBe(lines * 100);
    expect(maxRss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    expect(maxUnacked).toBeGreaterThan(0);
  }, 180_000);

  it('refuses redis-cli where it is not installed, and says what to do', () => {
    const terminals = manager(producerHost(0), { searchPath: scratch });
    expect(() =>
      terminals.open({ id: 'n', host: '127.0.0.1', port: 1 }, { cli: 'redis-cli', cols: 80, rows: 24 }),
    ).toThrow(/apt-get install redis-tools/);
  });
});
