import { describe, expect, it } from 'vitest';
import { Database, type KeyspaceHost } from './db.js';
import { datasetDigest, toHex, valueDigest } from './digest.js';
import { RedisHash } from './hash.js';
import { RedisList } from './list.js';
import { RedisSet } from './set.js';
import { RedisZset } from './zset.js';

const host: KeyspaceHost = {
  isReplica: () => false,
  executingMasterCommand: () => false,
  expiryPaused: () => false,
  onKeyExpired: () => {},
  onKeyModified: () => {},
  onReadLookup: () => {},
  now: () => Date.now(),
};

function databases(count: number): Database[] {
  return Array.from({ length: count }, (_, i) => new Database(i, host));
}

// Expected values were taken from redis-server 7.0.15 given the same data.
describe('DEBUG DIGEST', () => {
  it('is all zeros for an empty dataset', () => {
    expect(toHex(datasetDigest(databases(16)))).toBe('0'.repeat(40));
  });

  it('matches Redis for strings, lists, hashes, sets, TTLs and several dbs', () => {
    const dbs = databases(16);
    const intset = new RedisSet();
    for (const m of ['1', '2', '3', '-5']) intset.add(m, 512);
    dbs[0]!.setKey('s', intset);
    const mixed = new RedisSet();
    for (const m of ['a', 'b', '1']) mixed.add(m, 512);
    dbs[0]!.setKey('s2', mixed);
    dbs[3]!.setKey('x', '12');
    dbs[3]!.setKey('big', RedisList.from(Array.from({ length: 200 }, (_, i) => String(i + 1))));
    dbs[0]!.setKey('n', '123456789012');
    const hash = new RedisHash();
    hash.set('f', 'v');
    dbs[0]!.setKey('h', hash);
    dbs[0]!.setExpire('h', Date.now() + 100000);
    expect(toHex(datasetDigest(dbs))).toBe('eabdc4df7f08ba81800ff6ad3dcc6a9082dbf1d5');
    expect(toHex(valueDigest(dbs[0]!, 's'))).toBe('5e497276f46b9037a75afe0286ef7a77cbed85e4');
    expect(toHex(valueDigest(dbs[0]!, 's2'))).toBe('e8f32bbb1ad9bf537c8867de4f19fec9e001296d');
    expect(toHex(valueDigest(dbs[0]!, 'missing'))).toBe('0'.repeat(40));
  });

  it('matches Redis for sorted sets with fractional and infinite scores', () => {
    const db = databases(1)[0]!;
    const zset = new RedisZset();
    const entries: [string, number][] = [
      ['a', 1.5],
      ['b', 2],
      ['c', 0.1],
      ['d', -3e-5],
      ['e', 1e300],
      ['f', Infinity],
      ['g', -Infinity],
      ['h', Number('3.0000000000000001')], // the client sent 17 digits; the double is 3
    ];
    for (const [member, score] of entries) zset.set(member, score);
    db.setKey('z', zset);
    expect(toHex(valueDigest(db, 'z'))).toBe('c1457cf635fa68cfeaccdf2fa82463e95a3f50fa');
  });
});
