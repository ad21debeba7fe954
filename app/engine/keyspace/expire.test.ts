import { describe, expect, it } from 'vitest';
import { Database, type KeyspaceHost } from './db.js';
import { activeExpireCycle } from './expire.js';
import { randomKey } from './random-key.js';

function setup(count: number) {
  const expired: string[] = [];
  const host: KeyspaceHost = {
    isReplica: () => false,
    executingMasterCommand: () => false,
    expiryPaused: () => false,
    onKeyExpired: (_db, key) => expired.push(key),
    onKeyModified: () => {},
    onReadLookup: () => {},
    now: () => Date.now(),
  };
  const dbs = Array.from({ length: count }, (_, i) => new Database(i, host));
  return { dbs, expired, server: { dbs, config: { num: (name: string) => (name === 'hz' ? 10 : 0) } } };
}

describe('activeExpireCycle', () => {
  it('removes expired keys in every db and leaves the others', () => {
    const { dbs, expired, server } = setup(2);
    const past = Date.now() - 1000;
    for (let i = 0; i < 50; i++) {
      dbs[i % 2]!.setKey(`gone${i}`, 'x');
      dbs[i % 2]!.setExpire(`gone${i}`, past);
    }
    dbs[0]!.setKey('kept', 'x');
    dbs[0]!.setExpire('kept', Date.now() + 100000);
    dbs[1]!.setKey('persistent', 'x');
    for (let i = 0; i < 10 && expired.length < 50; i++) activeExpireCycle(server);
    expect(expired.length).toBe(50);
    expect([...dbs[0]!.dict.keys()]).toEqual(['kept']);
    expect([...dbs[1]!.dict.keys()]).toEqual(['persistent']);
    expect(dbs[0]!.avgTtl).toBeGreaterThan(0);
  });
});

describe('randomKey', () => {
  it('reaches every key, skips expired ones and answers undefined for an empty db', () => {
    const { dbs } = setup(1);
    const db = dbs[0]!;
    expect(randomKey(db, false)).toBeUndefined();
    for (let i = 0; i < 300; i++) db.setKey(`k${i}`, 'x');
    db.setExpire('k0', Date.now() - 1);
    const seen = new Set<string>();
    for (let i = 0; i < 20000; i++) seen.add(randomKey(db, false)!);
    expect(seen.has('k0')).toBe(false);
    expect(seen.size).toBe(299);
  });
});
