import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startEngineProcess, type EngineProcess } from './test-support/engine-process.js';

/** Sends one inline command and resolves with the first reply line. */
function ask(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' }, () => socket.write(line + '\r\n'));
    let data = '';
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

const LOG_LINE = /^\d+:[MC] \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] .+$/;

describe('engine process start-up', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  it('starts from a redis.conf with --name value overrides, writes its pid file and log, and removes the pid file on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replica-lab-startup-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const confPort = await freePort();
    const port = await freePort();
    writeFileSync(
      join(dir, 'redis_6379.conf'),
      [`port ${confPort}`, `pidfile ${join(dir, 'redis.pid')}`, 'logfile "logfile-6379"', `dir ${dir}`].join('\n'),
    );
    const engine: EngineProcess = await startEngineProcess([join(dir, 'redis_6379.conf'), '--port', String(port)], {
      cwd: dir,
    });
    cleanups.push(() => engine.stop());
    expect(await ask(port, 'PING')).toBe('+PONG');
    expect(readFileSync(join(dir, 'redis.pid'), 'utf8').trim()).toBe(String(engine.child.pid));
    const log = readFileSync(join(dir, 'logfile-6379'), 'utf8').trim().split('\n');
    for (const line of log) expect(line).toMatch(LOG_LINE);
    expect(log.some((l) => / \* Ready to accept connections$/.test(l))).toBe(true);
    expect(await engine.stop()).toBe(0);
    expect(existsSync(join(dir, 'redis.pid'))).toBe(false);
  });

  it("refuses a port already in use with Redis's message and a non-zero exit", async () => {
    const blocker: NetServer = createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => blocker.close(() => r())));
    const engine = await startEngineProcess(['--port', String(port)]);
    cleanups.push(() => engine.stop());
    expect(await engine.exited).toBe(1);
    expect(engine.output()).toContain(
      `Warning: Could not create server TCP listening socket 127.0.0.1:${port}: bind: Address already in use`,
    );
    expect(engine.output()).toContain(`Failed listening on port ${port} (TCP), aborting.`);
  });
});
