/**
 * The hash value type. Fields keep insertion order (as a Redis listpack does, so
 * HGETALL on a small hash answers in Redis's order) and a field can be picked at
 * random in O(1) (HRANDFIELD): `index` maps field -> slot in the dense `fields` /
 * `values` arrays, and a deletion moves the last slot into the hole. Iteration
 * follows `index`, whose order is insertion order and whose live iterators survive
 * deletions (HSCAN relies on that).
 *
 * OBJECT ENCODING is "listpack" until the hash outgrows hash-max-listpack-entries
 * or holds a field or value longer than hash-max-listpack-value; it then becomes
 * "hashtable" for good, like Redis's one-way conversion.
 */
import type { RedisObject } from './types.js';

export interface HashLimits {
  /** hash-max-listpack-entries */
  maxEntries: number;
  /** hash-max-listpack-value (bytes) */
  maxValue: number;
}

export class RedisHash implements RedisObject {
  readonly type = 'hash' as const;
  private readonly index = new Map<string, number>();
  private readonly fields: string[] = [];
  private readonly values: string[] = [];
  private listpack = true;

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get isListpack(): boolean {
    return this.listpack;
  }

  /** hashTypeConvert(): one way, never back. */
  convertToHashtable(): void {
    this.listpack = false;
  }

  get size(): number {
    return this.fields.length;
  }

  get(field: string): string | undefined {
    const slot = this.index.get(field);
    return slot === undefined ? undefined : this.values[slot];
  }

  has(field: string): boolean {
    return this.index.has(field);
  }

  /**
   * hashTypeSet(): sets a field, converting the encoding when the limits say so.
   * Returns true when the field is new.
   */
  set(field: string, value: string, limits?: HashLimits): boolean {
    if (this.listpack && limits && (field.length > limits.maxValue || value.length > limits.maxValue)) {
      this.listpack = false;
    }
    const slot = this.index.get(field);
    if (slot !== undefined) {
      this.values[slot] = value;
      return false;
    }
    this.index.set(field, this.fields.length);
    this.fields.push(field);
    this.values.push(value);
    if (this.listpack && limits && this.fields.length > limits.maxEntries) this.listpack = false;
    return true;
  }

  /** Returns true when the field existed. */
  delete(field: string): boolean {
    const slot = this.index.get(field);
    if (slot === undefined) return false;
    this.index.delete(field);
    const last = this.fields.length - 1;
    if (slot !== last) {
      const moved = this.fields[last]!;
      this.fields[slot] = moved;
      this.values[slot] = this.values[last]!;
      // Map.set on an existing key keeps its iteration position.
      this.index.set(moved, slot);
    }
    this.fields.pop();
    this.values.pop();
    return true;
  }

  /** [field, value] pairs in insertion order (HGETALL, DEBUG DIGEST, RDB). */
  *entries(): IterableIterator<[string, string]> {
    for (const [field, slot] of this.index) yield [field, this.values[slot]!];
  }

  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  /** A live iterator over field names, for HSCAN cursors. */
  fieldIterator(): Iterator<string> {
    return this.index.keys();
  }

  /** A uniformly random [field, value] pair; the hash must not be empty. */
  randomEntry(): [string, string] {
    const slot = Math.floor(Math.random() * this.fields.length);
    return [this.fields[slot]!, this.values[slot]!];
  }
}
