/** FUNCTION and FCALL (functions.c). The work is in scripting/scripting.ts. */
import type { CommandModule } from '../command-table.js';
import { globMatch } from '../glob.js';
import { decodeFunctionsPayload, encodeFunctionsPayload } from '../rdb/functions-payload.js';
import { SCRIPT_FLAG_NAMES } from '../scripting/lua-engine.js';
import { BUSY_EVAL, scriptingOf } from '../scripting/scripting.js';
import { is } from './args.js';
import { replyHelp } from './help.js';

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

export const functionCommands: CommandModule = {
  fcall(c, argv) {
    scriptingOf(c.server).fcall(c, argv, false);
  },

  fcall_ro(c, argv) {
    scriptingOf(c.server).fcall(c, argv, true);
  },

  'function|load'(c, argv) {
    let replace = false;
    let pos = 2;
    while (pos < argv.length - 1) {
      const arg = argv[pos++]!;
      if (is(arg, 'replace')) {
        replace = true;
        continue;
      }
      c.error(`ERR Unknown option given: ${arg}`);
      return;
    }
    if (pos >= argv.length) {
      c.error('ERR Function code is missing');
      return;
    }
    const result = scriptingOf(c.server).loadLibrary(argv[pos]!, replace, c.isMaster);
    if ('error' in result) {
      c.error(`ERR ${result.error}`);
      return;
    }
    c.server.dirty++;
    c.bulk(result.name);
  },

  'function|delete'(c, argv) {
    if (!scriptingOf(c.server).deleteLibrary(argv[2]!)) {
      c.error('ERR Library not found');
      return;
    }
    c.server.dirty++;
    c.ok();
  },

  'function|flush'(c, argv) {
    if (argv.length > 3) {
      c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`);
      return;
    }
    if (argv.length === 3 && !is(argv[2], 'async') && !is(argv[2], 'sync')) {
      c.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
      return;
    }
    scriptingOf(c.server).flushLibraries();
    c.server.dirty++;
    c.ok();
  },

  'function|list'(c, argv) {
    let withCode = false;
    let pattern: string | undefined;
    for (let i = 2; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!withCode && is(arg, 'withcode')) {
        withCode = true;
        continue;
      }
      if (pattern === undefined && is(arg, 'libraryname')) {
        if (i >= argv.length - 1) {
          c.error('ERR library name argument was not given');
          return;
        }
        pattern = argv[++i]!;
        continue;
      }
      c.error(`ERR Unknown argument ${arg}`);
      return;
    }
    const libraries = [...scriptingOf(c.server).libraries.values()].filter(
      (lib) => pattern === undefined || globMatch(pattern, lib.name, true),
    );
    c.arrayLen(libraries.length);
    for (const lib of libraries) {
      c.mapLen(withCode ? 4 : 3);
      c.bulk('library_name');
      c.bulk(lib.name);
      c.bulk('engine');
      c.bulk('LUA');
      c.bulk('functions');
      c.arrayLen(lib.functions.size);
      for (const fn of lib.functions.values()) {
        c.mapLen(3);
        c.bulk('name');
        c.bulk(fn.name);
        c.bulk('description');
        if (fn.description === undefined) c.null();
        else c.bulk(fn.description);
        c.bulk('flags');
        const flags = SCRIPT_FLAG_NAMES.filter((f) => fn.flags.has(f));
        c.setLen(flags.length);
        for (const flag of flags) c.simple(flag);
      }
      if (withCode) {
        c.bulk('library_code');
        c.bulk(lib.code);
      }
    }
  },

  'function|stats'(c) {
    const scripting = scriptingOf(c.server);
    const running = scripting.runningScript();
    if (running?.isEval) {
      c.error(BUSY_EVAL);
      return;
    }
    c.mapLen(2);
    c.bulk('running_script');
    if (!running) {
      c.null();
    } else {
      c.mapLen(3);
      c.bulk('name');
      c.bulk(running.name);
      c.bulk('command');
      c.bulkArray(running.argv);
      c.bulk('duration_ms');
      c.integer(running.durationMs);
    }
    c.bulk('engines');
    c.mapLen(1);
    c.bulk('LUA');
    c.mapLen(2);
    c.bulk('libraries_count');
    c.integer(scripting.libraries.size);
    c.bulk('functions_count');
    c.integer(scripting.functions.size);
  },

  'function|kill'(c) {
    scriptingOf(c.server).kill(c, false);
  },

  'function|dump'(c) {
    c.bulk(encodeFunctionsPayload(c.server, scriptingOf(c.server).libraryCodes()));
  },

  'function|restore'(c, argv) {
    if (argv.length > 4) {
      c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`);
      return;
    }
    let policy: 'flush' | 'append' | 'replace' = 'append';
    if (argv.length === 4) {
      const arg = argv[3]!.toLowerCase();
      if (arg !== 'flush' && arg !== 'append' && arg !== 'replace') {
        c.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
        return;
      }
      policy = arg;
    }
    const decoded = decodeFunctionsPayload(argv[2]!);
    if ('error' in decoded) {
      c.error(`ERR ${decoded.error}`);
      return;
    }
    const error = scriptingOf(c.server).restoreLibraries(decoded.codes, policy);
    if (error !== undefined) {
      c.error(`ERR ${error}`);
      return;
    }
    c.server.dirty++;
    c.ok();
  },

  'function|help'(c) {
    replyHelp(c, 'function', FUNCTION_HELP);
  },
};
