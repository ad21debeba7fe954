import { describe, expect, it } from 'vitest';
import { isMethod, parseParams } from './contract';

describe('the contract validates every request', () => {
  it('accepts a valid request and fills defaults', () => {
    const parsed = parseParams('node.create', { role: 'master', position: { x: 10, y: 20 } });
    expect(parsed).toEqual({ ok: true, value: { role: 'master', engine: 'builtin', position: { x: 10, y: 20 } } });
  });

  it('names the field that is wrong', () => {
    const parsed = parseParams('edge.connect', { replica: 'node-6380', master: 'x y' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe('invalid');
      expect(parsed.error.field).toBe('master');
      expect(parsed.error.message).toContain('edge.connect: master:');
    }
  });

  it('refuses unknown fields and unknown methods', () => {
    expect(parseParams('node.kill', { id: 'node-1', signal: 9 }).ok).toBe(false);
    expect(parseParams('lab.snapshot', undefined).ok).toBe(true);
    expect(isMethod('node.kill')).toBe(true);
    expect(isMethod('constructor')).toBe(false);
    expect(isMethod('__proto__')).toBe(false);
  });

  it('refuses a remote engine for nodes the lab starts', () => {
    expect(parseParams('node.create', { role: 'master', engine: 'remote' }).ok).toBe(false);
  });
});
