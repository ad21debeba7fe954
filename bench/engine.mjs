// `npm run bench`: the built engine (out/main/engine.js) against Debian's
// redis-server in the same run: redis-benchmark throughput without pipelining and
// with -P 16, idle RSS after start, and RSS holding 1 million small string keys.
// Writes bench/results/engine-<date>.json and bench/results/engine-latest.md.
//
//   node bench/engine.mjs [--requests 200000] [--clients 50] [--keys 1000000]
//        [--engine out/main/engine.js] [--port-base 7850]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeResults } from './lib/results.mjs';
import {
  pickPort,
  requireCommand,
  residentBytes,
  resolveServer,
  sleep,
  startServer,
} from '../scripts/conformance/server-process.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const TESTS = 'set,get,incr,lpush,lpop,sadd,hset,zadd,mset';
const TARGETS = { plain: 0.8, pipelined: 0.5, idleRssMb: 60, millionKeysRssRatio: 3 };

const { values: opts } = parseArgs({
  options: {
    requests: { type: 'string', default: '200000' },
    clients: { type: 'string', default: '50' },
    keys: { type: 'string', default: '1000000' },
    engine: { type: 'string', default: join(ROOT, 'out/main/engine.js') },
    'port-base': { type: 'string', default: '7850' },
  },
});
const REQUESTS = Number(opts.requests);
const CLIENTS = Number(opts.clients);
const KEYS = Number(opts.keys);

/** One redis-benchmark run; returns { TEST: requests per second }. */
function benchmark(port, pipeline, requests = REQUESTS) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', String(CLIENTS), '-n', String(requests), '-q'];
  args.push('-t', TESTS, '--csv', '-P', String(pipeline));
  const result = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 10 * 60_000 });
  if (result.status !== 0) throw new Error(`redis-benchmark failed: ${result.stderr || result.error?.message}`);
  const rps = {};
  for (const line of result.stdout.split('\n')) {
    const cells = line.split(',').map((cell) => cell.replace(/^"|"$/g, ''));
    if (cells.length < 2 || cells[0] === 'test' || Number.isNaN(Number(cells[1]))) continue;
    rps[cells[0]] = Number(cells[1]);
  }
  if (Object.keys(rps).length === 0) throw new Error(`no results from redis-benchmark:\n${result.stdout}`);
  return rps;
}

