import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RespConnection } from '../../resp/connection.js';
import { startTestServer, type TestServer } from '../testing.js';

/** Raw replies recorded from redis-server 7.0.15 (see _source in the file). */
const REFERENCE = JSON.parse(
  readFileSync(new URL('./command.test-fixtures.json', import.meta.url), 'latin1'),
) as Record<string, string>;

let current: TestServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** Sends a command and collects the raw reply bytes until `expectedLength` arrived. */
async function rawReply(client: RespConnection, args: string[], expectedLength: number): Promise<string> {
  let data = '';
  const done = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (data.length >= expectedLength) {
        client.socket.off('data', onData);
        resolve();
      }
    };
    client.socket.on('data', onData);
  });
  client.sendRaw(`*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`);
  await done;
  return data;
}

describe('COMMAND', () => {
  it('replies byte for byte as Redis 7.0 for INFO, DOCS and GETKEYSANDFLAGS', async () => {
    current = await startTestServer();
    for (const [line, expected] of Object.entries(REFERENCE)) {
      if (line.startsWith('_')) continue;
      const client = await current.connect();
      expect(await rawReply(client, line.split(' '), expected.length), line).toBe(expected);
      await client.close();
    }
  });

  it('counts, lists and filters the implemented commands', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const count = (await client.call('COMMAND', 'COUNT')) as number;
    expect(count).toBe(current.server.commands.commands.size);
    expect(((await client.call('COMMAND')) as unknown[]).length).toBe(count);
    const list = (await client.call('COMMAND', 'LIST')) as string[];
    expect(list).toContain('set');
    expect(list).toContain('client|list');
    expect(await client.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'set')).toEqual(['set']);
    expect(await client.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'client|*name')).toEqual(
      expect.arrayContaining(['client|setname', 'client|getname']),
    );
    const fast = (await client.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'FAST')) as string[];
    expect(fast).toContain('get');
    expect(fast).not.toContain('client|list');
    expect(await client.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch')).toEqual([]);
    expect(await client.call('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'm')).toEqual([]);
    expect(await client.send('COMMAND', 'LIST', 'bad')).toEqual({ type: 'error', value: 'ERR syntax error' });
  });

  it('answers GETKEYS with Redis error texts', async () => {
    current = await startTestServer();
    const client = await current.connect();
    expect(await client.call('COMMAND', 'GETKEYS', 'get', 'key')).toEqual(['key']);
    expect(await client.call('COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    const error = async (...args: string[]) =>
      ((await client.send('COMMAND', 'GETKEYS', ...args)) as { value: string }).value;
    expect(await error('nosuch', 'x')).toBe('ERR Invalid command specified');
    expect(await error('ping', 'x')).toBe('ERR The command has no key arguments');
    expect(await error('get', 'a', 'b')).toBe('ERR Invalid number of arguments specified for command');
    expect(await error('lmove', 'a', 'b', 'c', 'd', 'e')).toBe('ERR Invalid number of arguments specified for command');
  });

  it('documents the container and its implemented subcommands', async () => {
    current = await startTestServer();
    const client = await current.connect();
    const [name, docs] = (await client.call('COMMAND', 'DOCS', 'client')) as [string, unknown[]];
    expect(name).toBe('client');
    const subcommands = docs[docs.indexOf('subcommands') + 1] as unknown[];
    expect(subcommands).toContain('client|list');
    expect(await client.call('COMMAND', 'DOCS', 'nosuch')).toEqual([]);
    expect(await client.call('COMMAND', 'INFO', 'config|get|key')).toEqual([null]);
  });
});
