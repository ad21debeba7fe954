/**
 * Read-only walks over the elements of aggregate values, for the code that must
 * see every element whatever the type (DEBUG DIGEST, MEMORY USAGE, SORT).
 */
import type { RedisHash } from './hash.js';
import type { RedisList } from './list.js';
import type { RedisSet } from './set.js';
import type { RedisObject } from './types.js';
import type { RedisZset } from './zset.js';

/** List elements from head to tail. */
export function listValues(value: RedisObject): Iterable<string> {
  return (value as RedisList).values();
}

export function hashEntries(value: RedisObject): Iterable<[string, string]> {
  return (value as RedisHash).entries();
}

/** Set members as byte strings (intset members as their decimal text). */
export function setMembers(value: RedisObject): Iterable<string> {
  return (value as RedisSet).members();
}

/** [member, score] pairs of a sorted set, in score order. */
export function zsetEntries(value: RedisObject): Iterable<[string, number]> {
  return (value as RedisZset).entries();
}
