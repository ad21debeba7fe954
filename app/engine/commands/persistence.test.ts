import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RespConnection } from '../../resp/connection.js';
import { encodeRdb, loadRdb } from '../rdb/persistence.js';
import { startTestServer, type TestServer } from '../testing.js';

const started: TestServer[] = [];
const dirs: string[] = [];
// startEngine() chdirs into `dir`, as Redis does: come back before removing it.
const originalCwd = process.cwd();
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
  process.chdir(originalCwd);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function server(overrides: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'rdb-test-'));
  dirs.push(dir);
  const s = await startTestServer({ dir, ...overrides });
  started.push(s);
  return { s, client: await s.connect(), dir };
}

/** The error text of a command that must fail. */
async function errorOf(reply: Promise<unknown>): Promise<string> {
  try {
    await reply;
    return 'no error';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Every type in every encoding, with expiries, in three dbs. */
async function fill(client: RespConnection): Promise<void> {
  await client.call('SET', 'int8', '-7');
  await client.call('SET', 'int16', '1234');
  await client.call('SET', 'int32', '70000');
  await client.call('SET', 'int64', '12345678901');
  await client.call('SET', 'embstr', 'hello');
  await client.call('SET', 'empty', '');
  await client.call('SET', 'lzf', 'abc'.repeat(100));
  await client.call('SET', 'binary', Buffer.from([0, 255, 1, 254, 13, 10]).toString('latin1'));
  await client.call('RPUSH', 'list', 'a', '1', '-300', '70000', '12345678901', 'x'.repeat(100));
  for (let i = 0; i < 3000; i++) await client.call('RPUSH', 'biglist', `element-${i}`);
  await client.call('SADD', 'intset', '1', '-5', '70000', '9223372036854775807');
  await client.call('SADD', 'strset', 'a', 'b', '3');
  for (let i = 0; i < 600; i++) await client.call('SADD', 'bigintset', String(i));
  await client.call('ZADD', 'zlp', '1', 'a', '2.5', 'b', '-inf', 'c', 'inf', 'd', '1e300', 'e');
  for (let i = 0; i < 200; i++) await client.call('ZADD', 'zsl', String(i / 3), `m${i}`);
  await client.call('HSET', 'hlp', 'f', 'v', 'n', '12');
  for (let i = 0; i < 600; i++) await client.call('HSET', 'hht', `f${i}`, `v${i}`);
  await client.call('HSET', 'hlong', 'f', 'v'.repeat(100));
  await client.call('SET', 'ttl', 'v', 'PX', '100000000');
  await client.call('HSET', 'ttlhash', 'a', 'b');
  await client.call('PEXPIRE', 'ttlhash', '100000000');
  await client.call('SELECT', '3');
  await client.call('SET', 'in3', '1');
  await client.call('SELECT', '15');
  await client.call('ZADD', 'in15', '1', 'one');
  await client.call('SELECT', '0');
}

const ENCODED_KEYS = [
  'int8',
  'int16',
  'embstr',
  'lzf',
  'list',
  'biglist',
  'intset',
  'strset',
  'bigintset',
  'zlp',
  'zsl',
  'hlp',
  'hht',
  'hlong',
];

async function encodings(client: RespConnection): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const key of ENCODED_KEYS) out.push(await client.call('OBJECT', 'ENCODING', key));
  return out;
}

