/**
 * Programs that stand in for a CLI in the terminal tests and benchmarks, written to a
 * scratch folder and run by Node in the pty exactly as the built-in CLI is
 * (`node <entry> -h H -p P`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * A minimal redis-cli look-alike for the built-in path while app/cli is being written:
 * the prompt, one inline command per line, replies as redis-cli prints strings,
 * errors and integers, and AUTH from REDISCLI_AUTH as redis-cli does.
 */
export function standInCliHost(dir: string): CliHost {
  const script = join(dir, 'stand-in-cli.js');
  writeFileSync(
    script,
    `const net = require('node:net');
const args = process.argv.slice(2);
const host = args[args.indexOf('-h') + 1];
const port = Number(args[args.indexOf('-p') + 1]);
const user = args.includes('--user') ? args[args.indexOf('--user') + 1] : undefined;
const socket = net.createConnection(port, host);
const encode = (words) => '*' + words.length + '\\r\\n' + words.map((w) => '$' + Buffer.byteLength(w) + '\\r\\n' + w + '\\r\\n').join('');
let buffered = '';
const waiting = [];
socket.on('data', (chunk) => {
  buffered += chunk;
  for (;;) {
    const end = buffered.indexOf('\\r\\n');
    if (end < 0) return;
    const line = buffered.slice(0, end);
    let reply, used = end + 2;
    if (line[0] === '$') {
      const length = Number(line.slice(1));
      if (length < 0) reply = '(nil)';
      else if (buffered.length < used + length + 2) return;
      else { reply = JSON.stringify(buffered.slice(used, used + length)); used += length + 2; }
    } else if (line[0] === '-') reply = '(error) ' + line.slice(1);
    else if (line[0] === ':') reply = '(integer) ' + line.slice(1);
    else reply = line.slice(1);
    buffered = buffered.slice(used);
    waiting.shift()(reply);
  }
});
const send = (words) => new Promise((resolve) => { waiting.push(resolve); socket.write(encode(words)); });
const prompt = () => process.stdout.write(host + ':' + port + '> ');
socket.on('connect', async () => {
  if (process.env.REDISCLI_AUTH !== undefined) {
    const reply = await send(user ? ['AUTH', user, process.env.REDISCLI_AUTH] : ['AUTH', process.env.REDISCLI_AUTH]);
    if (reply !== 'OK') process.stdout.write('AUTH failed: ' + reply + '\\n');
  }
  prompt();
});
process.stdin.setEncoding('utf8');
let typed = '';
process.stdin.on('data', async (text) => {
  typed += text;
  for (let end; (end = typed.indexOf('\\n')) >= 0; ) {
    const words = typed.slice(0, end).trim().split(/\\s+/).filter(Boolean);
    typed = typed.slice(end + 1);
    if (words.length) process.stdout.write((await send(words)) + '\\n');
    prompt();
  }
});
`,
  );
  return { nodeExecutable: process.execPath, cliEntry: script };
}