/** Sends raw RESP commands, pipelined, and resolves with the concatenated replies once `replies` have arrived. */
function pipelined(port, payload, replies) {
  return new Promise((resolvePromise, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let text = '';
    let seen = 0;
    socket.on('data', (chunk) => {
      const s = chunk.toString('latin1');
      text += s;
      seen += s.split('\r\n').length - 1;
      if (seen >= replies) {
        socket.destroy();
        resolvePromise(text);
      }
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(payload));
  });
}

function command(...args) {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Fills `count` keys "key:N" = "value:N" (DEBUG POPULATE's shape) with pipelined SETs. */
async function loadKeys(port, count) {
  const batch = 10_000;
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    let payload = '';
    for (let i = start; i < end; i++) payload += command('SET', `key:${i}`, `value:${i}`);
    await pipelined(port, payload, end - start);
  }
}

async function supportsPopulate(port) {
  const reply = await pipelined(port, command('DEBUG', 'POPULATE', '1', 'probe:'), 1);
  await pipelined(port, command('FLUSHALL'), 1);
  return reply.startsWith('+OK');
}

async function dbsize(port) {
  const reply = await pipelined(port, command('DBSIZE'), 1);
  return Number(/^:(\d+)/.exec(reply)?.[1] ?? -1);
}

/** RSS after the process settled (the engine's GC may need a moment after a big load). */
async function settledRss(pid) {
  await sleep(1500);
  return residentBytes(pid);
}

async function measure(server, port, fillMethod) {
  const workDir = join(ROOT, '.cache/bench', server.kind);
  rmSync(workDir, { recursive: true, force: true });
  const handle = await startServer(server, { port, workDir });
  try {
    const idleRss = await settledRss(handle.pid);
    // A short discarded pass first: the engine's JIT would otherwise penalise the first tests.
    process.stdout.write(`  ${server.label}: warm-up ...\n`);
    benchmark(port, 1, Math.max(1000, Math.round(REQUESTS / 10)));
    await pipelined(port, command('FLUSHALL'), 1);
    process.stdout.write(`  ${server.label}: benchmark without pipelining ...\n`);
    const plain = benchmark(port, 1);
    process.stdout.write(`  ${server.label}: benchmark with -P 16 ...\n`);
    const pipelinedRps = benchmark(port, 16);
    await pipelined(port, command('FLUSHALL'), 1);
    const emptyRss = await settledRss(handle.pid);
    const method = fillMethod ?? ((await supportsPopulate(port)) ? 'DEBUG POPULATE' : 'pipelined SET');
    process.stdout.write(`  ${server.label}: loading ${KEYS} keys (${method}) ...\n`);
    const loadStarted = Date.now();
    if (method === 'DEBUG POPULATE') await pipelined(port, command('DEBUG', 'POPULATE', String(KEYS)), 1);
    else await loadKeys(port, KEYS);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const keys = await dbsize(port);
    const loadedRss = await settledRss(handle.pid);
    return { plain, pipelined: pipelinedRps, idleRss, emptyRss, loadedRss, keys, method, loadSeconds };
  } finally {
    await handle.stop();
  }
}

const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
const ratio = (a, b) => (b ? Math.round((a / b) * 100) / 100 : 0);
const perKey = (m) => Math.round((m.loadedRss - m.emptyRss) / Math.max(1, m.keys));
const verdict = (ok) => (ok ? 'yes' : 'NO');

function markdown(report) {
  const { engine, redis } = report;
  const lines = [
    `# Engine benchmark (${report.date})`,
    '',
    `redis-benchmark -c ${CLIENTS} -n ${REQUESTS}, requests per second; engine \`${report.engineEntry}\` ` +
      `vs ${report.redisVersion}, same machine, same run (${report.machine}).`,
    '',
    '| test | engine | redis-server | ratio | engine -P 16 | redis-server -P 16 | ratio -P 16 |',
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const test of Object.keys(redis.plain)) {
    lines.push(
      `| ${test} | ${Math.round(engine.plain[test] ?? 0)} | ${Math.round(redis.plain[test])} | ` +
        `${ratio(engine.plain[test] ?? 0, redis.plain[test])} | ${Math.round(engine.pipelined[test] ?? 0)} | ` +
        `${Math.round(redis.pipelined[test] ?? 0)} | ${ratio(engine.pipelined[test] ?? 0, redis.pipelined[test])} |`,
    );
  }
  const s = report.summary;
  lines.push(
    '',
    '| measure | engine | redis-server | ratio | target | met |',
    '|---|--:|--:|--:|---|---|',
    `| requests/s, no pipelining (geometric mean) | ${s.plainEngine} | ${s.plainRedis} | ${s.plainRatio} | >= ${TARGETS.plain}x | ${verdict(s.plainRatio >= TARGETS.plain)} |`,
    `| requests/s, -P 16 (geometric mean) | ${s.pipelinedEngine} | ${s.pipelinedRedis} | ${s.pipelinedRatio} | >= ${TARGETS.pipelined}x | ${verdict(s.pipelinedRatio >= TARGETS.pipelined)} |`,
    `| idle RSS after start (MB) | ${mb(engine.idleRss)} | ${mb(redis.idleRss)} | ${ratio(engine.idleRss, redis.idleRss)} | < ${TARGETS.idleRssMb} MB | ${verdict(mb(engine.idleRss) < TARGETS.idleRssMb)} |`,
    `| RSS with ${KEYS} keys (MB) | ${mb(engine.loadedRss)} | ${mb(redis.loadedRss)} | ${s.millionKeysRatio} | < ${TARGETS.millionKeysRssRatio}x | ${verdict(s.millionKeysRatio < TARGETS.millionKeysRssRatio)} |`,
    '',
    `Per key: engine ${perKey(engine)} bytes, redis-server ${perKey(redis)} bytes (RSS growth / keys). ` +
      `Keys loaded with ${engine.method} (engine: ${engine.keys} keys in ${engine.loadSeconds}s, ` +
      `redis-server: ${redis.keys} keys in ${redis.loadSeconds}s).`,
  );
  return lines.join('\n') + '\n';
}

function geometricMean(values) {
  const list = values.filter((v) => v > 0);
  return list.length ? Math.exp(list.reduce((sum, v) => sum + Math.log(v), 0) / list.length) : 0;
}

async function main() {
  requireCommand('redis-benchmark', "Install Debian's redis-tools.");
  const engineServer = resolveServer('engine', resolve(opts.engine));
  const redisServer = resolveServer('redis-server');
  const portBase = Number(opts['port-base']);
  const enginePort = await pickPort(portBase, 25);
  const redisPort = await pickPort(portBase, 25);
  const started = Date.now();
  console.log(`Benchmarking the engine (port ${enginePort}) and redis-server (port ${redisPort}) ...`);
  const redis = await measure(redisServer, redisPort);
  // Both servers are filled the same way, so the RSS comparison is like for like.
  const engine = await measure(engineServer, enginePort);
  if (engine.method !== redis.method) {
    const again = await measure(redisServer, redisPort, engine.method);
    redis.loadedRss = again.loadedRss;
    redis.keys = again.keys;
    redis.method = again.method;
    redis.loadSeconds = again.loadSeconds;
  }
  const tests = Object.keys(redis.plain);
  const summary = {
    plainEngine: Math.round(geometricMean(tests.map((t) => engine.plain[t] ?? 0))),
    plainRedis: Math.round(geometricMean(tests.map((t) => redis.plain[t]))),
    pipelinedEngine: Math.round(geometricMean(tests.map((t) => engine.pipelined[t] ?? 0))),
    pipelinedRedis: Math.round(geometricMean(tests.map((t) => redis.pipelined[t]))),
  };
  summary.plainRatio = ratio(summary.plainEngine, summary.plainRedis);
  summary.pipelinedRatio = ratio(summary.pipelinedEngine, summary.pipelinedRedis);
  summary.millionKeysRatio = ratio(engine.loadedRss, redis.loadedRss);
  const date = new Date().toISOString();
  const report = {
    date,
    engineEntry: engineServer.entry.replace(ROOT + '/', ''),
    redisVersion: spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' sha=')[0],
    machine: `${(await import('node:os')).cpus().length} cores, node ${process.version}`,
    settings: { requests: REQUESTS, clients: CLIENTS, keys: KEYS, tests: TESTS },
    targets: TARGETS,
    engine,
    redis,
    summary,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeResults('engine', report, markdown(report));
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
