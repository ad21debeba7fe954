/**
 * redis.conf loading, as redis-server does it: main()'s command-line handling
 * (config file, `--name value` options, `-` for stdin) and config.c's
 * loadServerConfig() / loadServerConfigFromString(): sdssplitargs() quoting,
 * comments, `include`, case-insensitive directive names, the last occurrence
 * winning (but `save` lines accumulating), and Redis's fatal error report.
 */
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { splitInlineArgs } from '../../resp/inline.js';
import { quoteRepr } from '../../resp/repr.js';
import { COMMAND_META } from '../command-table.js';
import { globMatch } from '../glob.js';
import { ValueError } from './codec.js';
import { ConfigError, ConfigLineError, type ServerConfig } from './index.js';
import { MULTI_ARG } from './params.js';

const REDIS_VERSION = '7.0.15';

/** Directives Redis 7.0 still accepts and ignores (deprecated_configs[] with their argc). */
const DEPRECATED_DIRECTIVES = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

/** Directives only the config file knows (CONFIG REWRITE keeps their lines). */
export const FILE_ONLY_DIRECTIVES = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);

/** The part of main() that turns argv into a config file, a stdin flag and an options string. */
export function parseCommandLine(argv: readonly string[]): {
  configFile: string | undefined;
  fromStdin: boolean;
  options: string;
} {
  let configFile: string | undefined;
  let fromStdin = false;
  let options = '';
  let j = 0;
  if (argv.length > 0 && argv[0]![0] !== '-') {
    configFile = argv[0];
    j = 1;
  }
  // Redis's argv[1] is our argv[0]: "first or last argument" for '-' means these.
  const argc = argv.length;
  let handledLastConfigArg = true;
  for (; j < argc; j++) {
    const arg = argv[j]!;
    if (arg === '-' && (j === 0 || j === argc - 1)) {
      fromStdin = true;
    } else if (handledLastConfigArg && arg.startsWith('--')) {
      if (options.length) options += '\n';
      options += arg.slice(2) + ' ';
      const parts = splitInlineArgs(arg) ?? [];
      if (parts.length === 1) {
        // Only an option name ("--port"): the next argument is its value.
        handledLastConfigArg = false;
        const next = argv[j + 1];
        const lowered = arg.toLowerCase();
        if (next !== undefined && next.startsWith('--') && lowered === '--save') {
          // `--save --other value` means an empty save, as before 7.0.1.
          options += '""';
          handledLastConfigArg = true;
        } else if (next === undefined && lowered === '--save') {
          options += '""';
        } else if (next !== undefined && next.startsWith('--') && lowered === '--sentinel') {
          handledLastConfigArg = true;
        }
      } else {
        // "--port 6380" as one argument.
        handledLastConfigArg = true;
      }
    } else {
      options += quoteRepr(arg) + ' ';
      handledLastConfigArg = true;
    }
  }
  return { configFile, fromStdin, options };
}

/** redis-server's start-up configuration: file, stdin, then command-line options. */
export function loadServerConfig(
  config: ServerConfig,
  argv: readonly string[],
  cwd: string,
  stdin: () => string = () => readFileSync(0, 'latin1'),
): void {
  const { configFile, fromStdin, options } = parseCommandLine(argv);
  let text = '';
  if (configFile !== undefined) {
    config.configFile = resolve(cwd, configFile);
    text += readConfigFile(config.configFile);
  }
  if (fromStdin) text += stdin();
  if (options) text += '\n' + options;
  new ConfigFileReader(config).load(text);
}

/**
 * Reads redis.conf text into `config` as loadServerConfig() does, without start-up's
 * checks and side effects (the log file is not opened or created): for tools that
 * read a redis.conf without running it, such as the lab's import. Directives named in
 * `skip` are tokenised but not applied (a `dir` that exists only on another machine).
 * An invalid line throws a ConfigLineError.
 */
export function loadConfigText(config: ServerConfig, text: string, skip: ReadonlySet<string> = new Set()): void {
  new ConfigFileReader(config, skip).loadWithoutChecks(text);
}

/** Reads a file, or every file matching a glob pattern (for `include /etc/redis/conf.d/*.conf`). */
function readConfigFile(path: string, shownAs = path): string {
  if (/[*?[]/.test(path)) {
    let text = '';
    for (const file of globFiles(path)) text += readOne(file, file);
    return text;
  }
  return readOne(path, shownAs);
}

/** `shownAs`: the path as Redis prints it (an include's argument is printed as written). */
function readOne(path: string, shownAs: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (err) {
    throw new ConfigError(`Fatal error, can't open config file '${shownAs}': ${errnoText(err)}`);
  }
}

/** glob(3) for the last path component only (conf.d style includes), sorted as glob sorts. */
function globFiles(pattern: string): string[] {
  const dir = dirname(pattern);
  const name = basename(pattern);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => (name.startsWith('.') || !e.startsWith('.')) && globMatch(name, e))
    .sort()
    .map((e) => join(dir, e));
}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EEXIST: 'File exists',
  EFAULT: 'Bad address',
};

