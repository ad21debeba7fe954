// `npm run bench:lab`: the lab as a user drives it, through the built web host
// (out/main/web.js) and its WebSocket contract, on both engines in one run:
//   - "Create the seed topology" (1 master, 2 replicas) until every link is up;
//   - 1 master + 20 replicas until every link is up;
//   - resident memory of the host and of each node (VmRSS from /proc).
// The renderer's frame times with 100 cards updating every second are measured by
// bench/lab-renderer.mjs (it needs Chromium). Writes bench/results/lab-latest.md.
//
//   npm run build && node bench/lab.mjs [--replicas 20] [--port-base 24000]
//
// "Link up" is read from the lab's own metrics events (INFO polled every second,
// so a time is rounded up to the next poll, alike for both engines). Both engines run
// with Redis 7.0's defaults, so each full sync waits repl-diskless-sync-delay (5 s)
// for more replicas to join, as a real Redis master does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const ROOT = resolve(import.meta.dirname, '..');
const { values: opts } = parseArgs({
  options: {
    replicas: { type: 'string', default: '20' },
    'port-base': { type: 'string', default: '24000' },
  },
});
const REPLICAS = Number(opts.replicas);

function residentMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** A web host on a fresh workspace, with a client that sends requests and collects events. */
async function openHost(basePort) {
  const workspace = mkdtempSync(join(tmpdir(), 'replica-lab-bench-'));
  const child = spawn(
    process.execPath,
    [join(ROOT, 'out/main/web.js'), '--port', '0', '--workspace', workspace, '--base-port', String(basePort)],
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
  const socket = new WebSocket(url.replace('http://', 'ws://').replace('/?token=', '/api?token='));
  await new Promise((done, fail) => socket.once('open', done).once('error', fail));
  let nextId = 1;
  const pending = new Map();
  const listeners = new Set();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === 'response') {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error.message));
    } else for (const listener of listeners) listener(message.event, message.data);
  });
  return {
    pid: child.pid,
    request(method, params = {}) {
      const id = nextId++;
      socket.send(JSON.stringify({ type: 'request', id, method, params }));
      return new Promise((resolveReply, reject) => pending.set(id, { resolve: resolveReply, reject }));
    },
    /** Resolves when `count` distinct nodes have reported master_link_status:up. */
    linksUp(count) {
      const up = new Set();
      return new Promise((done) => {
        const listener = (event, data) => {
          if (event !== 'metrics') return;
          for (const [id, metrics] of Object.entries(data)) if (metrics.linkStatus === 'up') up.add(id);
          if (up.size >= count) {
            listeners.delete(listener);
            done();
          }
        };
        listeners.add(listener);
      });
    },
    async close() {
      socket.terminate();
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

async function timed(work) {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

async function measureEngine(engine, basePort) {
  const result = { engine };
  const host = await openHost(basePort);
  try {
    result.seedSeconds = await timed(async () => {
      const up = host.linksUp(2);
      await host.request('topology.seed', { engine });
      await up;
    });
    await host.request('topology.clear');
    result.fanOutSeconds = await timed(async () => {
      const up = host.linksUp(REPLICAS);
      const master = await host.request('node.create', { role: 'master', engine });
      for (let i = 0; i < REPLICAS; i++)
        await host.request('node.create', { role: 'replica', engine, masterId: master.id });
      await up;
    });
    const snapshot = await host.request('lab.snapshot');
    const nodeRss = Object.values(snapshot.nodes).map((node) => residentMb(node.pid));
    result.hostRssMb = residentMb(host.pid);
    result.nodeRssMb = nodeRss.reduce((a, b) => a + b, 0) / nodeRss.length;
    result.nodes = nodeRss.length;
  } finally {
    await host.close();
  }
  return result;
}

const base = Number(opts['port-base']);
const results = [await measureEngine('redis-server', base), await measureEngine('builtin', base + 100)];
const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const [redis, builtin] = results;
const table = [
  '| measure | redis-server | built-in engine |',
  '|---|---|---|',
  `| "Create the seed topology" until both links are up (s) | ${fmt(redis.seedSeconds)} | ${fmt(builtin.seedSeconds)} |`,
  `| 1 master + ${REPLICAS} replicas until all links are up (s) | ${fmt(redis.fanOutSeconds)} | ${fmt(builtin.fanOutSeconds)} |`,
  `| host RSS with ${redis.nodes} nodes (MB) | ${fmt(redis.hostRssMb)} | ${fmt(builtin.hostRssMb)} |`,
  `| RSS per node, mean (MB) | ${fmt(redis.nodeRssMb)} | ${fmt(builtin.nodeRssMb)} |`,
].join('\n');
const text = `# Lab benchmark (${new Date().toISOString().slice(0, 10)})\n\n\`node bench/lab.mjs --replicas ${REPLICAS}\`, through the web host's WebSocket contract.\n\n${table}\n`;
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/lab-latest.md'), text);
process.stdout.write(text);
