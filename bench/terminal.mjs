// `npm run bench:terminal`: how fast a terminal session streams, and what it costs.
//
//   1. Headless, in Node: the lab's TerminalManager with a consumer that acknowledges each
//      output event on the next turn of the event loop, as xterm's write callback would:
//      a) a producer of N MB of numbered lines in the pty (the pipeline's ceiling);
//      b) Debian's redis-cli typing `KEYS *` over a million keys on the built-in engine,
//         against the same command without a pty (`redis-cli keys '*' > /dev/null`).
//   2. Through the web host (main/web.ts, bundled here from the current sources) into a real
//      xterm.js in Debian's Chromium (playwright-core): the same two streams, MB/s into
//      xterm, the longest long task and the longest gap between frames in the page while
//      it streams, and the host's peak RSS (flow control must keep it bounded).
//
//   node bench/terminal.mjs [--mb 50] [--keys 1000000] [--port-base 22900] [--no-browser]
//
// Writes bench/results/terminal-<date>.json and bench/results/terminal-latest.md.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const WORK = join(ROOT, '.cache', 'bench-terminal');
const CHROMIUM = '/usr/bin/chromium';
const { values: opts } = parseArgs({
  options: {
    mb: { type: 'string', default: '50' },
    keys: { type: 'string', default: '1000000' },
    'port-base': { type: 'string', default: '22900' },
    'no-browser': { type: 'boolean', default: false },
  },
});
const MB = Number(opts.mb);
const LINES = MB * 10_000; // 100-character lines
const KEYS = Number(opts.keys);
const PORT_BASE = Number(opts['port-base']);
const require = createRequire(import.meta.url);

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));
const mbPerSecond = (chars, seconds) => chars / 1e6 / seconds;

function residentMb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** Peak RSS of a process while `work` runs, sampled every 50 ms. */
async function withPeakRss(pid, work) {
  let peak = residentMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, residentMb(pid))), 50);
  try {
    const result = await work();
    return { ...result, peakRssMb: Math.max(peak, residentMb(pid)) };
  } finally {
    clearInterval(timer);
  }
}

