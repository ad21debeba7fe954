import { describe, expect, it } from 'vitest';
import { firstDifferingCommand, normalizeClientIds } from './compare.js';

describe('interop transcript comparison', () => {
  it('masks only the id of HELLO replies, in every redis-cli output format', () => {
    expect(normalizeClientIds('proto 3\nid 7\nmode standalone\n')).toBe('proto 3\nid <id>\nmode standalone\n');
    expect(normalizeClientIds('proto\n2\nid\n12\nmode\n')).toBe('proto\n2\nid\n<id>\nmode\n');
    expect(normalizeClientIds('4# "id" => (integer) 15\n')).toBe('4# "id" => (integer) <id>\n');
    expect(normalizeClientIds(' 7) "id"\n 8) (integer) 4\n')).toBe(' 7) "id"\n 8) (integer) <id>\n');
    expect(normalizeClientIds('(integer) 15\nid 3\n')).toBe('(integer) 15\nid 3\n');
  });

  it('names the first command whose output differs', () => {
    // A fake server: echoes markers and answers GET with the value it holds.
    const fake = (value: string) => (input: string) =>
      input
        .split('\n')
        .map((line) => (line.startsWith('ECHO ') ? line.slice(5) : line === 'GET k' ? value : 'OK'))
        .join('\n');
    const where = firstDifferingCommand('SET k v\nGET k\nPING', fake('v'), fake('w'));
    expect(where).toContain('session.txt line 2: GET k');
  });
});
