/**
 * Interop: one script (interop/script.txt, one command per line as typed at the
 * prompt) through Debian's redis-cli 7.0 and through replica-lab-cli against the
 * same engine server, in the same run, three ways: typed interactively into a
 * pty (the whole screen stream: prompts, hints redrawn at every key, replies),
 * one-shot (one process per line, the line's words as arguments) and piped on
 * standard input; each with and without --no-raw. The output must be byte for
 * byte the same. Fails, never skips, when redis-cli is missing.
 *
 * Normalised, and only this: the connection id in HELLO replies (every
 * connection gets a new one, and the two CLIs run one after the other), and
 * redis-cli's "(N.NNs)" line, printed after any command that took 500 ms or
 * more (time, not behaviour). In one-shot mode only, the output of TTL/PTTL
 * lines is not compared: a TTL read by a later process depends on process
 * start-up times (Node's ~60 ms against C's ~5 ms).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineProcess, type EngineProcess } from '../engine/test-support/engine-process.js';
import { splitInlineArgs } from '../resp/inline.js';

interface Pty {
  onData(listener: (data: Buffer | string) => void): void;
  onExit(listener: (event: { exitCode: number }) => void): void;
  write(data: string | Buffer): void;
  kill(signal?: string): void;
}
interface NodePty {
  spawn(file: string, args: string[], options: Record<string, unknown>): Pty;
}
const nodePty = createRequire(import.meta.url)('node-pty') as NodePty;

const SCRIPT = readFileSync(join(import.meta.dirname, 'interop', 'script.txt'), 'latin1');
const LINES = SCRIPT.split('\n').filter((line) => line.trim() !== '');

function requireRedisCli(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error("redis-cli is not installed: this test needs Debian's redis-cli 7.0");
  return found.stdout.trim();
}

export function normalize(output: string): string {
  return output
    .replace(/(# "id" => \(integer\) )\d+/g, '$1<id>')
    .replace(/( 7\) "id"\r?\n 8\) \(integer\) )\d+/g, '$1<id>')
    .replace(/(proto\r?\n[23]\r?\nid\r?\n)\d+/g, '$1<id>')
    .replace(/(proto [23]\r?\nid )\d+/g, '$1<id>')
    .replace(/^\(\d+\.\d\ds\)\r?\n/gm, '');
}

/** Where two transcripts part, with some context, for the failure message. */
function firstDifference(expected: string, actual: string): string {
  let i = 0;
  while (i < expected.length && expected[i] === actual[i]) i++;
  const from = Math.max(0, i - 300);
  return (
    `first difference at byte ${i}\n` +
    `redis-cli:        ${JSON.stringify(expected.slice(from, i + 200))}\n` +
    `replica-lab-cli:  ${JSON.stringify(actual.slice(from, i + 200))}`
  );
}

