import { describe, expect, it } from 'vitest';
import { jemallocSize } from './query-buffer.js';
import { RequestParser } from './request-parser.js';

function parser(): RequestParser {
  return new RequestParser({ maxBulkLen: () => 512 * 1024 * 1024, authRequired: () => false, isMaster: () => false });
}

function drain(p: RequestParser): string[][] {
  const out: string[][] = [];
  for (let argv = p.next(); argv !== null; argv = p.next()) out.push(argv);
  return out;
}

describe('query buffer accounting', () => {
  it('uses jemalloc size classes', () => {
    expect([1, 8, 9, 17, 128, 129, 16390, 20480, 20481, 400012].map(jemallocSize)).toEqual([
      8, 8, 16, 32, 128, 160, 20480, 20480, 24576, 458752,
    ]);
  });

  it("reports Redis's qbuf and qbuf-free around a small command", () => {
    const p = parser();
    p.feed(Buffer.from('*2\r\n$6\r\nclient\r\n$4\r\nlist\r\n'));
    expect(p.next()).toEqual(['client', 'list']);
    // While the command runs, Redis still holds its 26 bytes in a 16 KB read buffer.
    expect([p.queryBufferLength(), p.queryBufferFree()]).toEqual([26, 20448]);
    expect(p.next()).toBeNull();
    expect([p.queryBufferLength(), p.queryBufferFree()]).toEqual([0, 20474]);
  });

  it('frees the buffer of a client idle for more than 2 seconds', () => {
    const p = parser();
    p.feed(Buffer.from('PING\r\n'));
    drain(p);
    p.cronResizeQueryBuffer(1);
    expect(p.queryBufferFree()).toBe(20474);
    p.cronResizeQueryBuffer(3);
    expect(p.queryBufferFree()).toBe(0);
  });

  it('sizes a big argument exactly, then shrinks to the recent peak', () => {
    const p = parser();
    const value = 'A'.repeat(400_000);
    const wire = Buffer.from(`*3\r\n$3\r\nset\r\n$1\r\nx\r\n$${value.length}\r\n${value}\r\n`, 'latin1');
    for (let i = 0; i < wire.length; i += 65536) {
      p.feed(wire.subarray(i, i + 65536));
      drain(p);
    }
    const grown = p.queryBufferFree();
    expect(grown).toBe(458742);
    p.cronResizeQueryBuffer(0); // the peak is still the big argument
    expect(p.queryBufferFree()).toBe(grown);
    p.feed(Buffer.from(`*3\r\n$3\r\nset\r\n$1\r\nx\r\n$100\r\n${'A'.repeat(100)}\r\n`));
    drain(p);
    p.cronResizeQueryBuffer(0);
    expect(p.queryBufferFree()).toBeGreaterThan(0);
    expect(p.queryBufferFree()).toBeLessThan(grown);
  });
});