/** The manager, the stand-ins, the web host and the engine, bundled from the current sources. */
function build() {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  buildSync({
    entryPoints: {
      'lib/manager': join(ROOT, 'app/lab/terminals/manager.ts'),
      'lib/stand-ins': join(ROOT, 'app/lab/terminals/stand-ins.ts'),
      'host/main/web': join(ROOT, 'main/web.ts'),
      'host/main/engine': join(ROOT, 'app/engine/main.ts'),
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outdir: WORK,
    external: ['node-pty', 'ws', 'esbuild'],
    logLevel: 'warning',
  });
  const { producerHost } = require(join(WORK, 'lib/stand-ins.js'));
  // The web host runs `cli.js` beside it as the built-in CLI: here, the producer.
  copyFileSync(producerHost(WORK, LINES).cliEntry, join(WORK, 'host/main/cli.js'));
  const page = join(WORK, 'host/renderer');
  mkdirSync(page, { recursive: true });
  copyFileSync(join(ROOT, 'node_modules/@xterm/xterm/lib/xterm.js'), join(page, 'xterm.js'));
  copyFileSync(join(ROOT, 'node_modules/@xterm/xterm/css/xterm.css'), join(page, 'xterm.css'));
  copyFileSync(join(ROOT, 'bench/terminal-page.js'), join(page, 'terminal-page.js'));
  writeFileSync(
    join(page, 'index.html'),
    `<!doctype html><html><head><meta charset="utf-8"><title>terminal bench</title>
<link rel="stylesheet" href="/xterm.css"></head>
<body style="margin:0;background:#000"><div id="terminal" style="width:1300px;height:820px"></div>
<script src="/xterm.js"></script><script src="/terminal-page.js"></script></body></html>`,
  );
}

async function startEngine(port) {
  const child = spawn(
    process.execPath,
    [
      join(WORK, 'host/main/engine.js'),
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--enable-debug-command',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.includes('PONG')) break;
    await sleep(100);
  }
  return child;
}

function populate(port) {
  const reply = spawnSync('redis-cli', ['-p', String(port), 'debug', 'populate', String(KEYS)], { encoding: 'utf8' });
  if (!reply.stdout.includes('OK')) throw new Error(`DEBUG POPULATE failed: ${reply.stdout}${reply.stderr}`);
}

/** `KEYS *` without a pty or a terminal: what redis-cli itself takes. */
function keysWithoutPty(port) {
  const started = performance.now();
  const run = spawnSync('sh', ['-c', `redis-cli -p ${port} keys '*' | wc -c`], { encoding: 'utf8' });
  return { seconds: (performance.now() - started) / 1000, bytes: Number(run.stdout.trim()) };
}

/** A headless consumer: acknowledges each event on the next turn, as xterm's write callback. */
async function headless({ cli, node, input, readyText, doneText, expectedChars, cliHost }) {
  const { TerminalManager } = require(join(WORK, 'lib/manager.js'));
  const terminals = new TerminalManager({ cliHost, cwd: WORK });
  try {
    return await withPeakRss(process.pid, async () => {
      let sessionId;
      let drawn = 0;
      let maxUnacknowledged = 0;
      let events = 0;
      let screen = '';
      let started = performance.now();
      let phase = input ? 'waiting-for-prompt' : 'streaming';
      await new Promise((done) => {
        terminals.on('output', ({ data }) => {
          events++;
          maxUnacknowledged = Math.max(maxUnacknowledged, terminals.flowState(sessionId).unacknowledged);
          setImmediate(() => {
            terminals.ack(sessionId, data.length);
            drawn += data.length;
            if (phase === 'waiting-for-prompt') {
              screen += data;
              if (!screen.includes(readyText)) return;
              phase = 'typing';
              // linenoise discards what is typed before it has set raw mode (TCSAFLUSH).
              setTimeout(() => {
                phase = 'streaming';
                screen = '';
                drawn = 0;
                events = 0;
                started = performance.now();
                terminals.input(sessionId, input);
              }, 500);
            } else if (phase === 'typing') {
              return;
            } else if (doneText) {
              screen = (screen + data).slice(-200);
              for (let found; doneText.length > 0 && (found = screen.indexOf(doneText[0])) >= 0;) {
                screen = screen.slice(found + doneText[0].length);
                doneText = doneText.slice(1);
              }
              if (doneText.length === 0) done();
            } else if (drawn >= expectedChars) done();
          });
        });
        sessionId = terminals.open(node, { cli, cols: 160, rows: 48 }).sessionId;
      });
      const seconds = (performance.now() - started) / 1000;
      const { pauses } = terminals.flowState(sessionId);
      return { chars: drawn, seconds, events, pauses, maxUnacknowledged };
    });
  } finally {
    terminals.dispose();
  }
}

async function openWebHost(basePort) {
  const workspace = mkdtempSync(join(tmpdir(), 'replica-lab-bench-terminal-'));
  const child = spawn(
    process.execPath,
    [join(WORK, 'host/main/web.js'), '--port', '0', '--workspace', workspace, '--base-port', String(basePort)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise((resolveUrl, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const match = /http:\/\/\S+/.exec(text);
      if (match) resolveUrl(match[0]);
    });
    child.once('exit', (code) => reject(new Error(`web host exited with ${code}`)));
  });
  return {
    url,
    pid: child.pid,
    async close() {
      child.kill('SIGTERM');
      await new Promise((done) => (child.exitCode !== null ? done() : child.once('exit', done)));
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

async function inBrowser(results) {
  const { chromium } = await import('playwright-core');
  const host = await openWebHost(PORT_BASE + 10);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1320, height: 840 } });
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.goto(host.url);
    await page.waitForFunction(() => 'terminalBench' in globalThis);
    results.browserLocal = await page.evaluate((lines) => globalThis.terminalBench.runLocal(lines), LINES);
    results.browserLocal.peakRssMb = NaN;
    console.log('xterm alone:', summary(results.browserLocal));
    const nodePort = PORT_BASE + 10;
    const { id: nodeId } = await page.evaluate(
      (port) => globalThis.terminalBench.request('node.create', { role: 'master', port }),
      nodePort,
    );
    results.browserProducer = await withPeakRss(host.pid, () =>
      page.evaluate(
        ({ nodeId, expectedChars }) => globalThis.terminalBench.run({ nodeId, cli: 'builtin', expectedChars }),
        { nodeId, expectedChars: LINES * 100 },
      ),
    );
    console.log('xterm, producer:', summary(results.browserProducer));
    populate(nodePort);
    const prompt = `127.0.0.1:${nodePort}> `;
    results.browserKeys = await withPeakRss(host.pid, () =>
      page.evaluate(
        ({ nodeId, prompt, lastIndex }) =>
          globalThis.terminalBench.run({
            nodeId,
            cli: 'redis-cli',
            input: 'keys *\r',
            readyText: prompt,
            doneText: [lastIndex, prompt],
          }),
        { nodeId, prompt, lastIndex: `${KEYS}) "` },
      ),
    );
    console.log('xterm, KEYS *:', summary(results.browserKeys));
    await page.screenshot({ path: join(WORK, 'xterm-after-keys.png') });
  } finally {
    await browser.close();
    await host.close();
  }
}

function summary(run) {
  const parts = [`${(run.chars / 1e6).toFixed(1)} MB in ${run.seconds.toFixed(2)} s`];
  parts.push(`${mbPerSecond(run.chars, run.seconds).toFixed(1)} MB/s`);
  if (run.longestTask !== undefined) {
    parts.push(
      `longest task ${run.longestTask.toFixed(0)} ms`,
      `longest frame gap ${run.longestFrameGap.toFixed(0)} ms`,
    );
  }
  if (run.pauses !== undefined) parts.push(`${run.pauses} pauses`, `max unacknowledged ${run.maxUnacknowledged}`);
  if (Number.isFinite(run.peakRssMb)) parts.push(`peak RSS ${run.peakRssMb.toFixed(0)} MB`);
  return parts.join(', ');
}

build();
const results = { date: new Date().toISOString(), mb: MB, keys: KEYS, cpus: cpus().length };
const { producerHost } = require(join(WORK, 'lib/stand-ins.js'));
const enginePort = PORT_BASE + 1;
const engine = await startEngine(enginePort);
try {
  results.headlessProducer = await headless({
    cli: 'builtin',
    node: { id: 'producer', host: '127.0.0.1', port: enginePort },
    cliHost: producerHost(WORK, LINES),
    expectedChars: LINES * 100,
  });
  console.log('headless, producer:', summary(results.headlessProducer));
  populate(enginePort);
  results.keysWithoutPty = keysWithoutPty(enginePort);
  const prompt = `127.0.0.1:${enginePort}> `;
  results.headlessKeys = await headless({
    cli: 'redis-cli',
    node: { id: 'keys', host: '127.0.0.1', port: enginePort },
    cliHost: producerHost(WORK, 0),
    input: 'keys *\r',
    readyText: prompt,
    // The prompt is redrawn as Enter is pressed: done at the prompt after the last key.
    doneText: [`${KEYS}) "`, prompt],
  });
  console.log('headless, KEYS *:', summary(results.headlessKeys));
  console.log(
    `redis-cli KEYS * without a pty: ${(results.keysWithoutPty.bytes / 1e6).toFixed(1)} MB in ${results.keysWithoutPty.seconds.toFixed(2)} s`,
  );
} finally {
  engine.kill('SIGTERM');
}
if (!opts['no-browser'] && existsSync(CHROMIUM)) await inBrowser(results);

const row = (name, run) =>
  run
    ? `| ${name} | ${(run.chars / 1e6).toFixed(1)} | ${run.seconds.toFixed(2)} | ${mbPerSecond(run.chars, run.seconds).toFixed(1)} | ` +
      `${run.longestTask !== undefined ? run.longestTask.toFixed(0) : '–'} | ` +
      `${run.longestFrameGap !== undefined ? run.longestFrameGap.toFixed(0) : '–'} | ${Number.isFinite(run.peakRssMb) ? run.peakRssMb.toFixed(0) : '–'} |`
    : `| ${name} | not run | | | | | |`;
const table = [
  `Terminal sessions, ${results.date.slice(0, 16).replace('T', ' ')} UTC, ${results.cpus} CPUs.`,
  `Producer: ${MB} MB of numbered 100-character lines; KEYS *: ${KEYS} keys on the built-in engine, Debian redis-cli.`,
  '',
  '| stream | MB | seconds | MB/s | longest long task (ms) | longest frame gap (ms) | peak RSS of the host (MB) |',
  '|---|---|---|---|---|---|---|',
  row('producer → TerminalManager → headless consumer', results.headlessProducer),
  row('redis-cli KEYS * → TerminalManager → headless consumer', results.headlessKeys),
  row('the same lines written by the page into xterm.js (no host)', results.browserLocal),
  row('producer → web host → WebSocket → xterm.js (Chromium)', results.browserProducer),
  row('redis-cli KEYS * → web host → WebSocket → xterm.js (Chromium)', results.browserKeys),
  '',
  `redis-cli KEYS * without a pty or terminal (\`redis-cli keys '*' | wc -c\`, raw output): ` +
    `${(results.keysWithoutPty.bytes / 1e6).toFixed(1)} MB in ${results.keysWithoutPty.seconds.toFixed(2)} s.`,
  `Headless runs: the host is the bench process; flow control paused the pty ` +
    `${results.headlessProducer.pauses} times (producer), at most ${results.headlessProducer.maxUnacknowledged} ` +
    `characters unacknowledged.`,
].join('\n');
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, `bench/results/terminal-${results.date.replace(/[:.]/g, '-').slice(0, 19)}.json`),
  JSON.stringify(results, null, 2),
);
writeFileSync(join(ROOT, 'bench/results/terminal-latest.md'), table + '\n');
console.log('\n' + table);
