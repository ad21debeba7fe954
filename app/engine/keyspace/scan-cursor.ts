/**
 * Cursors for SCAN, SSCAN, HSCAN and ZSCAN over JS Maps and Sets.
 *
 * Redis's reverse-binary cursor walks hash-table buckets. JS collections have no
 * buckets, but their iterators are live: they survive deletions and reach entries
 * added later. A cursor is therefore an opaque number that names a parked iterator
 * (kept in a small per-collection table); the guarantee Redis gives holds: an
 * element present for the whole scan is returned at least once. An unknown cursor
 * (evicted, or from before a restart) restarts from the beginning, which only adds
 * duplicates, which SCAN's contract allows.
 */
import { CommandError } from '../commands/args.js';

const MAX_PARKED = 1024;

interface Parked<T> {
  iterator: Iterator<T>;
  /** An item read ahead to learn whether the scan is over (returned by the next step). */
  lookahead?: IteratorResult<T>;
}

const parkedByOwner = new WeakMap<object, Map<number, Parked<unknown>>>();
let nextCursor = 1;

export interface ScanStep<T> {
  /** The cursor to return to the client: 0 when the iteration is complete. */
  cursor: number;
  items: T[];
}

/**
 * One SCAN step over `owner` (the Map or Set being scanned, or any object that
 * identifies it). `open()` starts a fresh iterator. `count` is the COUNT hint.
 */
export function scanStep<T>(owner: object, open: () => Iterator<T>, cursor: number, count: number): ScanStep<T> {
  let parked = parkedByOwner.get(owner) as Map<number, Parked<T>> | undefined;
  if (!parked) {
    parked = new Map();
    parkedByOwner.set(owner, parked as Map<number, Parked<unknown>>);
  }
  let state: Parked<T> | undefined = cursor === 0 ? undefined : parked.get(cursor);
  if (state) parked.delete(cursor);
  else state = { iterator: open() };
  const items: T[] = [];
  for (let i = 0; i < count; i++) {
    const next = state.lookahead ?? state.iterator.next();
    state.lookahead = undefined;
    if (next.done) return { cursor: 0, items };
    items.push(next.value);
  }
  // Read one item ahead so an exhausted scan answers cursor 0 now, not one call later.
  state.lookahead = state.iterator.next();
  if (state.lookahead.done) return { cursor: 0, items };
  const id = nextCursor++;
  if (nextCursor > Number.MAX_SAFE_INTEGER - 1) nextCursor = 1;
  parked.set(id, state);
  if (parked.size > MAX_PARKED) {
    const oldest = parked.keys().next().value as number;
    parked.delete(oldest);
  }
  return { cursor: id, items };
}

const ULONG_MAX = 18446744073709551615n;

/**
 * parseScanCursorOrReply(): strtoul() semantics, as Redis parses cursors: optional
 * sign ("-1" wraps around), no leading space, nothing after the digits, no overflow.
 * Throws Redis's error text (callers are command handlers).
 */
export function parseScanCursor(text: string): number {
  if (!/^[+-]?\d*$/.test(text) || /^[+-]$/.test(text)) throw new CommandError('ERR invalid cursor');
  const digits = text.replace(/^[+-]/, '');
  if (digits === '') return 0;
  const magnitude = BigInt(digits);
  if (magnitude > ULONG_MAX) throw new CommandError('ERR invalid cursor');
  const value = text.startsWith('-') && magnitude !== 0n ? (1n << 64n) - magnitude : magnitude;
  return Number(value);
}
