/**
 * The set value type. Membership is a Map member -> slot in a dense array, and a
 * removal moves the last slot into the hole, so add, remove, has and a uniformly
 * random member (SPOP, SRANDMEMBER) are all O(1).
 *
 * OBJECT ENCODING is "intset" while every member is a canonical 64-bit integer
 * and the set holds at most set-max-intset-entries members, else "hashtable"
 * (Redis 7.0 has no listpack sets); the conversion is one way, as in Redis. An
 * intset iterates in ascending numeric order, like Redis's sorted intset; the
 * sorted view is rebuilt lazily (an intset is small by definition).
 */
import { toInt } from '../commands/args.js';
import type { RedisObject } from './types.js';

/** string2ll() accepts it: the member could live in an intset. */
export function isIntsetMember(member: string): boolean {
  return member.length <= 20 && toInt(member) !== null;
}

/** Numeric order of two canonical integers without BigInt: sign, digit count, digits. */
function compareCanonicalInts(a: string, b: string): number {
  const negA = a.charCodeAt(0) === 45;
  const negB = b.charCodeAt(0) === 45;
  if (negA !== negB) return negA ? -1 : 1;
  let order: number;
  if (a.length !== b.length) order = a.length < b.length ? -1 : 1;
  else order = a < b ? -1 : a > b ? 1 : 0;
  return negA ? -order : order;
}

export class RedisSet implements RedisObject {
  readonly type = 'set' as const;
  private readonly index = new Map<string, number>();
  private readonly dense: string[] = [];
  private intset: boolean;
  private sortedView: string[] | undefined;

  /** An empty set: an intset unless told otherwise (createIntsetObject / createSetObject). */
  constructor(intset = true) {
    this.intset = intset;
  }

  /** setTypeCreate(): the encoding follows the first member to be added. */
  static forFirstMember(member: string): RedisSet {
    return new RedisSet(isIntsetMember(member));
  }

  /** Builds a set from members, converting as SADD would (RDB loading, tests). */
  static fromMembers(members: Iterable<string>, maxIntsetEntries: number): RedisSet {
    const set = new RedisSet();
    for (const m of members) set.add(m, maxIntsetEntries);
    return set;
  }

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  get isIntset(): boolean {
    return this.intset;
  }

  get size(): number {
    return this.dense.length;
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /**
   * setTypeAdd(): true when the member is new. Converts to a hashtable when the
   * member is not an integer or the intset grows beyond maxIntsetEntries.
   */
  add(member: string, maxIntsetEntries: number): boolean {
    if (this.index.has(member)) return false;
    if (this.intset) {
      if (!isIntsetMember(member)) this.convertToHashtable();
      else this.sortedView = undefined;
    }
    this.index.set(member, this.dense.length);
    this.dense.push(member);
    if (this.intset && this.dense.length > maxIntsetEntries) this.convertToHashtable();
    return true;
  }

  /** setTypeRemove(): true when the member existed. */
  remove(member: string): boolean {
    const slot = this.index.get(member);
    if (slot === undefined) return false;
    this.index.delete(member);
    const last = this.dense.length - 1;
    if (slot !== last) {
      const moved = this.dense[last]!;
      this.dense[slot] = moved;
      // Map.set on an existing key keeps its iteration position (SSCAN relies on it).
      this.index.set(moved, slot);
    }
    this.dense.pop();
    this.sortedView = undefined;
    return true;
  }

  convertToHashtable(): void {
    this.intset = false;
    this.sortedView = undefined;
  }

  /** A uniformly random member; the set must not be empty. */
  randomMember(): string {
    return this.dense[Math.floor(Math.random() * this.dense.length)]!;
  }

  /** Removes and returns a uniformly random member; the set must not be empty. */
  popRandom(): string {
    const member = this.randomMember();
    this.remove(member);
    return member;
  }

  /** Members in Redis's iteration order: ascending for an intset (SMEMBERS, DEBUG DIGEST, RDB). */
  members(): Iterable<string> {
    if (!this.intset) return this.index.keys();
    if (!this.sortedView) this.sortedView = [...this.dense].sort(compareCanonicalInts);
    return this.sortedView;
  }

  /** A live iterator over members, for SSCAN cursors over a hashtable. */
  memberIterator(): Iterator<string> {
    return this.index.keys();
  }
}
