/**
 * redis-cli's repl(): lines from the line editor at a terminal, or one per line
 * from piped standard input, each split with redis-cli's quoting rules and run.
 * Handles what the CLI does itself: QUIT/EXIT, CONNECT, CLEAR, `:set hints`, a
 * leading repeat count (`3 INCR k`), history and the slow-command timing line.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ReadStream } from 'node:tty';
import { splitInlineArgs } from '../resp/inline.js';
import { atoi } from './args.js';
import { completions } from './help.js';
import { hintFor } from './hints.js';
import { History } from './history.js';
import { LineEditor } from './line-editor.js';
import { writeErr, writeOut } from './output.js';
import type { CliSession, Exit } from './session.js';
import type { StdinBytes } from './stdin-bytes.js';

const UNSUPPORTED_TERMS = ['dumb', 'cons25', 'emacs'];

/** getDotfilePath: the environment's override ("/dev/null": none), else a file in $HOME. */
export function dotfilePath(envName: string, fileName: string): string | undefined {
  const override = process.env[envName];
  if (override !== undefined && override !== '') return override === '/dev/null' ? undefined : override;
  const home = process.env.HOME;
  return home ? `${home}/${fileName}` : undefined;
}

/** isSensitiveCommand: lines that never go into the history file. */
export function isSensitive(argv: string[]): boolean {
  const lower = argv.map((word) => word.toLowerCase());
  const argc = argv.length;
  if (lower[0] === 'auth') return true;
  if (argc > 1 && lower[0] === 'acl' && lower[1] === 'setuser') return true;
  if (argc > 2 && lower[0] === 'config' && lower[1] === 'set') {
    return ['masterauth', 'masteruser', 'requirepass'].includes(lower[2]!);
  }
  if (argc > 4 && lower[0] === 'hello') {
    for (let j = 2; j < argc; j++) {
      const more = argc - 1 - j;
      if (lower[j] === 'auth' && more >= 2) return true;
      if (lower[j] === 'setname' && more) j++;
      else return false;
    }
  }
  if (argc > 7 && lower[0] === 'migrate') {
    for (let j = 6; j < argc; j++) {
      const more = argc - 1 - j;
      if (lower[j] === 'auth' && more) return true;
      if (lower[j] === 'auth2' && more >= 2) return true;
      if (lower[j] === 'keys' && more) return false;
    }
  }
  return false;
}

/** cliSetPreferences. */
function setPreference(session: CliSession, argv: string[], interactive: boolean): void {
  const origin = interactive ? '' : '.redisclirc: ';
  if (argv[0]!.toLowerCase() === ':set' && argv.length >= 2) {
    const name = argv[1]!.toLowerCase();
    if (name === 'hints') session.hintsPreference = true;
    else if (name === 'nohints') session.hintsPreference = false;
    else writeOut(`${origin}unknown redis-cli preference '${argv[1]}'\n`);
  } else {
    writeOut(`${origin}unknown redis-cli internal command '${argv[0]}'\n`);
  }
}

function loadPreferences(session: CliSession): void {
  const path = dotfilePath('REDISCLI_RCFILE', '.replicalabclirc');
  if (!path) return;
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return;
  }
  for (const line of text.split('\n')) {
    const argv = splitInlineArgs(line);
    if (argv && argv.length > 0) setPreference(session, argv, false);
  }
}

/** strtol() of a whole word: a repeat count, or undefined when the word is not a number. */
function repeatCount(word: string): number | undefined {
  if (word !== '' && !/^[ \t\n\v\f\r]*[+-]?\d+$/.test(word)) return undefined;
  return word === '' ? 0 : Number(word);
}

export interface ReplIo {
  stdin: StdinBytes;
  /** The tty, when standard input is one. */
  tty: ReadStream | undefined;
  columns(): number;
  onResize(listener: () => void): void;
}

export async function repl(session: CliSession, io: ReplIo, exit: Exit): Promise<never> {
  await session.initHelp();
  session.interactive = true;
  const history = new History();
  let historyFile: string | undefined;
  const useHistory = io.tty !== undefined;
  if (io.tty) {
    historyFile = dotfilePath('REDISCLI_HISTFILE', '.replicalabcli_history');
    if (historyFile) history.load(historyFile);
    loadPreferences(session);
  }
  const tty = io.tty;
  const editor = new LineEditor(
    io.stdin,
    {
      write: writeOut,
      beep: () => writeErr('\x07'),
      columns: io.columns,
      disableOutputPostProcessing: () => {
        spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
      },
    },
    history,
    {
      hint: (buffer) => (session.hintsPreference ? hintFor(session.help ?? [], buffer) : undefined),
      complete: (buffer) => completions(session.help ?? [], buffer),
    },
  );
  io.onResize(() => editor.setColumnsChanged());
  const unsupportedTerm = UNSUPPORTED_TERMS.includes((process.env.TERM ?? '').toLowerCase());

  const readLine = async (): Promise<string | null> => {
    const prompt = session.prompt();
    if (!tty) return io.stdin.nextLine();
    if (unsupportedTerm) {
      writeOut(prompt);
      const line = await io.stdin.nextLine();
      return line === null ? null : line.replace(/[\r\n]+$/, '');
    }
    tty.setRawMode(true);
    try {
      return await editor.edit(prompt);
    } finally {
      tty.setRawMode(false);
      writeOut('\n');
    }
  };

  for (;;) {
    const line = await readLine();
    if (line === null) return exit(0);
    if (line === '') continue;
    const argv = splitInlineArgs(line);
    if (argv === null) {
      writeOut('Invalid argument(s)\n');
      if (useHistory) history.add(line);
      if (historyFile) history.save(historyFile);
      continue;
    }
    if (argv.length === 0) continue;
    let repeat = 1;
    let skip = 0;
    const count = repeatCount(argv[0]!);
    if (argv.length > 1 && count !== undefined) {
      if (count <= 0 || !Number.isSafeInteger(count)) {
        writeOut('Invalid redis-cli repeat command option value.\n');
        continue;
      }
      repeat = count;
      skip = 1;
    }
    const command = argv.slice(skip);
    if (!isSensitive(command)) {
      if (useHistory) history.add(line);
      if (historyFile) history.save(historyFile);
    }
    const name = argv[0]!.toLowerCase();
    if (name === 'quit' || name === 'exit') return exit(0);
    if (argv[0]!.startsWith(':')) {
      setPreference(session, argv, true);
      continue;
    }
    if (name === 'restart') {
      writeOut("Use 'restart' only in Lua debugging mode.\n");
    } else if (argv.length === 3 && name === 'connect') {
      session.config.host = argv[1]!;
      session.config.port = atoi(argv[2]!);
      await session.connect(true, false);
    } else if (argv.length === 1 && name === 'clear') {
      writeOut('\x1b[H\x1b[2J');
    } else {
      const start = Date.now();
      await session.issueCommand(command, repeat);
      const elapsed = Date.now() - start;
      if (elapsed >= 500 && session.config.output === 'standard') writeOut(`(${(elapsed / 1000).toFixed(2)}s)\n`);
    }
  }
}
