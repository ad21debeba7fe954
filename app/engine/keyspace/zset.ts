/**
 * The sorted set value type: Redis's skiplist with spans (t_zset.c, zsl*) for
 * ordered access and O(log n) rank queries, plus a Map member -> score for O(1)
 * lookups, exactly the pair Redis keeps in its `zset` struct.
 *
 * Elements are ordered by score, then by member bytes (latin1 strings compare
 * like memcmp). OBJECT ENCODING is "listpack" while the set is small
 * (zset-max-listpack-entries / zset-max-listpack-value) and "skiplist" after; the
 * data structure is the skiplist either way, only the reported encoding (and the
 * conversions that decide it) follow Redis.
 */
import type { RedisObject } from './types.js';

const MAX_LEVEL = 32;
const LEVEL_P = 0.25;

export class SkipNode {
  backward: SkipNode | null = null;
  readonly next: (SkipNode | null)[];
  readonly span: number[];

  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }

  /** The next node in score order. */
  get forward(): SkipNode | null {
    return this.next[0]!;
  }
}

/** A score interval (zrangespec): inclusive unless the `ex` flag is set. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One end of a lex interval: '-' is inf -1, '+' is inf 1 (zlexrangespec). */
export interface LexBound {
  value: string;
  inf: -1 | 0 | 1;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

export interface ZsetLimits {
  /** zset-max-listpack-entries */
  maxEntries: number;
  /** zset-max-listpack-value (bytes) */
  maxValue: number;
}

function before(score: number, member: string, node: SkipNode): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

function scoreGteMin(value: number, range: ScoreRange): boolean {
  return range.minex ? value > range.min : value >= range.min;
}

function scoreLteMax(value: number, range: ScoreRange): boolean {
  return range.maxex ? value < range.max : value <= range.max;
}

/** sdscmplex(): the infinities sort before/after every string. */
function compareLex(a: LexBound, b: LexBound): number {
  if (a.inf === b.inf && a.inf !== 0) return 0;
  if (a.inf === -1 || b.inf === 1) return -1;
  if (a.inf === 1 || b.inf === -1) return 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function lexGteMin(value: string, range: LexRange): boolean {
  const min = range.min;
  if (min.inf !== 0) return min.inf === -1;
  return range.minex ? value > min.value : value >= min.value;
}

export function lexLteMax(value: string, range: LexRange): boolean {
  const max = range.max;
  if (max.inf !== 0) return max.inf === 1;
  return range.maxex ? value < max.value : value <= max.value;
}

export function scoreInRange(value: number, range: ScoreRange): boolean {
  return scoreGteMin(value, range) && scoreLteMax(value, range);
}

function randomLevel(): number {
  let level = 1;
  while (Math.random() < LEVEL_P && level < MAX_LEVEL) level++;
  return level;
}

/** zskiplist: the ordered half of a sorted set. */
class SkipList {
  readonly header = new SkipNode('', 0, MAX_LEVEL);
  tail: SkipNode | null = null;
  length = 0;
  level = 1;
  // Scratch arrays reused by every insert/delete, as Redis keeps them on the stack.
  private readonly update: SkipNode[] = new Array<SkipNode>(MAX_LEVEL);
  private readonly rank: number[] = new Array<number>(MAX_LEVEL).fill(0);

  insert(score: number, member: string): SkipNode {
    const update = this.update;
    const rank = this.rank;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && before(score, member, n)) {
        rank[i]! += x.span[i]!;
        x = n;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new SkipNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.next[i] = u.next[i]!;
      u.next[i] = node;
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    const after = node.next[0]!;
    if (after) after.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  private unlink(x: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.next[i] === x) {
        u.span[i]! += x.span[i]! - 1;
        u.next[i] = x.next[i]!;
      } else {
        u.span[i]!--;
      }
    }
    const after = x.next[0]!;
    if (after) after.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** Fills `update` with the rightmost node before (score, member) at each level. */
  findUpdate(score: number, member: string): SkipNode | null {
    const update = this.update;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && before(score, member, n)) x = n;
      update[i] = x;
    }
    return x.next[0]!;
  }