describe('RDB round trip', () => {
  const variants: Record<string, string>[] = [{}, { rdbcompression: 'no' }, { rdbchecksum: 'no' }];
  for (const options of variants) {
    it(`keeps every type, encoding and expiry (${JSON.stringify(options)})`, async () => {
      const a = await server(options);
      await fill(a.client);
      const digest = await a.client.call('DEBUG', 'DIGEST');
      const bytes = encodeRdb(a.s.server);
      const b = await server(options);
      loadRdb(b.s.server, bytes);
      expect(await b.client.call('DEBUG', 'DIGEST')).toBe(digest);
      expect(await encodings(b.client)).toEqual(await encodings(a.client));
      expect(Number(await b.client.call('PTTL', 'ttl'))).toBeGreaterThan(99_000_000);
    });
  }

  it('refuses truncated or corrupted payloads and keeps the data set', async () => {
    const a = await server();
    await fill(a.client);
    const bytes = encodeRdb(a.s.server);
    const b = await server();
    await b.client.call('SET', 'keep', 'me');
    for (const cut of [5, 9, 40, bytes.length - 100, bytes.length - 1]) {
      expect(() => loadRdb(b.s.server, bytes.subarray(0, cut))).toThrow();
    }
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)] ^= 0x40;
    expect(() => loadRdb(b.s.server, flipped)).toThrow();
    expect(await b.client.call('GET', 'keep')).toBe('me');
    expect(await b.client.call('DBSIZE')).toBe(1);
  });
});

describe('SAVE, BGSAVE, LASTSAVE', () => {
  it('SAVE writes dbfilename into dir and resets the change counter', async () => {
    const { client, dir, s } = await server();
    await client.call('SET', 'k', 'v');
    expect(await client.call('SAVE')).toBe('OK');
    expect(existsSync(join(dir, 'dump.rdb'))).toBe(true);
    expect(readFileSync(join(dir, 'dump.rdb')).toString('latin1', 0, 9)).toBe('REDIS0010');
    const info = String(await client.call('INFO', 'persistence'));
    expect(info).toContain('rdb_changes_since_last_save:0');
    expect(info).toContain('rdb_saves:1');
    expect(await client.call('LASTSAVE')).toBe(s.server.persistence.lastSave);
  });

  it('BGSAVE keeps serving clients and writes the data set as it was when it started', async () => {
    const { client, dir, s } = await server();
    const pipeline: Promise<unknown>[] = [];
    for (let i = 0; i < 60_000; i++) pipeline.push(client.call('SET', `key:${i}`, `value:${i}`));
    for (let i = 0; i < 2000; i++) pipeline.push(client.call('RPUSH', 'list', String(i)));
    pipeline.push(client.call('HSET', 'hash', 'a', '1'));
    await Promise.all(pipeline);
    const before = await client.call('DEBUG', 'DIGEST');
    // Pipelined with BGSAVE: these writes arrive while the snapshot is being written
    // (in place on a list and a hash, a replaced string, a deleted key).
    const replies = await Promise.all([
      client.call('BGSAVE'),
      errorOf(client.call('BGSAVE')),
      client.call('RPUSH', 'list', 'late'),
      client.call('HSET', 'hash', 'b', '2'),
      client.call('SET', 'key:1', 'changed'),
      client.call('DEL', 'key:2'),
      client.call('PING'),
    ]);
    expect(replies[0]).toBe('Background saving started');
    expect(replies[1]).toBe('ERR Background save already in progress');
    expect(replies[6]).toBe('PONG');
    while (s.server.persistence.bgsaveInProgress) await new Promise((r) => setTimeout(r, 10));
    expect(String(await client.call('INFO', 'persistence'))).toContain('rdb_last_bgsave_status:ok');
    const other = await server();
    loadRdb(other.s.server, readFileSync(join(dir, 'dump.rdb')));
    expect(await other.client.call('DEBUG', 'DIGEST')).toBe(before);
    // Changes made during the BGSAVE still count as unsaved.
    expect(String(await client.call('INFO', 'persistence'))).toContain('rdb_changes_since_last_save:4');
  });

  it('the save rules start a BGSAVE once enough changes are old enough', async () => {
    const { client, dir } = await server({ save: '1 2' });
    await client.call('SET', 'a', '1');
    await client.call('SET', 'b', '2');
    const deadline = Date.now() + 5000;
    while (!String(await client.call('INFO', 'persistence')).includes('rdb_saves:1') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(join(dir, 'dump.rdb'))).toBe(true);
    expect(String(await client.call('INFO', 'persistence'))).toContain('rdb_changes_since_last_save:0');
  });

  it('SHUTDOWN saves when save rules exist (or SAVE is given), not with NOSAVE', async () => {
    const withRules = await server({ save: '3600 1' });
    await withRules.client.call('SET', 'k', 'v');
    withRules.client.send('SHUTDOWN').catch(() => {});
    const deadline = Date.now() + 3000;
    while (!existsSync(join(withRules.dir, 'dump.rdb')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(existsSync(join(withRules.dir, 'dump.rdb'))).toBe(true);

    const noSave = await server({ save: '3600 1' });
    await noSave.client.call('SET', 'k', 'v');
    noSave.client.send('SHUTDOWN', 'NOSAVE').catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(noSave.dir, 'dump.rdb'))).toBe(false);

    const forced = await server();
    forced.client.send('SHUTDOWN', 'SAVE').catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(join(forced.dir, 'dump.rdb'))).toBe(true);
  });

  it('BGSAVE rejects bad arguments', async () => {
    const { client } = await server();
    expect(await errorOf(client.call('BGSAVE', 'foo'))).toBe('ERR syntax error');
  });
});

