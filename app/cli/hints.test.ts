import { describe, expect, it } from 'vitest';
import type { HelpEntry } from './help.js';
import { hintFor } from './hints.js';

const entry = (full: string, params: string): HelpEntry => ({
  kind: 'command',
  words: full.split(' '),
  full,
  params,
  summary: '',
  since: undefined,
  group: 'generic',
});
const ENTRIES = [
  entry('CLIENT', ''),
  entry('CLIENT KILL', '[ip:port] [ID client-id]'),
  entry('SET', 'key value [NX|XX]'),
];

describe('argument hints as redis-cli shows them', () => {
  it('shows the synopsis after the command, minus typed arguments', () => {
    expect(hintFor(ENTRIES, 'set')).toBe(' key value [NX|XX]');
    expect(hintFor(ENTRIES, 'set ')).toBe('key value [NX|XX]');
    expect(hintFor(ENTRIES, 'set k')).toBe(' value [NX|XX]');
    expect(hintFor(ENTRIES, 'set k v ')).toBe('[NX|XX]');
  });

  it('prefers the longest matching subcommand and gives none for unknown commands', () => {
    expect(hintFor(ENTRIES, 'client kill ')).toBe('[ip:port] [ID client-id]');
    expect(hintFor(ENTRIES, 'nosuch')).toBeUndefined();
    expect(hintFor(ENTRIES, '"unbalanced')).toBeUndefined();
  });
});
