/**
 * Deep copies of values for COPY (listTypeDup, hashTypeDup, setTypeDup, zsetDup in
 * Redis): the copy keeps the original's encoding and shares nothing mutable with it.
 * Strings are immutable JS strings, so they are their own copy.
 */
import { RedisHash } from './hash.js';
import { RedisList } from './list.js';
import { RedisSet } from './set.js';
import type { RedisValue } from './types.js';
import { RedisZset } from './zset.js';

export function duplicateValue(value: RedisValue): RedisValue {
  if (typeof value === 'string') return value;
  if (value instanceof RedisList) return RedisList.from(value.values());
  if (value instanceof RedisHash) {
    const copy = new RedisHash();
    for (const [field, fieldValue] of value.entries()) copy.set(field, fieldValue);
    if (!value.isListpack) copy.convertToHashtable();
    return copy;
  }
  if (value instanceof RedisSet) {
    const copy = new RedisSet(value.isIntset);
    // No intset limit: the copy converts exactly when the original did.
    for (const member of value.members()) copy.add(member, Infinity);
    return copy;
  }
  if (value instanceof RedisZset) {
    const copy = new RedisZset(value.isListpack);
    for (const [member, score] of value.entries()) copy.set(member, score);
    return copy;
  }
  throw new Error(`COPY of a ${value.type} value is not supported`);
}