/** strerror(errno) of a Node fs error. */
export function errnoText(err: unknown): string {
  return STRERROR[(err as NodeJS.ErrnoException).code ?? ''] ?? (err as Error).message;
}

/** loadServerConfigFromString(), including the state shared across `include`d files. */
class ConfigFileReader {
  /** setConfigSaveOption()'s static save_loaded: the first `save` replaces the defaults. */
  private saveLoaded = false;
  private readonly moduleConfigs: string[] = [];

  constructor(
    private readonly config: ServerConfig,
    private readonly skip: ReadonlySet<string> = new Set(),
  ) {}

  load(text: string): void {
    this.loadString(text);
    this.finish();
  }

  loadWithoutChecks(text: string): void {
    this.loadString(text);
  }

  private loadString(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '' || line[0] === '#') continue;
      const error = this.loadLine(line);
      if (error !== undefined) throw fatal(error, i + 1, line);
    }
  }

  /** Applies one line; returns Redis's error text when the line is invalid. */
  private loadLine(line: string): string | undefined {
    const argv = splitInlineArgs(line);
    if (argv === null) return 'Unbalanced quotes in configuration line';
    if (argv.length === 0) return undefined;
    const directive = argv[0]!.toLowerCase();
    if (this.skip.has(directive)) return undefined;
    const def = this.config.lookup(directive);
    if (def) {
      const multiArg = (def.flags & MULTI_ARG) !== 0;
      if (!multiArg && argv.length !== 2) return 'wrong number of arguments';
      // `--save "3600 1 300 100"`: one non-empty argument of a multi-arg config is split again.
      const args = multiArg && argv.length === 2 && argv[1] !== '' ? (splitInlineArgs(argv[1]!) ?? []) : argv.slice(1);
      try {
        this.config.applyDirective(def, args, def.name === 'save' && this.saveLoaded);
      } catch (err) {
        if (err instanceof ValueError) return err.message;
        throw err;
      }
      if (def.name === 'save') this.saveLoaded = true;
      return undefined;
    }
    if (DEPRECATED_DIRECTIVES.has(directive) && argv.length === 2) return undefined;

    if (directive === 'include' && argv.length === 2) {
      const dir = this.config.str('dir');
      const path = isAbsolute(argv[1]!) ? argv[1]! : resolve(dir, argv[1]!);
      // Errors inside the included file are reported with its own line numbers.
      this.loadString(readConfigFile(path, argv[1]));
      return undefined;
    }
    if (directive === 'rename-command' && argv.length === 3) {
      const from = argv[1]!.toLowerCase();
      const to = argv[2]!;
      const renamed = this.config.renamedCommands;
      const exists =
        (COMMAND_META[from] !== undefined && !COMMAND_META[from]!.container && !renamed.some(([f]) => f === from)) ||
        renamed.some(([, t]) => t.toLowerCase() === from);
      if (!exists) return 'No such command in rename-command';
      if (to !== '' && (COMMAND_META[to.toLowerCase()] !== undefined || renamed.some(([, t]) => t === to))) {
        return 'Target command name already exists';
      }
      renamed.push([from, to]);
      return undefined;
    }
    if (directive === 'user' && argv.length >= 2) {
      this.config.userDirectives.push(argv.slice(1));
      return undefined;
    }
    if (directive === 'loadmodule' && argv.length >= 2) {
      throw new ConfigError(`Module ${argv[1]} failed to load: modules are not supported by this server`);
    }
    if (directive.includes('.')) {
      if (argv.length < 2) return 'Module config specified without value';
      this.moduleConfigs.push(directive);
      return undefined;
    }
    if (directive === 'sentinel') {
      return argv.length === 1 ? undefined : 'sentinel directive while not in sentinel mode';
    }
    return 'Bad directive or wrong number of arguments';
  }

  /** The checks at the end of loadServerConfigFromString() and of start-up. */
  private finish(): void {
    const logfile = this.config.str('logfile');
    if (logfile !== '') {
      try {
        closeSync(openSync(resolve(this.config.str('dir'), logfile), 'a'));
      } catch (err) {
        throw fatal(`Can't open the log file: ${errnoText(err)}`);
      }
    }
    if (this.config.bool('cluster-enabled') && this.config.str('replicaof') !== '') {
      throw fatal('replicaof directive not allowed in cluster mode');
    }
    if (this.config.bool('daemonize')) {
      // Node cannot fork(): the engine stays in the foreground (see NO-EFFECT.md).
      this.config.startupWarnings.push(
        'daemonize yes is not supported by this server: running in the foreground (the pid file is still written)',
      );
    }
    if (this.moduleConfigs.length > 0) {
      throw new ConfigError(
        'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting',
      );
    }
  }
}

/** The report loadServerConfigFromString() prints to stderr before exit(1). */
function fatal(error: string, lineNumber?: number, line?: string): ConfigError {
  const text = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
  if (lineNumber === undefined) return new ConfigError(text + error + '\n');
  const at = `Reading the configuration file, at line ${lineNumber}\n>>> '${line}'\n`;
  return new ConfigLineError(text + at + error + '\n', lineNumber, line ?? '', error);
}
