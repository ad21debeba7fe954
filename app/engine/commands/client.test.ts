import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing.js';

let current: TestServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const CLIENT_LINE =
  /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=-?\d+ name=\S* age=\d+ idle=\d+ flags=\w+ db=\d+ sub=\d+ psub=\d+ ssub=\d+ multi=-?\d+ qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r? cmd=\S+ user=default redir=-1 resp=[23]$/;

describe('CLIENT', () => {
  it('reports identity and names', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const id = (await client.call('CLIENT', 'ID')) as number;
    expect(id).toBeGreaterThan(0);
    expect(await client.call('CLIENT', 'GETNAME')).toBeNull();
    expect(await client.send('CLIENT', 'SETNAME', 'foo bar')).toEqual({
      type: 'error',
      value: 'ERR Client names cannot contain spaces, newlines or special characters.',
    });
    expect(await client.call('CLIENT', 'SETNAME', 'myname')).toBe('OK');
    expect(await client.call('CLIENT', 'GETNAME')).toBe('myname');
    const info = (await client.call('CLIENT', 'INFO')) as string;
    expect(info.endsWith('\n')).toBe(true);
    expect(info.trimEnd()).toMatch(CLIENT_LINE);
    // Like Redis, the running command is still in the query buffer: 26 bytes for CLIENT INFO.
    expect(info).toContain(`id=${id} `);
    expect(info).toContain(' name=myname ');
    expect(info).toContain(' qbuf=26 qbuf-free=20448 argv-mem=10 ');
    expect(info).toContain(' cmd=client|info ');
  });

  it('lists clients, by type and by id', async () => {
    current = await startTestServer();
    const a = await current.connect();
    const b = await current.connect();
    const idB = (await b.call('CLIENT', 'ID')) as number;
    const list = ((await a.call('CLIENT', 'LIST')) as string).split('\n').filter((l) => l !== '');
    expect(list).toHaveLength(2);
    for (const line of list) expect(line).toMatch(CLIENT_LINE);
    expect(((await a.call('CLIENT', 'LIST', 'ID', String(idB), '999')) as string).startsWith(`id=${idB} `)).toBe(true);
    expect(await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).toBe('');
    expect(await a.send('CLIENT', 'LIST', 'TYPE', 'x')).toEqual({
      type: 'error',
      value: "ERR Unknown client type 'x'",
    });
    expect(await a.send('CLIENT', 'LIST', 'ID', 'x')).toEqual({ type: 'error', value: 'ERR Invalid client ID' });
  });

  it('kills clients with the old and the new syntax', async () => {
    current = await startTestServer();
    const me = await current.connect();
    const other = await current.connect();
    await other.call('PING');
    expect(await me.send('CLIENT', 'KILL', '1.2.3.4:5')).toEqual({ type: 'error', value: 'ERR No such client' });
    expect(await me.send('CLIENT', 'KILL', 'ID', '0')).toEqual({
      type: 'error',
      value: 'ERR client-id should be greater than 0',
    });
    expect(await me.send('CLIENT', 'KILL', 'USER', 'nobody')).toEqual({
      type: 'error',
      value: "ERR No such user 'nobody'",
    });
    expect(await me.send('CLIENT', 'KILL', 'SKIPME', 'maybe')).toEqual({ type: 'error', value: 'ERR syntax error' });
    expect(await me.call('CLIENT', 'KILL', 'SKIPME', 'yes')).toBe(1);
    await other.waitClosed();
    expect(await me.call('CLIENT', 'KILL', 'SKIPME', 'no')).toBe(1);
    await me.waitClosed();
  });

  it('silences replies with CLIENT REPLY OFF and SKIP', async () => {
    current = await startTestServer();
    const client = await current.connect();
    client.sendRaw('CLIENT REPLY OFF\r\nPING a\r\nCLIENT REPLY ON\r\nPING b\r\n');
    expect(await client.readReply()).toEqual({ type: 'simple', value: 'OK' });
    expect(await client.readReply()).toEqual({ type: 'bulk', value: 'b' });
    client.sendRaw('CLIENT REPLY SKIP\r\nPING c\r\nPING d\r\n');
    expect(await client.readReply()).toEqual({ type: 'bulk', value: 'd' });
  });

  it('unblocks a blocked client with a timeout or an error', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const blocked = await current.connect();
    const id = (await blocked.call('CLIENT', 'ID')) as number;
    const reply = blocked.send('BLPOP', 'nolist', '0');
    while (current.server.blocking.blockedCount === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await client.call('CLIENT', 'UNBLOCK', String(id), 'ERROR')).toBe(1);
    expect(await reply).toEqual({ type: 'error', value: 'UNBLOCKED client unblocked via CLIENT UNBLOCK' });
    const second = blocked.send('BLPOP', 'nolist', '0');
    while (current.server.blocking.blockedCount === 0) await new Promise((r) => setTimeout(r, 5));
    expect(await client.call('CLIENT', 'UNBLOCK', String(id))).toBe(1);
    expect((await second).type).toMatch(/null|array/);
    expect(await client.call('CLIENT', 'UNBLOCK', String(id))).toBe(0);
    expect(await client.send('CLIENT', 'UNBLOCK', String(id), 'x')).toEqual({
      type: 'error',
      value: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR',
    });
  });

  it('pauses and unpauses clients', async () => {
    current = await startTestServer();
    const admin = await current.connect();
    const writer = await current.connect();
    expect(await admin.send('CLIENT', 'PAUSE', '-1')).toEqual({ type: 'error', value: 'ERR timeout is negative' });
    expect(await admin.send('CLIENT', 'PAUSE', '100', 'x')).toEqual({
      type: 'error',
      value: 'ERR CLIENT PAUSE mode must be WRITE or ALL',
    });
    expect(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('OK');
    let done = false;
    const write = writer.call('SET', 'k', 'v').then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    expect(await admin.call('CLIENT', 'UNPAUSE')).toBe('OK');
    expect(await write).toBe('OK');
  });
});
