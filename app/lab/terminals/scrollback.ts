/**
 * The last N characters a session printed, kept so a reloaded page (or a second
 * window) reattaches with its history. Chunks are kept as they came and trimmed from
 * the front, so appending is O(chunk) however long the session runs.
 */
export class Scrollback {
  private chunks: string[] = [];
  private length = 0;

  constructor(private readonly limit: number) {}

  append(data: string): void {
    this.chunks.push(data);
    this.length += data.length;
    while (this.length - this.chunks[0]!.length >= this.limit) this.length -= this.chunks.shift()!.length;
  }

  /** At most `limit` characters, cut at a line start where possible so no escape sequence is cut in half. */
  text(): string {
    let text = this.chunks.join('');
    if (text.length > this.limit) {
      text = text.slice(text.length - this.limit);
      const newline = text.indexOf('\n');
      if (newline >= 0 && newline < 4096) text = text.slice(newline + 1);
    }
    this.chunks = text ? [text] : [];
    this.length = text.length;
    return text;
  }
}
