/**
 * Command-line options, parsed as redis-cli 7.0's parseOptions() parses them:
 * options first, the first word not starting with '-' begins the command, and
 * an option missing its value when it is the last word is "unrecognized".
 */
import type { OutputMode } from './format.js';

export interface CliConfig {
  host: string;
  port: number;
  /** The database to select after connecting (-n, or the URI's path). */
  inputDb: number;
  auth: string | undefined;
  user: string | undefined;
  noAuthWarning: boolean;
  output: OutputMode;
  /** Print RESP3 push messages that arrive between replies (redis-cli does at a terminal). */
  pushOutput: boolean;
  resp2: boolean;
  /** HELLO 3 after connecting (-3). */
  resp3: boolean;
  repeat: number;
  /** -i, in microseconds as redis-cli keeps it. */
  intervalMicros: number;
  stdinLastArg: boolean;
  /** -e: exit with status 1 on an error reply (one-shot only). */
  exitOnError: boolean;
  multiBulkDelimiter: string;
  commandDelimiter: string;
  scan: boolean;
  pattern: string | undefined;
  stat: boolean;
  latency: boolean;
  latencyHistory: boolean;
  /** The command words after the options (empty: interactive or piped lines). */
  command: string[];
}

export type ParseResult =
  | { kind: 'run'; config: CliConfig; warnings: string[] }
  | { kind: 'exit'; code: number; stdout?: string; stderr?: string };

/** redis-cli's version, reported by -v and HELP. */
export const CLI_VERSION = '7.0.15';

/** Options of redis-cli that this work-alike does not implement. */
const UNSUPPORTED = new Set([
  '-s',
  '-c',
  '-X',
  '--askpass',
  '--tls',
  '--cluster',
  '--pipe',
  '--rdb',
  '--functions-rdb',
  '--bigkeys',
  '--memkeys',
  '--hotkeys',
  '--eval',
  '--ldb',
  '--ldb-sync-mode',
  '--slave',
  '--replica',
  '--lru-test',
  '--intrinsic-latency',
  '--latency-dist',
  '--json',
  '--quoted-json',
  '--quoted-input',
  '--quoted-pattern',
]);

/** atoi(): leading blanks, optional sign, digits; 0 when none. */
export function atoi(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  if (!match) return 0;
  const value = Number(match[1]);
  // A C int wraps; values this large are not meaningful for ports or databases anyway.
  return Math.trunc(value) | 0;
}

/** atof(): the longest leading decimal number; 0 when none. */
function atof(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)/.exec(text);
  return match ? Number(match[1]) : 0;
}

export function defaultConfig(stdoutIsTty: boolean): CliConfig {
  return {
    host: '127.0.0.1',
    port: 6379,
    inputDb: 0,
    auth: undefined,
    user: undefined,
    noAuthWarning: false,
    output: stdoutIsTty ? 'standard' : 'raw',
    pushOutput: stdoutIsTty,
    resp2: false,
    resp3: false,
    repeat: 1,
    intervalMicros: 0,
    stdinLastArg: false,
    exitOnError: false,
    multiBulkDelimiter: '\n',
    commandDelimiter: '\n',
    scan: false,
    pattern: undefined,
    stat: false,
    latency: false,
    latencyHistory: false,
    command: [],
  };
}

/** parseRedisUri(): redis://[[user:]pass@]host[:port][/db], percent-decoded credentials. */
export function applyUri(uri: string, config: CliConfig): string | undefined {
  const scheme = 'redis://';
  if (uri.slice(0, 9).toLowerCase() === 'rediss://') {
    return 'rediss:// is only supported when redis-cli is compiled with OpenSSL';
  }
  if (uri.slice(0, scheme.length).toLowerCase() !== scheme) return 'Invalid URI scheme';
  let rest = uri.slice(scheme.length);
  if (rest === '') return undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const colon = rest.indexOf(':');
    let passStart = 0;
    if (colon !== -1 && colon < at) {
      config.user = percentDecode(rest.slice(0, colon));
      passStart = colon + 1;
    }
    config.auth = percentDecode(rest.slice(passStart, at));
    rest = rest.slice(at + 1);
  }
  if (rest === '') return undefined;
  const slash = rest.indexOf('/');
  if (!rest.startsWith('/')) {
    const hostPart = slash === -1 ? rest : rest.slice(0, slash);
    const colon = rest.indexOf(':');
    // strchr() searches the whole remainder, path included, as redis-cli does.
    if (colon !== -1) {
      config.port = atoi(rest.slice(colon + 1));
      config.host = rest.slice(0, colon);
    } else {
      config.host = hostPart;
    }
  }
  if (slash === -1) return undefined;
  const db = rest.slice(slash + 1);
  if (db !== '') config.inputDb = atoi(db);
  return undefined;
}