describe('replica-lab-cli vs redis-cli, byte for byte', () => {
  let engine: EngineProcess | undefined;
  let workDir = '';
  let redisCli = '';
  let ourCli = '';
  const clis = () =>
    [
      ['redis-cli', redisCli, []],
      ['replica-lab-cli', process.execPath, [ourCli]],
    ] as const;

  beforeAll(async () => {
    redisCli = requireRedisCli();
    workDir = mkdtempSync(join(tmpdir(), 'cli-interop-'));
    ourCli = join(workDir, 'cli.cjs');
    buildSync({
      entryPoints: [join(import.meta.dirname, 'main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: ourCli,
      logLevel: 'warning',
    });
    engine = await startEngineProcess(['--enable-debug-command', 'yes', '--dir', workDir]);
  }, 60_000);

  afterAll(async () => {
    await engine?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  function compare(mode: string, run: (file: string, prefix: readonly string[]) => string | Promise<string>) {
    return async () => {
      const outputs: string[] = [];
      for (const [, file, prefix] of clis()) outputs.push(normalize(await run(file, prefix)));
      const [expected, actual] = outputs as [string, string];
      writeFileSync(join(workDir, `${mode}.redis-cli.txt`), expected, 'latin1');
      writeFileSync(join(workDir, `${mode}.replica-lab-cli.txt`), actual, 'latin1');
      if (expected !== actual) throw new Error(`${mode}: output differs\n${firstDifference(expected, actual)}`);
      expect(actual.length).toBeGreaterThan(1000);
    };
  }

  it('the script has at least 150 lines', () => {
    expect(LINES.length).toBeGreaterThanOrEqual(150);
  });

  for (const flags of [[], ['--no-raw']] as const) {
    const label = flags.length ? ' --no-raw' : '';

    it(
      `piped on standard input${label}`,
      compare(`piped${label}`, (file, prefix) => {
        const result = spawnSync(file, [...prefix, '-p', String(engine!.port), ...flags], {
          input: Buffer.from(SCRIPT, 'latin1'),
          timeout: 60_000,
        });
        return result.stdout.toString('latin1') + result.stderr.toString('latin1') + `[exit ${result.status}]`;
      }),
      120_000,
    );

    it(
      `one-shot, one process per line${label}`,
      compare(`one-shot${label}`, (file, prefix) => {
        let transcript = '';
        for (const line of LINES) {
          const words = splitInlineArgs(line);
          // argv cannot carry NUL bytes or bytes that are not UTF-8 text: such lines run only the other ways.
          if (!words || words.length === 0) continue;
          const args = words.map((word) => Buffer.from(word, 'latin1'));
          if (args.some((arg) => arg.includes(0) || !Buffer.from(arg.toString('utf8'), 'utf8').equals(arg))) continue;
          const result = spawnSync(
            file,
            [...prefix, '-p', String(engine!.port), ...flags, ...args.map((arg) => arg.toString('utf8'))],
            { timeout: 30_000 },
          );
          // A TTL read by a later process depends on how long processes take to start (one-shot only).
          const output = /^P?TTL /i.test(line)
            ? '<ttl: timing>\n'
            : result.stdout.toString('latin1') + result.stderr.toString('latin1');
          transcript += `$ ${line}\n${output}[exit ${result.status}]\n`;
        }
        return transcript;
      }),
      240_000,
    );

    it(
      `interactive in a pty${label}`,
      compare(`pty${label}`, (file, prefix) => runInPty(file, [...prefix, '-p', String(engine!.port), ...flags])),
      120_000,
    );
  }

  /** Types the script into the CLI at its prompt, a line at a time, and returns the screen stream. */
  function runInPty(file: string, args: string[]): Promise<string> {
    const home = mkdtempSync(join(workDir, 'home-'));
    const prompt = /(?:127\.0\.0\.1:\d+(?:\[\d+\])?(?:\(TX\))?|not connected)> $/;
    return new Promise((resolve, reject) => {
      const pty = nodePty.spawn(file, args, {
        name: 'xterm',
        cols: 80,
        rows: 24,
        cwd: home,
        encoding: null,
        env: { PATH: process.env.PATH, HOME: home, TERM: 'xterm', REDISCLI_HISTFILE: join(home, 'history') },
      });
      let screen = '';
      let next = 0;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          pty.kill('SIGKILL');
          reject(new Error(`no prompt after line ${next}: ${JSON.stringify(screen.slice(-400))}`));
        }, 10_000);
      };
      arm();
      pty.onData((data) => {
        screen += typeof data === 'string' ? Buffer.from(data, 'utf8').toString('latin1') : data.toString('latin1');
        if (!prompt.test(screen)) return;
        arm();
        if (next < LINES.length) {
          pty.write(Buffer.from(LINES[next++]! + '\r', 'latin1'));
        } else if (next === LINES.length) {
          next++;
          // Ctrl-D on an empty line ends the session.
          pty.write('\x04');
        }
      });
      pty.onExit(({ exitCode }) => {
        clearTimeout(timer);
        resolve(screen + `[exit ${exitCode}]`);
      });
    });
  }
});