  delete(score: number, member: string): boolean {
    const x = this.findUpdate(score, member);
    if (x === null || x.score !== score || x.member !== member) return false;
    this.unlink(x, this.update);
    return true;
  }

  /** zslUpdateScore(): in place when the order does not change, else reinsert. */
  updateScore(oldScore: number, member: string, newScore: number): SkipNode {
    const x = this.findUpdate(oldScore, member)!;
    const prev = x.backward;
    const next = x.next[0]!;
    if ((prev === null || prev.score < newScore) && (next === null || next.score > newScore)) {
      x.score = newScore;
      return x;
    }
    this.unlink(x, this.update);
    return this.insert(newScore, member);
  }

  /** zslGetRank(): 1-based rank, 0 when absent. */
  getRank(score: number, member: string): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && (n.score < score || (n.score === score && n.member <= member))) {
        rank += x.span[i]!;
        x = n;
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** zslGetElementByRank(): 1-based. */
  byRank(rank: number): SkipNode | null {
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!;
        x = n;
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  private isInScoreRange(range: ScoreRange): boolean {
    if (range.min > range.max || (range.min === range.max && (range.minex || range.maxex))) return false;
    const last = this.tail;
    if (last === null || !scoreGteMin(last.score, range)) return false;
    const first = this.header.next[0]!;
    return first !== null && scoreLteMax(first.score, range);
  }

  firstInScoreRange(range: ScoreRange): SkipNode | null {
    if (!this.isInScoreRange(range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && !scoreGteMin(n.score, range)) x = n;
    }
    const found = x.next[0]!;
    return found !== null && scoreLteMax(found.score, range) ? found : null;
  }

  lastInScoreRange(range: ScoreRange): SkipNode | null {
    if (!this.isInScoreRange(range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && scoreLteMax(n.score, range)) x = n;
    }
    return x !== this.header && scoreGteMin(x.score, range) ? x : null;
  }

  isInLexRange(range: LexRange): boolean {
    const cmp = compareLex(range.min, range.max);
    if (cmp > 0 || (cmp === 0 && (range.minex || range.maxex))) return false;
    const last = this.tail;
    if (last === null || !lexGteMin(last.member, range)) return false;
    const first = this.header.next[0]!;
    return first !== null && lexLteMax(first.member, range);
  }

  firstInLexRange(range: LexRange): SkipNode | null {
    if (!this.isInLexRange(range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && !lexGteMin(n.member, range)) x = n;
    }
    const found = x.next[0]!;
    return found !== null && lexLteMax(found.member, range) ? found : null;
  }

  lastInLexRange(range: LexRange): SkipNode | null {
    if (!this.isInLexRange(range)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && lexLteMax(n.member, range)) x = n;
    }
    return x !== this.header && lexGteMin(x.member, range) ? x : null;
  }

  /** Unlinks `x`, whose predecessors must be in `update` (range deletions). */
  unlinkWithUpdate(x: SkipNode): void {
    this.unlink(x, this.update);
  }

  /** Fills `update` for the first node satisfying `reached`, returning that node. */
  seek(reachedAt: (n: SkipNode) => boolean): SkipNode | null {
    const update = this.update;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && !reachedAt(n)) x = n;
      update[i] = x;
    }
    return x.next[0]!;
  }

  /** Fills `update` for the node at 1-based `rank`, returning it. */
  seekRank(rank: number): SkipNode | null {
    const update = this.update;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let n: SkipNode | null;
      while ((n = x.next[i]!) !== null && traversed + x.span[i]! < rank) {
        traversed += x.span[i]!;
        x = n;
      }
      update[i] = x;
    }
    return x.next[0]!;
  }
}

