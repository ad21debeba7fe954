/**
 * The replication backlog (replication.c, createReplicationBacklog/feedReplicationBacklog):
 * the last `repl-backlog-size` bytes of the replication stream, so a replica that
 * reconnects can continue from its offset (PSYNC) instead of a full resync.
 */
/** CONFIG_REPL_BACKLOG_MIN_SIZE: Redis never keeps a smaller backlog than this. */
const MIN_BACKLOG_SIZE = 16 * 1024;

export class ReplicationBacklog {
  private buffer: Buffer;
  /** Bytes of history held (repl_backlog_histlen). */
  histlen = 0;
  /** Where the next byte goes in the ring. */
  private writeIndex = 0;
  /** Replication offset of the first byte held (repl_backlog_first_byte_offset). */
  firstByteOffset: number;

  constructor(size: number, masterOffset: number) {
    this.buffer = Buffer.alloc(Math.max(size, MIN_BACKLOG_SIZE));
    // Redis: the first byte of the backlog is the one after the current offset.
    this.firstByteOffset = masterOffset + 1;
  }

  get size(): number {
    return this.buffer.length;
  }

  append(bytes: Buffer): void {
    const size = this.buffer.length;
    if (size === 0) return;
    let data = bytes;
    if (data.length > size) data = data.subarray(data.length - size);
    const firstPart = Math.min(data.length, size - this.writeIndex);
    data.copy(this.buffer, this.writeIndex, 0, firstPart);
    if (firstPart < data.length) data.copy(this.buffer, 0, firstPart);
    this.writeIndex = (this.writeIndex + data.length) % size;
    const dropped = Math.max(0, this.histlen + bytes.length - size);
    this.histlen = Math.min(size, this.histlen + bytes.length);
    this.firstByteOffset += dropped;
  }

  /** The bytes from replication offset `from` (inclusive) to the end, or undefined if not held. */
  readFrom(from: number, masterOffset: number): Buffer | undefined {
    if (from < this.firstByteOffset || from > masterOffset + 1) return undefined;
    const wanted = masterOffset + 1 - from;
    const size = this.buffer.length;
    const start = (this.writeIndex - wanted + size * 2) % size;
    if (start + wanted <= size) return Buffer.from(this.buffer.subarray(start, start + wanted));
    return Buffer.concat([this.buffer.subarray(start), this.buffer.subarray(0, wanted - (size - start))]);
  }

  /**
   * CONFIG SET repl-backlog-size (resizeReplicationBacklog): Redis 7.0 keeps the history,
   * trimming its oldest bytes when the new size is smaller, so replicas can still continue.
   */
  resize(requested: number, masterOffset: number): void {
    const size = Math.max(requested, MIN_BACKLOG_SIZE);
    if (size === this.buffer.length) return;
    const kept = Math.min(this.histlen, size);
    const history = kept > 0 ? this.readFrom(masterOffset + 1 - kept, masterOffset) : undefined;
    this.buffer = Buffer.alloc(size);
    this.histlen = 0;
    this.writeIndex = 0;
    this.firstByteOffset = masterOffset + 1 - kept;
    if (history) {
      history.copy(this.buffer, 0);
      this.histlen = kept;
      this.writeIndex = kept % size;
    }
  }
}
