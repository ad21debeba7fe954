/**
 * replica-lab-cli: a redis-cli 7.0 work-alike, for machines without Redis
 * installed. `replica-lab-cli -p 6379 GET k` runs one command; without a command
 * it reads lines, from the terminal with redis-cli's prompt, hints and history,
 * or one per line from piped standard input. main() follows redis-cli's main().
 */
import { isatty, ReadStream } from 'node:tty';
import { parseArgs } from './args.js';
import { latencyMode } from './latency.js';
import { writeErr, writeOut } from './output.js';
import { repl } from './repl.js';
import { scanMode } from './scan.js';
import { CliSession, type Exit } from './session.js';
import { statMode } from './stat.js';
import { StdinBytes } from './stdin-bytes.js';

const exit: Exit = (code) => process.exit(code);

/** Arguments arrive as UTF-8 text; commands are byte strings. */
function toBytes(arg: string): string {
  return Buffer.from(arg, 'utf8').toString('latin1');
}

async function main(): Promise<void> {
  const stdoutIsTty = isatty(1) || process.env.FAKETTY !== undefined;
  const parsed = parseArgs(process.argv.slice(2).map(toBytes), stdoutIsTty);
  if (parsed.kind === 'exit') {
    if (parsed.stdout) writeOut(parsed.stdout);
    if (parsed.stderr) writeErr(parsed.stderr);
    exit(parsed.code);
  }
  const { config, warnings } = parsed;
  for (const warning of warnings) writeErr(warning);
  const session = new CliSession(config, exit);

  if (config.latency || config.stat || config.scan) {
    if (!(await session.connect(false, false))) exit(1);
    if (config.latency) await latencyMode(session);
    if (config.stat) await statMode(session);
    await scanMode(session);
  }

  if (config.command.length === 0) {
    const tty = isatty(0) ? new ReadStream(0) : undefined;
    const stdin = new StdinBytes(tty ?? process.stdin);
    process.on('SIGINT', () => {
      if (session.streaming) session.abortStreaming();
      else exit(1);
    });
    // Not connecting is no reason to stop: every command tries again.
    await session.connect(false, false);
    const columns = () => (process.stdout.isTTY ? process.stdout.columns || 80 : 80);
    await repl(session, { stdin, tty, columns, onResize: (listener) => process.stdout.on('resize', listener) }, exit);
  }

  await session.connect(false, true);
  const argv = [...config.command];
  if (config.stdinLastArg) argv.push(await new StdinBytes(process.stdin).readAll());
  const ok = await session.issueCommand(argv, config.repeat);
  exit(ok ? 0 : 1);
}

void main().catch((err: unknown) => {
  writeErr(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  exit(1);
});