describe('DUMP / RESTORE', () => {
  it('round-trips values and applies REPLACE, ABSTTL and the TTL', async () => {
    const { client } = await server();
    await fill(client);
    for (const key of ENCODED_KEYS) {
      const payload = String(await client.call('DUMP', key));
      const digest = await client.call('DEBUG', 'DIGEST-VALUE', key);
      expect(await errorOf(client.call('RESTORE', key, '0', payload))).toBe('BUSYKEY Target key name already exists.');
      expect(await client.call('RESTORE', key, '0', payload, 'REPLACE')).toBe('OK');
      expect(await client.call('DEBUG', 'DIGEST-VALUE', key)).toEqual(digest);
    }
    const payload = String(await client.call('DUMP', 'embstr'));
    expect(await client.call('RESTORE', 'new', '5000', payload)).toBe('OK');
    expect(Number(await client.call('PTTL', 'new'))).toBeGreaterThan(4000);
    const at = Date.now() + 100_000;
    expect(await client.call('RESTORE', 'abs', String(at), payload, 'ABSTTL')).toBe('OK');
    expect(await client.call('PEXPIRETIME', 'abs')).toBe(at);
    expect(await client.call('RESTORE', 'gone', '1', payload, 'ABSTTL')).toBe('OK');
    expect(await client.call('EXISTS', 'gone')).toBe(0);
    expect(await client.call('DUMP', 'nosuchkey')).toBeNull();
  });

  it("answers Redis's errors", async () => {
    const { client } = await server();
    await client.call('SET', 'k', 'v');
    const payload = String(await client.call('DUMP', 'k'));
    const corrupt = payload.slice(0, -1) + String.fromCharCode(payload.charCodeAt(payload.length - 1) ^ 1);
    expect(await errorOf(client.call('RESTORE', 'x', '0', corrupt))).toBe(
      'ERR DUMP payload version or checksum are wrong',
    );
    expect(await errorOf(client.call('RESTORE', 'x', '0', 'short'))).toBe(
      'ERR DUMP payload version or checksum are wrong',
    );
    expect(await errorOf(client.call('RESTORE', 'x', '-1', payload))).toBe('ERR Invalid TTL value, must be >= 0');
    expect(await errorOf(client.call('RESTORE', 'x', '0', payload, 'IDLETIME', '-1'))).toBe(
      'ERR Invalid IDLETIME value, must be >= 0',
    );
    expect(await errorOf(client.call('RESTORE', 'x', '0', payload, 'FREQ', '256'))).toBe(
      'ERR Invalid FREQ value, must be >= 0 and <= 255',
    );
    expect(await errorOf(client.call('RESTORE', 'x', '0', payload, 'FREQ', '1', 'IDLETIME', '1'))).toBe(
      'ERR syntax error',
    );
    expect(await client.call('RESTORE', 'x', '0', payload, 'IDLETIME', '10')).toBe('OK');
  });
});
