/**
 * The stale-read meter's bookkeeping. Every write stores a version in its value
 * (`<run>:<version>:<padding>`); the master's acknowledgement of a write raises the
 * key's acknowledged version. A read is stale when it returns an older version than
 * the one acknowledged for its key when the read was sent: the replica had not yet
 * applied a write the master had already confirmed to the client.
 *
 * Versions are per run (a restart with new settings starts a new run), so a value
 * left by an earlier run counts as older than any acknowledged write of this one.
 */

/** Versions fit in 32 bits: 4 billion writes per run, 4 bytes per key for key spaces up to 10 million. */
const MAX_VERSION = 0xffff_ffff;

export class KeyVersions {
  private readonly acked: Uint32Array;
  private nextVersion = 0;
  /** Separates this run's values from those an earlier run left behind. */
  readonly runTag: string;
  /** The padding every value of this run carries, cut to the value size. */
  private readonly padding: string;

  constructor(
    readonly keySpace: number,
    readonly valueSize: number,
    runTag = Date.now().toString(36),
  ) {
    this.acked = new Uint32Array(keySpace);
    this.runTag = runTag;
    this.padding = 'x'.repeat(valueSize);
  }

  /** The version the next write carries. */
  issue(): number {
    this.nextVersion = this.nextVersion >= MAX_VERSION ? 1 : this.nextVersion + 1;
    return this.nextVersion;
  }

  /**
   * The value a write of `version` stores: its header, then padding up to the value
   * size (a value is never shorter than its header, whatever the size asked).
   */
  value(version: number): string {
    const header = `${this.runTag}:${version}:`;
    return header.length >= this.valueSize ? header : header + this.padding.slice(header.length);
  }

  /** The master acknowledged a write of `version` to `key`. */
  acknowledge(key: number, version: number): void {
    if (version > this.acked[key]!) this.acked[key] = version;
  }

  /** What a read sent now must see at least (0: nothing acknowledged yet). */
  acknowledged(key: number): number {
    return this.acked[key]!;
  }

  /**
   * Whether a read that returned `value` (undefined: no such key) is stale, given
   * what was acknowledged for its key when it was sent.
   */
  isStale(value: string | undefined, acknowledgedWhenSent: number): boolean {
    if (acknowledgedWhenSent === 0) return false;
    if (value === undefined) return true;
    const tagEnd = value.indexOf(':');
    if (tagEnd !== this.runTag.length || !value.startsWith(this.runTag)) return true; // an earlier run's value
    const versionEnd = value.indexOf(':', tagEnd + 1);
    const version = Number(value.slice(tagEnd + 1, versionEnd === -1 ? undefined : versionEnd));
    return !(version >= acknowledgedWhenSent);
  }
}
