import { describe, expect, it } from 'vitest';
import type { Server } from '../server.js';
import { loadEmptyRdb } from './empty-rdb.js';
import { SyncPayloadReader, type PayloadStep } from './sync-payload.js';

/** Every step until the reader needs more input. */
function drain(reader: SyncPayloadReader): PayloadStep[] {
  const steps: PayloadStep[] = [];
  for (;;) {
    const step = reader.next();
    steps.push(step);
    if (step.kind !== 'header') return steps;
  }
}

describe('SyncPayloadReader', () => {
  it('reads $<len> payloads byte by byte, skipping keepalive newlines, and keeps what follows', () => {
    const reader = new SyncPayloadReader();
    const wire = Buffer.from('\n\n$5\r\nREDIS*1\r\n$4\r\nPING\r\n');
    const steps: PayloadStep[] = [];
    for (const byte of wire) {
      reader.push(Buffer.from([byte]));
      steps.push(...drain(reader).filter((s) => s.kind !== 'more'));
    }
    expect(steps[0]).toEqual({ kind: 'header', size: 5, eofMark: false });
    expect(steps[1]).toMatchObject({ kind: 'done', eofMark: false });
    const done = steps[1] as Extract<PayloadStep, { kind: 'done' }>;
    expect(done.payload.toString()).toBe('REDIS');
    // Fed byte by byte, the payload completes with nothing after it yet.
    expect(done.leftover.length).toBe(0);

    const whole = new SyncPayloadReader();
    whole.push(wire);
    const [header, last] = drain(whole);
    expect(header).toEqual({ kind: 'header', size: 5, eofMark: false });
    expect((last as Extract<PayloadStep, { kind: 'done' }>).leftover.toString()).toBe('*1\r\n$4\r\nPING\r\n');
  });

  it('reads diskless payloads up to the EOF mark, even when the mark arrives split', () => {
    const mark = 'a'.repeat(20) + 'b'.repeat(20);
    const reader = new SyncPayloadReader();
    reader.push(Buffer.from(`$EOF:${mark}\r\nREDIS0010` + mark.slice(0, 3)));
    expect(drain(reader).map((s) => s.kind)).toEqual(['header', 'more']);
    reader.push(Buffer.from(mark.slice(3, 39)));
    expect(reader.next().kind).toBe('more');
    reader.push(Buffer.from(mark.slice(39)));
    const done = reader.next() as Extract<PayloadStep, { kind: 'done' }>;
    expect(done.kind).toBe('done');
    expect(done.payload.toString()).toBe('REDIS0010');
    expect(done.eofMark).toBe(true);
  });

  it('reports errors with the text Redis logs', () => {
    const aborted = new SyncPayloadReader();
    aborted.push(Buffer.from('-ERR no\r\n'));
    expect(aborted.next()).toEqual({ kind: 'error', message: 'MASTER aborted replication with an error: ERR no' });
    const garbage = new SyncPayloadReader();
    garbage.push(Buffer.from('+OK\r\n'));
    expect(garbage.next()).toEqual({
      kind: 'error',
      message:
        "Bad protocol from MASTER, the first byte is not '$' (we received '+OK'), are you sure the host and port are right?",
    });
  });
});

describe('loadEmptyRdb (until the RDB module loads real data sets)', () => {
  // redis-cli --rdb from Debian's redis-server 7.0.15: empty, then with one key.
  const empty = Buffer.from(
    'UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwgmrBWv6CHVzZWQtbWVtwqAqDgD6DnJlcGwtc3RyZWFtLWRiwAD6B3JlcGwtaWQoNGIxYzg3NWJjMjkxMDc2NTFiNmQ5NWM5OGJjNzc3Nzc0NzUyNjY5M/oLcmVwbC1vZmZzZXTAAPoIYW9mLWJhc2XAAP8Yg17WkcuTOQ==',
    'base64',
  );
  const oneKey = Buffer.from(
    'UkVESVMwMDEw+glyZWRpcy12ZXIGNy4wLjE1+gpyZWRpcy1iaXRzwED6BWN0aW1lwg6rBWv6CHVzZWQtbWVtwpjbDgD6DnJlcGwtc3RyZWFtLWRiwAD6B3JlcGwtaWQoNGIxYzg3NWJjMjkxMDc2NTFiNmQ5NWM5OGJjNzc3Nzc0NzUyNjY5M/oLcmVwbC1vZmZzZXTAQPoIYW9mLWJhc2XAAP4A+wEAAAFrAXb/nfgjzeZPlTg=',
    'base64',
  );
  const server = {} as Server;

  it("accepts Redis's empty RDB and reads repl-stream-db", () => {
    expect(loadEmptyRdb(server, empty)).toEqual({ replStreamDb: 0 });
  });

  it('refuses a data set it cannot load, clearly', () => {
    expect(() => loadEmptyRdb(server, oneKey)).toThrow(/not empty .* no RDB loader yet/);
    expect(() => loadEmptyRdb(server, Buffer.from('NOTRDB'))).toThrow('Wrong signature trying to load DB from file');
  });
});
