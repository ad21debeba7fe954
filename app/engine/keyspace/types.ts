/**
 * Values stored in the keyspace. A Redis string is a JS byte string (latin1: one
 * char per byte), stored directly so that a million small keys cost little; the
 * other types are objects tagged with their Redis type name.
 */
export type RedisType = 'string' | 'list' | 'hash' | 'set' | 'zset';

export interface RedisObject {
  readonly type: Exclude<RedisType, 'string'>;
  /** OBJECT ENCODING as Redis 7.0 would report it (listpack, quicklist, hashtable, ...). */
  encoding(): string;
}

export type RedisValue = string | RedisObject;

export function typeOf(value: RedisValue): RedisType {
  return typeof value === 'string' ? 'string' : value.type;
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
