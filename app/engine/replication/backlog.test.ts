import { describe, expect, it } from 'vitest';
import { ReplicationBacklog } from './backlog.js';

describe('ReplicationBacklog', () => {
  it('keeps the last repl-backlog-size bytes and serves any offset it still holds', () => {
    const backlog = new ReplicationBacklog(16 * 1024, 0);
    const stream = Buffer.from('x'.repeat(10_000) + 'y'.repeat(10_000));
    backlog.append(stream);
    expect(backlog.histlen).toBe(16 * 1024);
    expect(backlog.firstByteOffset).toBe(stream.length - 16 * 1024 + 1);
    expect(backlog.readFrom(backlog.firstByteOffset - 1, stream.length)).toBeUndefined();
    expect(backlog.readFrom(10_001, stream.length)?.toString()).toBe('y'.repeat(10_000));
  });

  it('never holds less than 16 KiB, as CONFIG_REPL_BACKLOG_MIN_SIZE', () => {
    expect(new ReplicationBacklog(100, 0).size).toBe(16 * 1024);
  });

  it('keeps the history that still fits when CONFIG SET repl-backlog-size resizes it', () => {
    const backlog = new ReplicationBacklog(64 * 1024, 0);
    const stream = Buffer.from(Array.from({ length: 40_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join(''));
    backlog.append(stream);
    backlog.resize(20_000, stream.length);
    expect(backlog.size).toBe(20_000);
    expect(backlog.histlen).toBe(20_000);
    expect(backlog.firstByteOffset).toBe(20_001);
    expect(backlog.readFrom(20_001, stream.length)).toEqual(stream.subarray(20_000));
    backlog.append(Buffer.from('tail'));
    expect(backlog.readFrom(stream.length + 1, stream.length + 4)?.toString()).toBe('tail');
    backlog.resize(1 << 20, stream.length + 4);
    expect(backlog.histlen).toBe(20_000);
    expect(backlog.readFrom(20_005, stream.length + 4)).toEqual(
      Buffer.concat([stream.subarray(20_004), Buffer.from('tail')]),
    );
  });
});
