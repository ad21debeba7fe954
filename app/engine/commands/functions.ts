/**
 * FUNCTION FLUSH only. Lua scripting (EVAL, FUNCTION LOAD, ...) arrives with a later
 * issue; until then no library can ever be loaded, so flushing the (always empty)
 * function registry is a no-op that answers as Redis does. Redis's own test suite
 * runs FUNCTION FLUSH before every test file in external mode.
 */
import type { CommandModule } from '../command-table.js';
import { is } from './args.js';

export const functionCommands: CommandModule = {
  'function|flush'(c, argv) {
    if (argv.length > 3 || (argv.length === 3 && !is(argv[2], 'async') && !is(argv[2], 'sync'))) {
      c.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
      return;
    }
    c.ok();
  },
};
