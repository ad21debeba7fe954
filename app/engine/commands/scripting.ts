/** EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (eval.c). The work is in scripting/scripting.ts. */
import type { CommandModule } from '../command-table.js';
import { scriptingOf } from '../scripting/scripting.js';
import { is } from './args.js';
import { replyHelp } from './help.js';

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

export const scriptingCommands: CommandModule = {
  eval(c, argv) {
    scriptingOf(c.server).eval(c, argv, false, false);
  },

  evalsha(c, argv) {
    scriptingOf(c.server).eval(c, argv, true, false);
  },

  eval_ro(c, argv) {
    scriptingOf(c.server).eval(c, argv, false, true);
  },

  evalsha_ro(c, argv) {
    scriptingOf(c.server).eval(c, argv, true, true);
  },

  'script|load'(c, argv) {
    const created = scriptingOf(c.server).createScript(argv[2]!);
    if ('error' in created) c.error(created.error);
    else c.bulk(created.sha);
  },

  'script|exists'(c, argv) {
    const scripting = scriptingOf(c.server);
    c.arrayLen(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.integer(scripting.scriptExists(argv[i]!) ? 1 : 0);
  },

  'script|flush'(c, argv) {
    if (argv.length > 3 || (argv.length === 3 && !is(argv[2], 'sync') && !is(argv[2], 'async'))) {
      c.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      return;
    }
    scriptingOf(c.server).flushScripts();
    c.ok();
  },

  'script|kill'(c) {
    scriptingOf(c.server).kill(c, true);
  },

  'script|debug'(c, argv) {
    if (is(argv[2], 'no')) {
      c.ok();
      return;
    }
    if (is(argv[2], 'yes') || is(argv[2], 'sync')) {
      c.error('ERR SCRIPT DEBUG is not supported by this server');
      return;
    }
    c.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
  },

  'script|help'(c) {
    replyHelp(c, 'script', SCRIPT_HELP);
  },
};
