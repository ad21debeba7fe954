// `npm run bench:faults`: how long a master's failure costs writers when Sentinel
// fails it over, on the built engine (out/main/engine.js) and on Debian's
// redis-server in the same run. Each run: a fresh master and two replicas, three
// real redis-sentinel processes (quorum 2) watching the master; once every
// Sentinel sees both replicas and the two other Sentinels, the master is killed
// with SIGKILL, and a client tries `SET` on both replicas every 10 ms until one
// accepts it. Measured: kill -9 -> a new master accepting writes, and when the
// first Sentinel published +sdown, +odown and +switch-master.
//
// Two down-after-milliseconds settings: Sentinel's default (30000) and a lab-tuned
// one (1000), failover-timeout 180000 (the default) for both.
//
// Writes bench/results/faults-<date>.json and bench/results/faults-latest.md.
//
//   node bench/faults.mjs [--engine out/main/engine.js] [--tuned-ms 1000] [--tuned-runs 5]
//        [--default-runs 1] [--port-base 23160] [--sentinel redis-sentinel]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeResults } from './lib/results.mjs';
import { pickPort, requireCommand, resolveServer, sleep, startServer } from '../scripts/conformance/server-process.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const DEFAULT_DOWN_AFTER_MS = 30_000;
const FAILOVER_TIMEOUT_MS = 180_000;
const SENTINELS = 3;
const QUORUM = 2;
const WRITE_PROBE_MS = 10;
const NODE_OPTIONS = { 'repl-diskless-sync-delay': '0' };

// ------------------------------------------------------------ a small RESP2 client

/** Parses one reply at `pos`; returns [value, nextPos] or undefined when incomplete. Errors are Error objects. */
function parse(buf, pos) {
  const end = buf.indexOf('\r\n', pos, 'latin1');
  if (end === -1) return undefined;
  const line = buf.toString('latin1', pos + 1, end);
  const next = end + 2;
  switch (buf[pos]) {
    case 0x2b:
      return [line, next];
    case 0x2d:
      return [new Error(line), next];
    case 0x3a:
      return [Number(line), next];
    case 0x24: {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.toString('latin1', next, next + len), next + len + 2];
    }
    case 0x2a: {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, at);
        if (!item) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`unexpected reply byte ${buf[pos]}`);
  }
}

