/**
 * The RDB payload of a full resynchronisation, as readSyncBulkPayload() reads it:
 * newlines while the master prepares, then `$<len>\r\n` and exactly len bytes
 * (disk-based sync), or `$EOF:<40-byte mark>\r\n`, the bytes, and the mark again
 * (diskless sync: after it the master waits for our first REPLCONF ACK).
 */

const MARK_SIZE = 40;
const EMPTY = Buffer.alloc(0);

export type PayloadStep =
  /** More input is needed. */
  | { kind: 'more' }
  /** The master sent an error or something that is not a payload. */
  | { kind: 'error'; message: string }
  /** The header was read: `size` bytes follow, or a stream ended by an EOF mark. */
  | { kind: 'header'; size: number; eofMark: boolean }
  /** The whole payload; `leftover` is what the master sent after it (the stream). */
  | { kind: 'done'; payload: Buffer; leftover: Buffer; eofMark: boolean };

export class SyncPayloadReader {
  /** repl_transfer_size: -1 until the header is read, 0 with an EOF mark. */
  size = -1;
  /** repl_transfer_read. */
  read = 0;
  private input: Buffer = EMPTY;
  private chunks: Buffer[] = [];
  private mark: string | undefined;
  private tail: Buffer = EMPTY;

  push(chunk: Buffer): void {
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
  }

  /** The next step; call again after 'header' (and after a keepalive is skipped). */
  next(): PayloadStep {
    if (this.size === -1) return this.readHeader();
    const input = this.input;
    if (this.mark === undefined) {
      const take = Math.min(this.size - this.read, input.length);
      if (take > 0) this.chunks.push(input.subarray(0, take));
      this.read += take;
      this.input = input.subarray(take);
      if (this.read < this.size) return { kind: 'more' };
      return { kind: 'done', payload: Buffer.concat(this.chunks), leftover: this.input, eofMark: false };
    }
    if (input.length > 0) this.chunks.push(input);
    this.read += input.length;
    this.input = EMPTY;
    this.tail = Buffer.concat([this.tail, input]).subarray(-MARK_SIZE);
    if (this.tail.toString('latin1') !== this.mark) return { kind: 'more' };
    const all = Buffer.concat(this.chunks);
    return { kind: 'done', payload: all.subarray(0, all.length - MARK_SIZE), leftover: EMPTY, eofMark: true };
  }

  private readHeader(): PayloadStep {
    for (;;) {
      const nl = this.input.indexOf(10);
      if (nl === -1) return { kind: 'more' };
      const end = nl > 0 && this.input[nl - 1] === 13 ? nl - 1 : nl;
      const line = this.input.toString('latin1', 0, end);
      this.input = this.input.subarray(nl + 1);
      // A bare newline: the master keeps the link alive while it produces the RDB.
      if (line.length === 0) continue;
      if (line[0] === '-')
        return { kind: 'error', message: `MASTER aborted replication with an error: ${line.slice(1)}` };
      if (line[0] !== '$') {
        return {
          kind: 'error',
          message:
            `Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), ` +
            'are you sure the host and port are right?',
        };
      }
      if (line.startsWith('$EOF:') && line.length - 5 >= MARK_SIZE) {
        this.mark = line.slice(5, 5 + MARK_SIZE);
        this.size = 0;
        return { kind: 'header', size: 0, eofMark: true };
      }
      this.size = Number.parseInt(line.slice(1), 10);
      return { kind: 'header', size: this.size, eofMark: false };
    }
  }
}
