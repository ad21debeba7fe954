/**
 * Line history as linenoise keeps it: at most 100 entries, no two equal entries
 * in a row, saved whole (one line per entry, mode 0600) after every command.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

const MAX_ENTRIES = 100;

export class History {
  /** Oldest first; while a line is edited, the last entry is that line. */
  readonly entries: string[] = [];

  add(line: string): void {
    if (this.entries.length > 0 && this.entries[this.entries.length - 1] === line) return;
    if (this.entries.length === MAX_ENTRIES) this.entries.shift();
    this.entries.push(line);
  }

  removeLast(): void {
    this.entries.pop();
  }

  /** linenoiseHistoryLoad: a missing or unreadable file is no history. */
  load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'latin1');
    } catch {
      return;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (const line of lines) {
      const cr = line.indexOf('\r');
      this.add(cr === -1 ? line : line.slice(0, cr));
    }
  }

  /** linenoiseHistorySave; errors are ignored, as redis-cli ignores them. */
  save(path: string): void {
    try {
      writeFileSync(path, this.entries.map((line) => line + '\n').join(''), { encoding: 'latin1', mode: 0o600 });
      chmodSync(path, 0o600);
    } catch {
      // A read-only home directory must not stop the session.
    }
  }
}
