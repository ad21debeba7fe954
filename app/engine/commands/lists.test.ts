import { describe, expect, it } from 'vitest';
import { useTestServer } from '../testing.js';

const setup = useTestServer();

describe('list commands', () => {
  it('pushes, pops, ranges and indexes like Redis', async () => {
    const { client } = await setup();
    expect(await client.call('RPUSH', 'l', 'a', 'b', 'c')).toBe(3);
    expect(await client.call('LPUSH', 'l', 'z')).toBe(4);
    expect(await client.call('LRANGE', 'l', 0, -1)).toEqual(['z', 'a', 'b', 'c']);
    expect(await client.call('LRANGE', 'l', -2, 100)).toEqual(['b', 'c']);
    expect(await client.call('LINDEX', 'l', -1)).toBe('c');
    expect(await client.call('LINDEX', 'l', 10)).toBeNull();
    expect(await client.call('LPUSHX', 'missing', 'x')).toBe(0);
    expect(await client.call('LPOP', 'l', 2)).toEqual(['z', 'a']);
    expect(await client.call('RPOP', 'l', 5)).toEqual(['c', 'b']);
    expect(await client.call('EXISTS', 'l')).toBe(0);
    expect(await client.send('LPOP', 'l', 1)).toMatchObject({ type: 'null', kind: 'array' });
    expect(await client.send('LPOP', 'l')).toMatchObject({ type: 'null', kind: 'bulk' });
    await expect(client.call('LPOP', 'l', -1)).rejects.toThrow('ERR value is out of range, must be positive');
    await client.call('SET', 's', 'x');
    await expect(client.call('LPUSH', 's', 'x')).rejects.toThrow('WRONGTYPE');
    await expect(client.call('LSET', 'nokey', 0, 'x')).rejects.toThrow('ERR no such key');
    await client.call('RPUSH', 'l', 'a');
    await expect(client.call('LSET', 'l', 5, 'x')).rejects.toThrow('ERR index out of range');
  });

  it('LINSERT, LREM, LTRIM and LPOS', async () => {
    const { client } = await setup();
    await client.call('RPUSH', 'l', 'a', 'b', 'c', 'b', 'd', 'b');
    expect(await client.call('LPOS', 'l', 'b')).toBe(1);
    expect(await client.call('LPOS', 'l', 'b', 'RANK', -1)).toBe(5);
    expect(await client.call('LPOS', 'l', 'b', 'COUNT', 0)).toEqual([1, 3, 5]);
    expect(await client.call('LPOS', 'l', 'b', 'RANK', 2, 'COUNT', 1)).toEqual([3]);
    expect(await client.call('LPOS', 'l', 'b', 'MAXLEN', 1)).toBeNull();
    await expect(client.call('LPOS', 'l', 'b', 'RANK', 0)).rejects.toThrow("ERR RANK can't be zero");
    expect(await client.call('LINSERT', 'l', 'BEFORE', 'c', 'x')).toBe(7);
    expect(await client.call('LINSERT', 'l', 'AFTER', 'nope', 'x')).toBe(-1);
    expect(await client.call('LREM', 'l', -2, 'b')).toBe(2);
    expect(await client.call('LRANGE', 'l', 0, -1)).toEqual(['a', 'b', 'x', 'c', 'd']);
    expect(await client.call('LTRIM', 'l', 1, -2)).toBe('OK');
    expect(await client.call('LRANGE', 'l', 0, -1)).toEqual(['b', 'x', 'c']);
    expect(await client.call('LTRIM', 'l', 5, 10)).toBe('OK');
    expect(await client.call('EXISTS', 'l')).toBe(0);
  });

  it('LMOVE and LMPOP propagate as Redis does', async () => {
    const { client, propagated } = await setup();
    await client.call('RPUSH', 'src', 'a', 'b', 'c');
    expect(await client.call('LMOVE', 'src', 'dst', 'RIGHT', 'LEFT')).toBe('c');
    expect(await client.call('LMPOP', 2, 'none', 'src', 'LEFT', 'COUNT', 10)).toEqual(['src', ['a', 'b']]);
    expect(propagated.at(-1)).toEqual(['LPOP', 'src', '2']);
    expect(await client.call('LMPOP', 1, 'src', 'LEFT')).toBeNull();
    await expect(client.call('LMPOP', 0, 'src', 'LEFT')).rejects.toThrow('ERR numkeys should be greater than 0');
    await expect(client.call('LMPOP', 1, 'src', 'LEFT', 'COUNT', 0)).rejects.toThrow(
      'ERR count should be greater than 0',
    );
    await expect(client.call('LMOVE', 'dst', 'x', 'UP', 'LEFT')).rejects.toThrow('ERR syntax error');
  });
});

