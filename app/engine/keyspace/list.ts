/**
 * The list value type. Redis 7.0 stores every list as a quicklist; here a list
 * is a ring buffer (a deque): push and pop at both ends are O(1), indexing is
 * O(1), and inserting or removing in the middle is O(n) as in Redis.
 */
import type { RedisObject } from './types.js';

const MIN_CAPACITY = 8;

export class RedisList implements RedisObject {
  readonly type = 'list' as const;
  /** Capacity is always a power of two so that `& mask` wraps an index. */
  private slots: (string | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = MIN_CAPACITY) {
    let capacity = MIN_CAPACITY;
    while (capacity < initialCapacity) capacity *= 2;
    this.slots = new Array<string | undefined>(capacity);
    this.mask = capacity - 1;
  }

  static from(values: Iterable<string>): RedisList {
    const list = new RedisList();
    for (const v of values) list.pushTail(v);
    return list;
  }

  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    return this.count;
  }

  pushHead(value: string): void {
    if (this.count === this.slots.length) this.resize(this.slots.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.slots[this.head] = value;
    this.count++;
  }

  pushTail(value: string): void {
    if (this.count === this.slots.length) this.resize(this.slots.length * 2);
    this.slots[(this.head + this.count) & this.mask] = value;
    this.count++;
  }

  popHead(): string | undefined {
    if (this.count === 0) return undefined;
    const value = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    this.maybeShrink();
    return value;
  }

  popTail(): string | undefined {
    if (this.count === 0) return undefined;
    const slot = (this.head + this.count - 1) & this.mask;
    const value = this.slots[slot];
    this.slots[slot] = undefined;
    this.count--;
    this.maybeShrink();
    return value;
  }

  /** The element at a 0-based index from the head (no negative indexes), or undefined. */
  at(index: number): string | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.slots[(this.head + index) & this.mask];
  }

  /** Replaces the element at a valid 0-based index. */
  set(index: number, value: string): void {
    this.slots[(this.head + index) & this.mask] = value;
  }

  /** Inserts so that the new element ends up at `index` (0..length). Moves the shorter side. */
  insertAt(index: number, value: string): void {
    if (index <= 0) return this.pushHead(value);
    if (index >= this.count) return this.pushTail(value);
    if (this.count === this.slots.length) this.resize(this.slots.length * 2);
    const mask = this.mask;
    if (index < this.count / 2) {
      // Shift elements [0, index) one slot towards the head.
      this.head = (this.head - 1) & mask;
      for (let i = 0; i < index; i++) {
        this.slots[(this.head + i) & mask] = this.slots[(this.head + i + 1) & mask];
      }
    } else {
      // Shift elements [index, count) one slot towards the tail.
      for (let i = this.count; i > index; i--) {
        this.slots[(this.head + i) & mask] = this.slots[(this.head + i - 1) & mask];
      }
    }
    this.slots[(this.head + index) & mask] = value;
    this.count++;
  }

  /** Removes the element at a valid 0-based index. Moves the shorter side. */
  removeAt(index: number): void {
    const mask = this.mask;
    if (index < this.count / 2) {
      for (let i = index; i > 0; i--) {
        this.slots[(this.head + i) & mask] = this.slots[(this.head + i - 1) & mask];
      }
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) & mask;
    } else {
      for (let i = index; i < this.count - 1; i++) {
        this.slots[(this.head + i) & mask] = this.slots[(this.head + i + 1) & mask];
      }
      this.slots[(this.head + this.count - 1) & mask] = undefined;
    }
    this.count--;
    this.maybeShrink();
  }

  /** Drops `fromHead` elements at the head and `fromTail` at the tail (LTRIM, LPOP count). */
  trim(fromHead: number, fromTail: number): void {
    if (fromHead + fromTail >= this.count) {
      this.clear();
      return;
    }
    for (let i = 0; i < fromHead; i++) {
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) & this.mask;
    }
    this.count -= fromHead;
    for (let i = 0; i < fromTail; i++) {
      this.slots[(this.head + this.count - 1) & this.mask] = undefined;
      this.count--;
    }
    this.maybeShrink();
  }

  /**
   * LREM: removes up to `limit` elements equal to `value` (0 = all), scanning from
   * the tail when `fromTail`. One compaction pass: O(n) however many are removed.
   */
  removeMatching(value: string, limit: number, fromTail: boolean): number {
    const n = this.count;
    const keep = new Array<boolean>(n);
    let removed = 0;
    for (let k = 0; k < n; k++) {
      const i = fromTail ? n - 1 - k : k;
      const match = (limit === 0 || removed < limit) && this.at(i) === value;
      if (match) removed++;
      keep[i] = !match;
    }
    if (removed === 0) return 0;
    const survivors: string[] = [];
    for (let i = 0; i < n; i++) if (keep[i]) survivors.push(this.at(i)!);
    this.replaceAll(survivors);
    return removed;
  }

  /** Index of the first element equal to `value`, or -1 (LINSERT pivot). */
  indexOf(value: string): number {
    for (let i = 0; i < this.count; i++) {
      if (this.slots[(this.head + i) & this.mask] === value) return i;
    }
    return -1;
  }

  clear(): void {
    this.slots = new Array<string | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.count = 0;
  }

  /** Elements from head to tail (DEBUG DIGEST, RDB, SORT). */
  *values(): IterableIterator<string> {
    for (let i = 0; i < this.count; i++) yield this.slots[(this.head + i) & this.mask]!;
  }

  /** Elements from tail to head. */
  *reversed(): IterableIterator<string> {
    for (let i = this.count - 1; i >= 0; i--) yield this.slots[(this.head + i) & this.mask]!;
  }

  private replaceAll(values: string[]): void {
    let capacity = MIN_CAPACITY;
    while (capacity < values.length) capacity *= 2;
    const slots = new Array<string | undefined>(capacity);
    for (let i = 0; i < values.length; i++) slots[i] = values[i];
    this.slots = slots;
    this.mask = capacity - 1;
    this.head = 0;
    this.count = values.length;
  }

  private resize(capacity: number): void {
    const slots = new Array<string | undefined>(capacity);
    for (let i = 0; i < this.count; i++) slots[i] = this.slots[(this.head + i) & this.mask];
    this.slots = slots;
    this.mask = capacity - 1;
    this.head = 0;
  }

  /** Give memory back after a big list drained (amortised O(1): halves at quarter use). */
  private maybeShrink(): void {
    const capacity = this.slots.length;
    if (capacity > 64 && this.count < capacity / 4) this.resize(capacity / 2);
  }
}
