/**
 * Programs run in a pty by the terminal tests and benchmarks, exactly as the built-in
 * CLI is (`node <entry> -h H -p P`): a producer of numbered lines, and the built-in CLI
 * itself bundled from its sources.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { CliHost } from './manager';

/**
 * Prints `count` numbered lines of `lineWidth` characters as the pty delivers them
 * (10 digits, dots, and the pty's \r\n), written 512 lines at a time so the producer is
 * not what limits a benchmark, then stays alive as an interactive CLI does,
 * so no line is lost to node-pty's race between a quick exit and the last read.
 */
export function producerHost(dir: string, count: number, lineWidth = 100): CliHost {
  const script = join(dir, `producer-${count}-${lineWidth}.js`);
  writeFileSync(
    script,
    `const pad = '.'.repeat(${lineWidth - 12});
let i = 0;
function more() {
  while (i < ${count}) {
    let chunk = '';
    for (const end = Math.min(${count}, i + 512); i < end; i++) chunk += String(i).padStart(10, '0') + pad + '\\n';
    if (!process.stdout.write(chunk)) return process.stdout.once('drain', more);
  }
}
more();
setInterval(() => {}, 1 << 30);
`,
  );
  return { nodeExecutable: process.execPath, cliEntry: script };
}

/** The real built-in CLI (app/cli/main.ts), bundled from the sources into `dir`. */
export function builtinCliHost(dir: string): CliHost {
  const cliEntry = join(dir, 'replica-lab-cli.cjs');
  buildSync({
    entryPoints: [join(__dirname, '..', '..', 'cli', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: cliEntry,
    logLevel: 'warning',
  });
  return { nodeExecutable: process.execPath, cliEntry };
}
