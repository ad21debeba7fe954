/**
 * Accounting of a client's query buffer as Redis 7.0 sizes it, so that CLIENT
 * LIST's qbuf-free, tot-mem and the query buffer resizing done by the server
 * cron show Redis's numbers. Our parser does not hold an sds: this models the
 * allocation an sds would have (readQueryFromClient's growth rules,
 * processMultibulkBuffer's big-argument handling, clientsCronResizeQueryBuffer's
 * shrinking), with jemalloc's size classes.
 */

/** PROTO_IOBUF_LEN: a normal read. */
const IOBUF_LEN = 16 * 1024;
/** PROTO_MBULK_BIG_ARG: bulks from this size get a buffer of their own. */
export const MBULK_BIG_ARG = 32 * 1024;
/** PROTO_RESIZE_THRESHOLD. */
const RESIZE_THRESHOLD = 32 * 1024;
/** SDS_MAX_PREALLOC. */
const SDS_MAX_PREALLOC = 1024 * 1024;

export class QueryBufferAccounting {
  /** sdsalloc(c->querybuf): bytes usable without reallocating. */
  alloc = 0;
  /** c->querybuf_peak: the largest length seen since the last cron pass. */
  peak = 0;

  /**
   * readQueryFromClient() for `incoming` bytes arriving while `length` are
   * buffered: each read(2) of Redis takes at most what the room made for it
   * allows. `bigArgRemaining` is what is missing of a big bulk being read, or -1.
   */
  receive(length: number, incoming: number, bigArgRemaining: number, isMaster: boolean): void {
    let buffered = length;
    let rest = incoming;
    while (rest > 0) {
      let readLen = IOBUF_LEN;
      const bigArg = bigArgRemaining >= 0;
      if (bigArg) {
        const remaining = bigArgRemaining - (buffered - length);
        if (remaining > 0) readLen = remaining;
        if (isMaster && readLen < IOBUF_LEN) readLen = IOBUF_LEN;
      }
      if (!isMaster && (bigArg || this.alloc < IOBUF_LEN)) {
        this.makeRoom(buffered, readLen, false);
      } else {
        this.makeRoom(buffered, readLen, true);
        readLen = this.alloc - buffered;
      }
      const taken = Math.min(readLen, rest);
      buffered += taken;
      rest -= taken;
    }
    if (buffered > this.peak) this.peak = buffered;
  }

  /** A big bulk's header was read with `length` bytes buffered: room for the whole bulk. */
  reserveBigArg(length: number, bulkLen: number): void {
    if (length <= bulkLen + 2) this.makeRoom(length, bulkLen + 2 - length, false);
  }

  /** A big bulk that filled the buffer exactly became the argument; a fresh buffer of its size replaces it. */
  replaceAfterBigArg(bulkLen: number): void {
    this.alloc = sdsUsable(bulkLen + 2, false);
  }

  /** clientsCronResizeQueryBuffer(). `bulkLen` is the bulk being read, or -1. */
  cronResize(length: number, idleSeconds: number, bulkLen: number): void {
    if (this.alloc - length > 4 * 1024) {
      if (idleSeconds > 2) {
        this.alloc = length;
      } else if (this.alloc > RESIZE_THRESHOLD && Math.floor(this.alloc / 2) > this.peak) {
        let resize = Math.max(length, this.peak);
        if (bulkLen !== -1 && resize < bulkLen) resize = bulkLen;
        this.alloc = resize;
      }
    }
    this.peak = length;
    if (bulkLen !== -1 && bulkLen > this.peak) this.peak = bulkLen;
  }

  /** sdsMakeRoomFor() / sdsMakeRoomForNonGreedy(). */
  private makeRoom(length: number, addLen: number, greedy: boolean): void {
    if (this.alloc - length >= addLen) return;
    let newLen = length + addLen;
    if (greedy) newLen = newLen < SDS_MAX_PREALLOC ? newLen * 2 : newLen + SDS_MAX_PREALLOC;
    this.alloc = sdsUsable(newLen, true);
  }
}

/** The usable size of an sds allocated for `length` bytes: the jemalloc class minus header and NUL. */
function sdsUsable(length: number, neverType5: boolean): number {
  const header = sdsHeaderSize(length, neverType5);
  return jemallocSize(header + length + 1) - header - 1;
}

function sdsHeaderSize(length: number, neverType5: boolean): number {
  if (length < 32 && !neverType5) return 1;
  if (length < 256) return 3;
  if (length < 65536) return 5;
  if (length < 2 ** 32) return 9;
  return 17;
}

/** jemalloc's size classes (16-byte quantum, four classes per doubling). */
export function jemallocSize(size: number): number {
  if (size <= 8) return 8;
  if (size <= 128) return Math.ceil(size / 16) * 16;
  const group = 2 ** Math.floor(Math.log2(size - 1));
  const spacing = group / 4;
  return Math.ceil(size / spacing) * spacing;
}
