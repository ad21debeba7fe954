import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RespConnection } from '../../resp/connection.js';
import { freePort } from '../test-support/engine-process.js';
import { startTestServer, type TestServer } from '../testing.js';

let current: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await current?.close();
  current = undefined;
});

describe('CONFIG GET', () => {
  it('matches several patterns, names and aliases, once each, keys as spelled', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const reply = (await client.call(
      'CONFIG',
      'GET',
      'maxmemory',
      'maxmemory*',
      'bind',
      '*of',
      'PORT',
      'port',
    )) as string[];
    const map = new Map<string, string>();
    for (let i = 0; i < reply.length; i += 2) map.set(reply[i]!, reply[i + 1]!);
    expect(map.size * 2).toBe(reply.length);
    expect(map.get('slaveof')).toBe('');
    expect(map.get('replicaof')).toBe('');
    expect(map.has('maxmemory-samples') && map.has('maxmemory-clients')).toBe(true);
    expect(map.get('bind')).toBe('127.0.0.1');
    // The configured value (the test server asks for an ephemeral port with 0).
    expect(map.get('PORT')).toBe('0');
    expect(map.has('port')).toBe(false);
    expect(await client.call('CONFIG', 'GET', 'nosuch')).toEqual([]);
    // Hidden parameters answer only to their exact name.
    expect(await client.call('CONFIG', 'GET', 'key-load-delay')).toEqual(['key-load-delay', '0']);
    expect((await client.call('CONFIG', 'GET', '*')) as string[]).not.toContain('key-load-delay');
  });

  it('answers a map in RESP3', async () => {
    current = await startTestServer();
    const client = await current.connect();
    await client.call('HELLO', '3');
    const reply = await client.send('CONFIG', 'GET', 'hz');
    expect(reply.type).toBe('map');
    expect(await client.call('CONFIG', 'GET', 'hz')).toEqual({ hz: '10' });
  });
});

describe('CONFIG SET', () => {
  it('sets several parameters atomically, with Redis error texts', async () => {
    current = await startTestServer();
    const client = await current.connect();
    expect(await client.call('CONFIG', 'SET', 'maxmemory', '10000001', 'save', '3000 5', 'hz', '20')).toBe('OK');
    expect(await client.call('CONFIG', 'GET', 'save')).toEqual(['save', '3000 5']);
    expect(await client.send('CONFIG', 'SET', 'maxmemory', '5', 'maxmemory-clients', '200%')).toEqual({
      type: 'error',
      value:
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or equal to 100",
    });
    expect(await client.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '10000001']);
    expect(await client.send('CONFIG', 'SET', 'daemonize', 'yes')).toEqual({
      type: 'error',
      value: "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config",
    });
    expect(await client.send('CONFIG', 'SET', 'foo', 'bar')).toEqual({
      type: 'error',
      value: "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
    });
    expect(await client.send('CONFIG', 'SET', 'maxmemory', '1', 'hz')).toEqual({
      type: 'error',
      value: 'ERR syntax error',
    });
  });

  it('applies loglevel, slowlog and timeout settings to the running server', async () => {
    current = await startTestServer();
    const client = await current.connect();
    await client.call('CONFIG', 'SET', 'loglevel', 'warning');
    expect(current.server.log.level).toBe('warning');
    await client.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await client.call('PING');
    expect(current.server.slowlog.length).toBeGreaterThan(0);
    await client.call('CONFIG', 'SET', 'masterauth', 'secret');
    const entries = (await client.call('SLOWLOG', 'GET', '1')) as unknown[][];
    expect(entries[0]![3]).toEqual(['CONFIG', 'SET', 'masterauth', '(redacted)']);
  });

  it('moves to a new port, and keeps the old one when the new port is taken', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const newPort = await freePort();
    expect(await client.call('CONFIG', 'SET', 'port', String(newPort))).toBe('OK');
    const moved = await RespConnection.connect(newPort);
    cleanups.push(() => moved.destroy());
    expect(await moved.call('PING')).toBe('PONG');

    const busy: NetServer = createServer();
    const busyPort = await freePort();
    await new Promise<void>((r) => busy.listen(busyPort, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => busy.close(r)));
    expect(await moved.send('CONFIG', 'SET', 'maxmemory', '10000001', 'port', String(busyPort))).toEqual({
      type: 'error',
      value:
        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.",
    });
    expect(await moved.call('CONFIG', 'GET', 'port', 'maxmemory')).toEqual(['port', String(newPort), 'maxmemory', '0']);
    const again = await RespConnection.connect(newPort);
    cleanups.push(() => again.destroy());
    expect(await again.call('PING')).toBe('PONG');
  });
});

describe('CONFIG RESETSTAT / REWRITE / HELP', () => {
  it('resets the statistics INFO reports', async () => {
    current = await startTestServer();
    const client = await current.connect();
    await client.send('NOSUCHCOMMAND');
    await client.call('PING');
    expect(await client.call('CONFIG', 'RESETSTAT')).toBe('OK');
    expect(current.server.stats.totalErrorReplies).toBe(0);
    expect(current.server.commands.byFullName('ping')!.calls).toBe(0);
  });

  it('refuses to rewrite without a config file', async () => {
    current = await startTestServer();
    const client = await current.connect();
    expect(await client.send('CONFIG', 'REWRITE')).toEqual({
      type: 'error',
      value: 'ERR The server is running without a config file',
    });
  });

  it('rewrites the file the server was started with', async () => {
    current = await startTestServer();
    const dir = mkdtempSync(join(tmpdir(), 'replica-lab-rewrite-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'redis.conf');
    writeFileSync(file, '# keep me\nmaxmemory 1mb\n');
    current.server.config.configFile = file;
    const client = await current.connect();
    await client.call('CONFIG', 'SET', 'maxmemory', '2mb');
    expect(await client.call('CONFIG', 'REWRITE')).toBe('OK');
    const text = readFileSync(file, 'latin1');
    expect(text.startsWith('# keep me\nmaxmemory 2mb\n')).toBe(true);
    expect(text).toContain('# Generated by CONFIG REWRITE\n');
  });

  it('prints its help', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const help = (await client.call('CONFIG', 'HELP')) as string[];
    expect(help[0]).toBe('CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toContain('REWRITE');
    expect(help.at(-1)).toBe('    Prints this help.');
  });
});