class Client {
  static connect(port, timeoutMs = 1000) {
    return new Promise((done, fail) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      const timer = setTimeout(() => {
        socket.destroy();
        fail(new Error(`connect to ${port}: timeout`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        fail(err);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        done(new Client(socket));
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.input = Buffer.alloc(0);
    this.waiting = [];
    this.onPush = undefined;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
      let pos = 0;
      for (let reply = parse(this.input, pos); reply; reply = parse(this.input, pos)) {
        pos = reply[1];
        const value = reply[0];
        if (this.onPush && Array.isArray(value) && value[0] === 'pmessage') this.onPush(value[2], value[3]);
        else this.waiting.shift()?.resolve(value);
      }
      this.input = this.input.subarray(pos);
    });
    const failAll = () => {
      for (const w of this.waiting.splice(0)) w.reject(new Error('connection closed'));
    };
    socket.on('error', failAll);
    socket.on('close', failAll);
  }

  call(...args) {
    return new Promise((resolveCall, reject) => {
      if (this.socket.destroyed || !this.socket.writable) return reject(new Error('connection closed'));
      this.waiting.push({ resolve: resolveCall, reject });
      let s = `*${args.length}\r\n`;
      for (const a of args) s += `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`;
      this.socket.write(s);
    });
  }

  close() {
    this.socket.destroy();
  }
}

/**
 * Tries one SET at a time on a server, on a kept connection that is opened again
 * when lost (Sentinel's CLIENT KILL TYPE normal closes it during the failover).
 * Any failure, or no answer within 200 ms, counts as "not accepted".
 */
class Writer {
  constructor(port) {
    this.port = port;
    this.client = undefined;
  }

  async set(key, value) {
    try {
      if (!this.client || this.client.socket.destroyed) this.client = await Client.connect(this.port, 200);
      const client = this.client;
      const reply = await Promise.race([client.call('SET', key, value), sleep(200).then(() => 'timeout')]);
      if (reply === 'timeout') {
        client.close();
        this.client = undefined;
      }
      return reply;
    } catch (err) {
      this.client?.close();
      this.client = undefined;
      return err;
    }
  }

  close() {
    this.client?.close();
  }
}

async function command(port, ...args) {
  const client = await Client.connect(port);
  try {
    return await client.call(...args);
  } finally {
    client.close();
  }
}

/** SENTINEL MASTER's flat field list as an object. */
function fields(list) {
  const out = {};
  for (let i = 0; Array.isArray(list) && i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
  return out;
}

// ------------------------------------------------------------ Sentinels

// Sentinels still running, killed if the benchmark exits early (Ctrl-C, an error).
const liveSentinels = new Set();
process.once('exit', () => {
  for (const child of liveSentinels) child.kill('SIGKILL');
});
// Ctrl-C or kill: leave through 'exit', so the servers and Sentinels go too.
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

function startSentinel(binary, { port, dir, masterPort, downAfterMs }) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir "${dir}"`,
      `logfile "${join(dir, 'sentinel.log')}"`,
      `sentinel monitor bench 127.0.0.1 ${masterPort} ${QUORUM}`,
      `sentinel down-after-milliseconds bench ${downAfterMs}`,
      `sentinel failover-timeout bench ${FAILOVER_TIMEOUT_MS}`,
    ].join('\n') + '\n',
  );
  const child = spawn(binary, [conf], { stdio: 'ignore' });
  liveSentinels.add(child);
  const exited = new Promise((done) =>
    child.once('exit', () => {
      liveSentinels.delete(child);
      done();
    }),
  );
  return {
    port,
    log: () => readFileSync(join(dir, 'sentinel.log'), 'utf8'),
    async stop() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// ------------------------------------------------------------ one failover

async function measureFailover(server, sentinelBinary, downAfterMs, ports, workDir) {
  const handles = [];
  const sentinels = [];
  const subscribers = [];
  try {
    const master = await startServer(server, {
      port: ports.nodes[0],
      workDir: join(workDir, 'master'),
      extraOptions: NODE_OPTIONS,
    });
    handles.push(master);
    const replicas = [];
    for (const [index, port] of ports.nodes.slice(1).entries()) {
      const replica = await startServer(server, {
        port,
        workDir: join(workDir, `replica-${index}`),
        extraOptions: NODE_OPTIONS,
      });
      handles.push(replica);
      replicas.push(replica);
      await command(port, 'REPLICAOF', '127.0.0.1', String(master.port));
    }
    for (const replica of replicas) {
      await waitFor(
        'the replicas to sync',
        async () => /master_link_status:up/.test(await command(replica.port, 'INFO', 'replication')),
        20_000,
      );
    }
    await command(master.port, 'SET', 'bench:before', 'kill');
    for (const [index, port] of ports.sentinels.entries()) {
      sentinels.push(
        startSentinel(sentinelBinary, {
          port,
          dir: join(workDir, `sentinel-${index}`),
          masterPort: master.port,
          downAfterMs,
        }),
      );
    }
    await waitFor(
      'every Sentinel to see 2 replicas and 2 other Sentinels',
      async () => {
        for (const sentinel of sentinels) {
          const view = fields(await command(sentinel.port, 'SENTINEL', 'MASTER', 'bench'));
          if (view['num-slaves'] !== '2' || view['num-other-sentinels'] !== '2') return false;
        }
        return true;
      },
      30_000,
    );
    const firstSeen = {};
    for (const sentinel of sentinels) {
      const subscriber = await Client.connect(sentinel.port);
      subscribers.push(subscriber);
      await subscriber.call('PSUBSCRIBE', '*');
      subscriber.onPush = (event, message) => {
        if (!(event in firstSeen) && (event !== '+sdown' || message.startsWith('master '))) {
          firstSeen[event] = performance.now();
        }
      };
    }
    const writers = replicas.map((r) => new Writer(r.port));
    const killedAt = performance.now();
    process.kill(master.pid, 'SIGKILL');
    let acceptedAt;
    let newMaster;
    let attempts = 0;
    const deadline = killedAt + downAfterMs + 60_000;
    while (acceptedAt === undefined) {
      if (performance.now() > deadline) throw new Error('no replica accepted writes within down-after + 60 s');
      await sleep(WRITE_PROBE_MS);
      const replies = await Promise.all(writers.map((w) => w.set('bench:after', 'failover')));
      attempts++;
      const index = replies.findIndex((reply) => reply === 'OK');
      if (index !== -1) {
        acceptedAt = performance.now();
        newMaster = replicas[index].port;
      }
    }
    for (const writer of writers) writer.close();
    // Sentinel announces the switch once the other replica is re-pointed: after writes already work.
    const switchDeadline = performance.now() + 30_000;
    while (!('+switch-master' in firstSeen) && performance.now() < switchDeadline) await sleep(20);
    const since = (event) => (event in firstSeen ? Math.round(firstSeen[event] - killedAt) : null);
    return {
      downAfterMs,
      writableAfterMs: Math.round(acceptedAt - killedAt),
      sdownMs: since('+sdown'),
      odownMs: since('+odown'),
      switchMasterMs: since('+switch-master'),
      newMasterPort: newMaster,
      writeAttempts: attempts,
    };
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    for (const sentinel of sentinels) await sentinel.stop();
    for (const handle of handles.reverse()) await handle.stop();
  }
}

// ------------------------------------------------------------ the report

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function summarise(runs) {
  const pick = (key) => runs.map((r) => r[key]).filter((v) => v !== null);
  return {
    runs: runs.length,
    writableMedianMs: median(pick('writableAfterMs')),
    writableMinMs: Math.min(...pick('writableAfterMs')),
    writableMaxMs: Math.max(...pick('writableAfterMs')),
    sdownMedianMs: median(pick('sdownMs')),
    odownMedianMs: median(pick('odownMs')),
    switchMedianMs: median(pick('switchMasterMs')),
  };
}

const seconds = (ms) => (ms === undefined || ms === null ? '-' : (ms / 1000).toFixed(2));

function markdown(report) {
  const rows = [];
  for (const setting of report.settings.filter((x) => x.runs > 0)) {
    for (const side of ['redis', 'engine']) {
      const s = report.results[setting.label][side];
      const range = s.runs > 1 ? ` (${seconds(s.writableMinMs)}-${seconds(s.writableMaxMs)})` : '';
      rows.push(
        `| ${setting.label}: down-after ${setting.downAfterMs} ms | ${side === 'redis' ? 'redis-server' : 'engine'} | ` +
          `${s.runs} | **${seconds(s.writableMedianMs)}**${range} | ${seconds(s.sdownMedianMs)} | ${seconds(s.odownMedianMs)} | ` +
          `${seconds(s.switchMedianMs)} | ${seconds(s.writableMedianMs - setting.downAfterMs)} |`,
      );
    }
  }
  const ratios = report.settings
    .filter((x) => x.runs > 0)
    .map((setting) => {
      const r = report.results[setting.label];
      return `${setting.label} ${(r.engine.writableMedianMs / r.redis.writableMedianMs).toFixed(2)}x`;
    });
  return (
    [
      `# Failover benchmark (${report.date})`,
      '',
      `Engine \`${report.engineEntry}\` vs ${report.redisVersion}, with ${report.sentinelVersion}, same run, same machine ` +
        `(${report.machine}). Each run: a fresh master and two replicas (\`repl-diskless-sync-delay 0\`), ` +
        `${SENTINELS} Sentinels, quorum ${QUORUM}, failover-timeout ${FAILOVER_TIMEOUT_MS} ms; once every Sentinel sees ` +
        'both replicas and the two other Sentinels, the master is killed with SIGKILL and a client tries `SET` on both ' +
        `replicas every ${WRITE_PROBE_MS} ms until one accepts it. Times are seconds after the kill (median of the runs; ` +
        'range in brackets); Sentinel events are the first Sentinel to publish each.',
      '',
      '| setting | server | runs | kill -9 -> writes accepted (s) | +sdown | +odown | +switch-master | minus down-after (s) |',
      '|---|---|--:|--:|--:|--:|--:|--:|',
      ...rows,
      '',
      `Engine / redis-server, median time to writes: ${ratios.join(', ')}. ` +
        "What remains after down-after is Sentinel's own work (asking the other Sentinels, the leader vote after a " +
        "random delay of up to 1 s, REPLICAOF NO ONE, and seeing the promotion in INFO), not the servers'.",
      '',
      `Run: \`node bench/faults.mjs ${report.argv}\` (${report.seconds}s).`,
    ].join('\n') + '\n'
  );
}

// ------------------------------------------------------------ main

async function main() {
  const { values } = parseArgs({
    options: {
      engine: { type: 'string', default: join(ROOT, 'out/main/engine.js') },
      'tuned-ms': { type: 'string', default: '1000' },
      'tuned-runs': { type: 'string', default: '5' },
      'default-runs': { type: 'string', default: '1' },
      'port-base': { type: 'string', default: '23160' },
      sentinel: { type: 'string' },
    },
  });
  const sentinelBinary =
    values.sentinel ??
    requireCommand('redis-sentinel', "Install Debian's redis-sentinel (apt-get install redis-sentinel).");
  const engineServer = resolveServer('engine', resolve(values.engine));
  const redisServer = resolveServer('redis-server');
  const base = Number(values['port-base']);
  const ports = {
    nodes: [await pickPort(base, 10), await pickPort(base, 10), await pickPort(base, 10)],
    sentinels: [await pickPort(base + 10, 10), await pickPort(base + 10, 10), await pickPort(base + 10, 10)],
  };
  const settings = [
    { label: 'lab-tuned', downAfterMs: Number(values['tuned-ms']), runs: Number(values['tuned-runs']) },
    { label: 'Sentinel default', downAfterMs: DEFAULT_DOWN_AFTER_MS, runs: Number(values['default-runs']) },
  ];
  const started = Date.now();
  const workDir = join(ROOT, '.cache/bench-faults');
  console.log(`Failover benchmark: nodes on ${ports.nodes.join(', ')}, Sentinels on ${ports.sentinels.join(', ')} ...`);
  const results = {};
  const raw = {};
  for (const setting of settings) {
    results[setting.label] = {};
    raw[setting.label] = {};
    for (const [side, server] of [
      ['redis', redisServer],
      ['engine', engineServer],
    ]) {
      const runs = [];
      for (let run = 0; run < setting.runs; run++) {
        process.stdout.write(
          `  ${setting.label} (${setting.downAfterMs} ms), ${server.label}, run ${run + 1}/${setting.runs} ...`,
        );
        const result = await measureFailover(server, sentinelBinary, setting.downAfterMs, ports, join(workDir, side));
        process.stdout.write(
          ` writes after ${result.writableAfterMs} ms (+sdown ${result.sdownMs}, +odown ${result.odownMs}, +switch-master ${result.switchMasterMs})\n`,
        );
        runs.push(result);
      }
      raw[setting.label][side] = runs;
      results[setting.label][side] = summarise(runs);
    }
  }
  const date = new Date().toISOString();
  const report = {
    date,
    argv: process.argv.slice(2).join(' '),
    engineEntry: engineServer.entry.replace(ROOT + '/', ''),
    redisVersion: spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' sha=')[0],
    sentinelVersion: `redis-sentinel ${/v=(\S+)/.exec(spawnSync(sentinelBinary, ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?'}`,
    machine: `${cpus().length} cores, node ${process.version}`,
    settings,
    results,
    raw,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeResults('faults', report, markdown(report));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
