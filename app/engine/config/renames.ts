/**
 * `rename-command old new` (config.c): the command moves to a new name in the
 * command table, or disappears when the new name is empty. Its full name, as
 * shown by COMMAND INFO and errors, stays the original one, as in Redis.
 */
import type { CommandTable } from '../command-table.js';

export function applyCommandRenames(table: CommandTable, renames: readonly (readonly [string, string])[]): void {
  for (const [from, to] of renames) {
    const cmd = table.commands.get(from.toLowerCase());
    if (!cmd) continue;
    table.commands.delete(from.toLowerCase());
    if (to !== '') table.commands.set(to.toLowerCase(), cmd);
  }
}