export class RedisZset implements RedisObject {
  readonly type = 'zset' as const;
  private readonly scores = new Map<string, number>();
  private readonly list = new SkipList();
  private listpack: boolean;

  constructor(listpack = true) {
    this.listpack = listpack;
  }

  /** Builds a sorted set from [member, score] pairs, converting as ZADD would (RDB loading). */
  static fromEntries(entries: Iterable<readonly [string, number]>, limits: ZsetLimits): RedisZset {
    const zset = new RedisZset(limits.maxEntries > 0);
    for (const [member, score] of entries) zset.set(member, score, limits);
    return zset;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  get isListpack(): boolean {
    return this.listpack;
  }

  convertToSkiplist(): void {
    this.listpack = false;
  }

  /** zsetConvertToListpackIfNeeded(): store results that turn out small go back to listpack. */
  convertToListpackIfNeeded(limits: ZsetLimits, maxMemberLength: number): void {
    if (!this.listpack && this.size <= limits.maxEntries && maxMemberLength <= limits.maxValue) {
      this.listpack = true;
      // The listpack keeps scores as text, where -0 reads back as 0 (see set()).
      for (let x = this.first(); x !== null; x = x.forward) {
        if (Object.is(x.score, -0)) {
          x.score = 0;
          this.scores.set(x.member, 0);
        }
      }
    }
  }

  get size(): number {
    return this.list.length;
  }

  score(member: string): number | undefined {
    return this.scores.get(member);
  }

  has(member: string): boolean {
    return this.scores.has(member);
  }

  /**
   * Adds a member or changes its score (the caller applied NX/XX/GT/LT). A new
   * member converts a listpack that would outgrow the limits, as zsetAdd() does.
   * Returns true when the member is new.
   */
  set(member: string, score: number, limits?: ZsetLimits): boolean {
    const current = this.scores.get(member);
    if (current !== undefined) {
      this.updateScore(member, current, score);
      return false;
    }
    this.insertNew(member, score, limits);
    return true;
  }

  /** A member known to be absent (the caller just looked it up): saves a second lookup on the hot ZADD path. */
  insertNew(member: string, score: number, limits?: ZsetLimits): void {
    // A listpack stores scores as text and "-0" reads back as the integer 0.
    if (score === 0 && this.listpack) score = 0;
    if (this.listpack && limits && (this.size + 1 > limits.maxEntries || member.length > limits.maxValue)) {
      this.listpack = false;
    }
    this.list.insert(score, member);
    this.scores.set(member, score);
  }

  /** A member known to hold `current`: moves it to `score`. */
  updateScore(member: string, current: number, score: number): void {
    if (score === 0 && this.listpack) score = 0;
    if (current === score) return;
    this.list.updateScore(current, member, score);
    this.scores.set(member, score);
  }

  /** Returns true when the member existed. */
  remove(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.scores.delete(member);
    this.list.delete(score, member);
    return true;
  }

  /** 0-based rank in ascending order, or -1. */
  rank(member: string): number {
    const score = this.scores.get(member);
    if (score === undefined) return -1;
    return this.list.getRank(score, member) - 1;
  }

  /** The node at a 0-based ascending rank. */
  atRank(rank: number): SkipNode | null {
    if (rank < 0 || rank >= this.list.length) return null;
    return this.list.byRank(rank + 1);
  }

  first(): SkipNode | null {
    return this.list.header.next[0]!;
  }

  last(): SkipNode | null {
    return this.list.tail;
  }

  firstInScoreRange(range: ScoreRange): SkipNode | null {
    return this.list.firstInScoreRange(range);
  }

  lastInScoreRange(range: ScoreRange): SkipNode | null {
    return this.list.lastInScoreRange(range);
  }

  /**
   * Lex ranges assume equal scores. When scores differ the answer depends on how
   * the search walks: a listpack scans linearly (zzlFirstInLexRange), a skiplist
   * descends its levels; both are reproduced so that such sets answer as in Redis.
   */
  firstInLexRange(range: LexRange): SkipNode | null {
    if (!this.listpack) return this.list.firstInLexRange(range);
    if (!this.list.isInLexRange(range)) return null;
    for (let x = this.first(); x !== null; x = x.forward) {
      if (lexGteMin(x.member, range)) return lexLteMax(x.member, range) ? x : null;
    }
    return null;
  }

  lastInLexRange(range: LexRange): SkipNode | null {
    if (!this.listpack) return this.list.lastInLexRange(range);
    if (!this.list.isInLexRange(range)) return null;
    for (let x = this.last(); x !== null; x = x.backward) {
      if (lexLteMax(x.member, range)) return lexGteMin(x.member, range) ? x : null;
    }
    return null;
  }

  /** ZLEXCOUNT: a listpack counts by walking, a skiplist by ranks (zlexcountCommand). */
  lexCount(range: LexRange): number {
    const first = this.firstInLexRange(range);
    if (first === null) return 0;
    if (this.listpack) {
      let count = 0;
      for (let x: SkipNode | null = first; x !== null && lexLteMax(x.member, range); x = x.forward) count++;
      return count;
    }
    const last = this.lastInLexRange(range);
    return last === null ? 0 : this.rankOf(last) - this.rankOf(first) + 1;
  }

  /** 0-based rank of a node known to be in the set. */
  rankOf(node: SkipNode): number {
    return this.list.getRank(node.score, node.member) - 1;
  }

  /** zslDeleteRangeByScore(): returns how many were removed. */
  removeRangeByScore(range: ScoreRange): number {
    let x = this.list.seek((n) => scoreGteMin(n.score, range));
    let removed = 0;
    while (x !== null && scoreLteMax(x.score, range)) {
      const next = x.next[0]!;
      this.list.unlinkWithUpdate(x);
      this.scores.delete(x.member);
      removed++;
      x = next;
    }
    return removed;
  }

  removeRangeByLex(range: LexRange): number {
    let x: SkipNode | null;
    if (this.listpack) {
      // zzlDeleteRangeByLex() starts from the linear first match.
      const first = this.firstInLexRange(range);
      if (first === null) return 0;
      x = this.list.findUpdate(first.score, first.member);
    } else {
      x = this.list.seek((n) => lexGteMin(n.member, range));
    }
    let removed = 0;
    while (x !== null && lexLteMax(x.member, range)) {
      const next = x.next[0]!;
      this.list.unlinkWithUpdate(x);
      this.scores.delete(x.member);
      removed++;
      x = next;
    }
    return removed;
  }

  /** Removes 0-based ranks start..end inclusive (already clamped). */
  removeRangeByRank(start: number, end: number): number {
    let x = this.list.seekRank(start + 1);
    let removed = 0;
    for (let rank = start; x !== null && rank <= end; rank++) {
      const next = x.next[0]!;
      this.list.unlinkWithUpdate(x);
      this.scores.delete(x.member);
      removed++;
      x = next;
    }
    return removed;
  }

  /** [member, score] pairs in score order (DEBUG DIGEST, RDB, SORT). */
  *entries(): IterableIterator<[string, number]> {
    for (let x = this.list.header.next[0]!; x !== null; x = x.next[0]!) yield [x.member, x.score];
  }

  /** [member, score] pairs from the highest score down (Redis's zuiNext order). */
  *entriesReversed(): IterableIterator<[string, number]> {
    for (let x = this.list.tail; x !== null; x = x.backward) yield [x.member, x.score];
  }

  /** A live iterator over members, for ZSCAN cursors. */
  memberIterator(): Iterator<string> {
    return this.scores.keys();
  }

  /** A uniformly random node; the set must not be empty. */
  randomNode(): SkipNode {
    return this.list.byRank(1 + Math.floor(Math.random() * this.list.length))!;
  }
}