function percentDecode(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export function parseArgs(argv: string[], stdoutIsTty: boolean): ParseResult {
  const config = defaultConfig(stdoutIsTty);
  const warnings: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    const last = i === argv.length - 1;
    const next = (): string => argv[++i]!;
    if (arg === '-h' && !last) config.host = next();
    else if ((arg === '-h' && last) || arg === '--help') return { kind: 'exit', code: 0, stdout: usage() };
    else if (arg === '-x') config.stdinLastArg = true;
    else if (arg === '-p' && !last) config.port = atoi(next());
    else if (arg === '-r' && !last) config.repeat = Math.trunc(atof(next()));
    else if (arg === '-i' && !last) config.intervalMicros = Math.trunc(atof(next()) * 1_000_000);
    else if (arg === '-n' && !last) config.inputDb = atoi(next());
    else if (arg === '--no-auth-warning') config.noAuthWarning = true;
    else if ((arg === '-a' || arg === '--pass') && !last) config.auth = next();
    else if (arg === '--user' && !last) config.user = next();
    else if (arg === '-u' && !last) {
      const error = applyUri(next(), config);
      if (error) return { kind: 'exit', code: 1, stderr: `${error}\n` };
    } else if (arg === '--raw') config.output = 'raw';
    else if (arg === '--no-raw') config.output = 'standard';
    else if (arg === '--csv') config.output = 'csv';
    else if (arg === '--latency') config.latency = true;
    else if (arg === '--latency-history') {
      config.latency = true;
      config.latencyHistory = true;
    } else if (arg === '--stat') config.stat = true;
    else if (arg === '--scan') config.scan = true;
    else if (arg === '--pattern' && !last) config.pattern = next();
    else if (arg === '-d' && !last) config.multiBulkDelimiter = next();
    else if (arg === '-D' && !last) config.commandDelimiter = next();
    else if (arg === '-e') config.exitOnError = true;
    else if (arg === '-v' || arg === '--version') {
      return { kind: 'exit', code: 0, stdout: `redis-cli ${CLI_VERSION}\n` };
    } else if (arg === '-2') config.resp2 = true;
    else if (arg === '-3') config.resp3 = true;
    else if (arg === '--show-pushes' && !last) {
      const value = next();
      if (/^n/i.test(value)) config.pushOutput = false;
      else if (/^y/i.test(value)) config.pushOutput = true;
      else warnings.push(`Unknown --show-pushes value '${value}' (valid: '[y]es', '[n]o')\n`);
    } else if (UNSUPPORTED.has(arg)) {
      return { kind: 'exit', code: 1, stderr: `Option '${arg}' is not supported by replica-lab-cli.\n` };
    } else if (arg.startsWith('-')) {
      return { kind: 'exit', code: 1, stderr: `Unrecognized option or bad number of args for: '${arg}'\n` };
    } else {
      break;
    }
  }
  config.command = argv.slice(i);
  if (config.resp2 && config.resp3) {
    return { kind: 'exit', code: 1, stderr: 'Options -2 and -3 are mutually exclusive.\n' };
  }
  const envAuth = process.env.REDISCLI_AUTH;
  if (!config.noAuthWarning && config.auth !== undefined) {
    warnings.push(
      "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n",
    );
  }
  // The environment's password never overrides one given on the command line, and earns no warning.
  if (envAuth !== undefined && config.auth === undefined) config.auth = envAuth;
  return { kind: 'run', config, warnings };
}

export function usage(): string {
  return `redis-cli ${CLI_VERSION} (replica-lab-cli)

Usage: replica-lab-cli [OPTIONS] [cmd [arg [arg ...]]]
  -h <hostname>      Server hostname (default: 127.0.0.1).
  -p <port>          Server port (default: 6379).
  -a <password>      Password to use when connecting to the server.
                     You can also use the REDISCLI_AUTH environment
                     variable to pass this password more safely
                     (if both are used, this argument takes precedence).
  --user <username>  Used to send ACL style 'AUTH username pass'. Needs -a.
  --pass <password>  Alias of -a for consistency with the new --user option.
  -u <uri>           Server URI.
  -r <repeat>        Execute specified command N times.
  -i <interval>      When -r is used, waits <interval> seconds per command.
                     It is possible to specify sub-second times like -i 0.1.
                     This interval is also used in --scan and --stat per cycle.
  -n <db>            Database number.
  -2                 Start session in RESP2 protocol mode.
  -3                 Start session in RESP3 protocol mode.
  -x                 Read last argument from STDIN.
  -d <delimiter>     Delimiter between response bulks for raw formatting (default: \\n).
  -D <delimiter>     Delimiter between responses for raw formatting (default: \\n).
  -e                 Return exit error code when command execution fails.
  --raw              Use raw formatting for replies (default when STDOUT is
                     not a tty).
  --no-raw           Force formatted output even when STDOUT is not a tty.
  --csv              Output in CSV format.
  --show-pushes <yn> Whether to print RESP3 PUSH messages.  Enabled by default when
                     STDOUT is a tty but can be overridden with --show-pushes no.
  --stat             Print rolling stats about server: mem, clients, ...
  --latency          Enter a special mode continuously sampling latency.
                     If you use this mode in an interactive session it runs
                     forever displaying real-time stats. Otherwise if --raw or
                     --csv is specified, or if you redirect the output to a non
                     TTY, it samples the latency for 1 second (you can use
                     -i to change the interval), then produces a single output
                     and exits.
  --latency-history  Like --latency but tracking latency changes over time.
                     Default time interval is 15 sec. Change it using -i.
  --scan             List all keys using the SCAN command.
  --pattern <pat>    Keys pattern when using the --scan (default: *).
  --no-auth-warning  Don't show warning message when using password on command
                     line interface.
  --help             Output this help and exit.
  --version          Output version and exit.

Examples:
  replica-lab-cli -p 6379 GET k
  cat /etc/passwd | replica-lab-cli -x set mypasswd
  replica-lab-cli -r 100 lpush mylist x
  replica-lab-cli -r 100 -i 1 info | grep used_memory_human:
  replica-lab-cli --scan --pattern '*:12345*'

When no command is given, replica-lab-cli starts in interactive mode.
Type "help" in interactive mode for information on available commands
and settings.

`;
}
