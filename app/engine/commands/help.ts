/** addReplyHelp(): the HELP reply every container command gives, in Redis's layout. */
import type { Client } from '../client.js';

export function replyHelp(c: Client, commandName: string, lines: readonly string[]): void {
  const all = [
    `${commandName.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`,
    ...lines,
    'HELP',
    '    Prints this help.',
  ];
  c.arrayLen(all.length);
  for (const line of all) c.simple(line);
}