describe('blocking list commands', () => {
  it('serves blocked clients in FIFO order and propagates the pop', async () => {
    const { client, propagated, testServer: server } = await setup();
    const first = await server.connect();
    const second = await server.connect();
    first.sendRaw('*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n');
    second.sendRaw('*3\r\n$5\r\nBRPOP\r\n$1\r\nq\r\n$1\r\n0\r\n');
    await waitFor(() => server.server.blocking.blockedCount === 2);
    expect(await client.call('RPUSH', 'q', 'a', 'b', 'c')).toBe(3);
    expect(await first.readReply(1000)).toMatchObject({ type: 'array' });
    expect(await second.readReply(1000)).toMatchObject({
      items: [
        { type: 'bulk', value: 'q' },
        { type: 'bulk', value: 'c' },
      ],
    });
    expect(propagated.slice(-3)).toEqual([
      ['RPUSH', 'q', 'a', 'b', 'c'],
      ['LPOP', 'q'],
      ['RPOP', 'q'],
    ]);
    expect(await client.call('LRANGE', 'q', 0, -1)).toEqual(['b']);
  });

  it('times out with a null array and parses timeouts like Redis', async () => {
    const { client } = await setup();
    expect(await client.send('BLPOP', 'nothing', '0.05')).toMatchObject({ type: 'null', kind: 'array' });
    expect(await client.send('BLMOVE', 'nothing', 'x', 'LEFT', 'LEFT', '0.05')).toMatchObject({
      type: 'null',
      kind: 'array',
    });
    await expect(client.call('BLPOP', 'k', '-1')).rejects.toThrow('ERR timeout is negative');
    await expect(client.call('BLPOP', 'k', 'abc')).rejects.toThrow('ERR timeout is not a float or out of range');
  });

  it('does not block inside MULTI', async () => {
    const { client } = await setup();
    await client.call('MULTI');
    await client.call('BLPOP', 'empty', 0);
    await client.call('BRPOPLPUSH', 'empty', 'dst', 0);
    expect(await client.call('EXEC')).toEqual([null, null]);
  });

  it('BLMOVE serves from a push and wakes a chain of waiters', async () => {
    const { client, propagated, testServer: server } = await setup();
    const mover = await server.connect();
    const popper = await server.connect();
    mover.sendRaw('*6\r\n$6\r\nBLMOVE\r\n$1\r\na\r\n$1\r\nb\r\n$5\r\nRIGHT\r\n$4\r\nLEFT\r\n$1\r\n0\r\n');
    await waitFor(() => server.server.blocking.blockedCount === 1);
    popper.sendRaw('*3\r\n$5\r\nBLPOP\r\n$1\r\nb\r\n$1\r\n0\r\n');
    await waitFor(() => server.server.blocking.blockedCount === 2);
    await client.call('LPUSH', 'a', 'v');
    expect(await mover.readReply(1000)).toMatchObject({ type: 'bulk', value: 'v' });
    expect(await popper.readReply(1000)).toMatchObject({ type: 'array' });
    expect(propagated.slice(-3)).toEqual([
      ['LPUSH', 'a', 'v'],
      ['LMOVE', 'a', 'b', 'RIGHT', 'LEFT'],
      ['LPOP', 'b'],
    ]);
    expect(await client.call('EXISTS', 'a', 'b')).toBe(0);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!condition()) throw new Error('condition not reached');
}
