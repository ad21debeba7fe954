/**
 * The argument hint redis-cli shows greyed after what was typed (its
 * hintsCallback): the synopsis of the longest command name matching the typed
 * words, minus the arguments already typed.
 */
import { splitInlineArgs } from '../resp/inline.js';
import type { HelpEntry } from './help.js';

/** The hint text for the line typed so far, or undefined for none. */
export function hintFor(entries: HelpEntry[], buffer: string): string | undefined {
  const argv = splitInlineArgs(buffer);
  if (argv === null || argv.length === 0) return undefined;
  const endsWithSpace = buffer.length > 0 && /[ \t\n\v\f\r]/.test(buffer[buffer.length - 1]!);
  let best: HelpEntry | undefined;
  let matched = 0;
  for (const entry of entries) {
    if (entry.kind !== 'command') continue;
    const words = entry.words;
    if (words.length > argv.length || words.length <= matched) continue;
    if (words.every((word, j) => word.toLowerCase() === argv[j]!.toLowerCase())) {
      matched = words.length;
      best = entry;
    }
  }
  if (!best) return undefined;
  let hint = best.params;
  // Drop one synopsis word per argument typed, up to the first optional part.
  let toRemove = argv.length - matched;
  while (toRemove > 0 && hint.length > 0) {
    if (hint[0] === '[') break;
    if (hint[0] === ' ') toRemove--;
    hint = hint.slice(1);
  }
  return endsWithSpace ? hint : ' ' + hint;
}
