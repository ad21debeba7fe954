import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyHll, HllBuffer, isHll } from './hyperloglog.js';

// Expected bytes and counts were read from Debian's redis-server 7.0.15 (PFADD, then GET).
const toHex = (value: string): string => Buffer.from(value, 'latin1').toString('hex');

function addAll(elements: string[]): HllBuffer {
  const hll = new HllBuffer(emptyHll());
  for (const element of elements) hll.add(element, 3000);
  hll.invalidateCache();
  return hll;
}

describe('HyperLogLog in Redis 7.0 layout', () => {
  it('writes the sparse form byte for byte as Redis does', () => {
    const hll = addAll(['a', 'b', 'c']);
    expect(toHex(hll.toString())).toBe('48594c4c01000000000000000000008060f38050b1844bfb80425a');
    expect(hll.cacheValid).toBe(false);
    const card = hll.count();
    expect(card).toBe(3);
    hll.setCachedCardinality(card!);
    expect(toHex(hll.toString())).toBe('48594c4c01000000030000000000000060f38050b1844bfb80425a');
  });

  it('promotes to the dense form past hll-sparse-max-bytes, with the same registers and count', () => {
    const hll = addAll(Array.from({ length: 3000 }, (_, i) => `e${i + 1}`));
    const card = hll.count();
    expect(card).toBe(2979);
    hll.setCachedCardinality(card!); // the fixture was read after a PFCOUNT
    const value = hll.toString();
    expect(value.length).toBe(12304);
    expect(isHll(value)).toBe(true);
    expect(createHash('md5').update(Buffer.from(value, 'latin1')).digest('hex')).toBe(
      'cf7593e9a822a261f1a463af492f5379',
    );
  });

  it('recognises only HLL strings', () => {
    expect(isHll(emptyHll())).toBe(true);
    expect(isHll('foo')).toBe(false);
    expect(isHll('HYLL\x00' + 'x'.repeat(20))).toBe(false); // dense with the wrong length
  });
});
