// `npm run bench:replication`: replication of the built engine (out/main/engine.js)
// against Debian's redis-server in the same run, each as a master -> replica pair
// started fresh with the same settings (repl-diskless-sync yes and
// repl-diskless-sync-delay 0 on the master, every other setting at its default):
//
//  a) a full sync of N keys (100-byte values): time from REPLICAOF to
//     master_link_status:up on the replica, then DEBUG DIGEST equal on both;
//  b) the longest gap between replies a client issuing GETs back to back on the
//     master sees during that sync (a separate process, so the benchmark's own
//     event loop cannot add to it);
//  c) replication lag under a steady write rate: SETs of existing keys (the data
//     set keeps its size) on the master at a fixed rate, a client on the replica
//     subscribed to the `set` keyevent notification sees each key arrive;
//     lag = arrival - send, both taken on this process's clock.
//
// Writes bench/results/replication-<date>.json and bench/results/replication-latest.md.
//
//   node bench/replication.mjs [--keys 1000000] [--value-size 100] [--rate 20000]
//        [--lag-seconds 10] [--sync-runs 1] [--fill random|populate]
//        [--lag-writes overwrite|new]
//        [--engine out/main/engine.js] [--port-base 7880]
import { fork, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeResults } from './lib/results.mjs';
import { pickPort, resolveServer, sleep, startServer } from '../scripts/conformance/server-process.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const TARGETS = { syncRatio: 2, stallMs: 50, lagP99Ms: 5 };
/** The settings both masters get; the replicas keep every default (repl-diskless-load disabled: to disk, then load). */
const MASTER_OPTIONS = { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': '0' };
const SYNC_TIMEOUT_MS = 180_000;
const STALL_KEY = 'key:1';

// ------------------------------------------------------------ a small RESP client

const INCOMPLETE = Symbol('incomplete');
let parsePos = 0;

/** One RESP2 reply from `buf` at `pos` (advancing parsePos), or INCOMPLETE. Errors come back as Error objects. */
function parseReply(buf, pos) {
  const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
  if (lineEnd === -1) return INCOMPLETE;
  const type = buf[pos];
  const line = buf.toString('latin1', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case 0x2b: // +
      parsePos = next;
      return line;
    case 0x2d: // -
      parsePos = next;
      return new Error(line);
    case 0x3a: // :
      parsePos = next;
      return Number(line);
    case 0x24: {
      // $
      const len = Number(line);
      if (len < 0) {
        parsePos = next;
        return null;
      }
      if (buf.length < next + len + 2) return INCOMPLETE;
      parsePos = next + len + 2;
      return buf.toString('latin1', next, next + len);
    }
    case 0x2a: {
      // *
      const count = Number(line);
      if (count < 0) {
        parsePos = next;
        return null;
      }
      const items = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item);
        at = parsePos;
      }
      parsePos = at;
      return items;
    }
    default:
      throw new Error(`unexpected reply byte ${type} (${JSON.stringify(buf.toString('latin1', pos, pos + 40))})`);
  }
}

function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

/**
 * Replies are matched to requests in order: each pending entry takes `count`
 * replies, calling `each(reply)` for every one and `done()` after the last.
 * In subscribe mode, `message` pushes go to `onMessage(channel, payload)` instead.
 */
class RespClient {
  static connect(port) {
    return new Promise((resolvePromise, reject) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolvePromise(new RespClient(socket));
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.input = Buffer.alloc(0);
    this.pending = [];
    this.head = 0;
    this.onMessage = undefined;
    this.failure = undefined;
    socket.on('data', (chunk) => this.received(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  received(chunk) {
    const buf = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    let pos = 0;
    while (pos < buf.length) {
      const reply = parseReply(buf, pos);
      if (reply === INCOMPLETE) break;
      pos = parsePos;
      if (this.onMessage && Array.isArray(reply) && reply[0] === 'message') {
        this.onMessage(reply[1], reply[2]);
        continue;
      }
      const entry = this.pending[this.head];
      if (!entry) continue;
      entry.each?.(reply);
      if (--entry.count === 0) {
        this.pending[this.head++] = undefined;
        if (this.head > 1024 && this.head * 2 > this.pending.length) {
          this.pending = this.pending.slice(this.head);
          this.head = 0;
        }
        entry.done();
      }
    }
    this.input = pos < buf.length ? buf.subarray(pos) : Buffer.alloc(0);
  }

  fail(err) {
    if (this.failure) return;
    this.failure = err;
    for (let i = this.head; i < this.pending.length; i++) this.pending[i]?.fail(err);
    this.pending = [];
    this.head = 0;
  }

  /** Sends raw RESP holding `count` commands; `each` sees every reply. Resolves after the last. */
  pipeline(payload, count, each) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolvePromise, reject) => {
      this.pending.push({ count, each, done: resolvePromise, fail: reject });
      this.socket.write(payload, 'latin1');
    });
  }

  /** One command; resolves with its reply, rejects on an error reply. */
  async call(...args) {
    let reply;
    await this.pipeline(encode(args), 1, (r) => (reply = r));
    if (reply instanceof Error) throw new Error(`${args[0]}: ${reply.message}`);
    return reply;
  }

  close() {
    this.onMessage = undefined;
    this.socket.destroy();
  }
}

async function withClient(port, fn) {
  const client = await RespClient.connect(port);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

function infoField(info, name) {
  return new RegExp(`^${name}:(.*?)\\r?$`, 'm').exec(info)?.[1];
}

// ------------------------------------------------------------ the stall probe (a child process)

/**
 * `--stall-probe <port>`: GETs back to back on the master. 'start' resets the
 * record, 'stop' sends back the longest gap between two replies since 'start'.
 */
async function stallProbe(port) {
  const client = await RespClient.connect(port);
  const request = encode(['GET', STALL_KEY]);
  let measuring = false;
  let stop = false;
  let startedAt = 0;
  let last = 0;
  let maxGap = 0;
  let maxGapAt = 0;
  let replies = 0;
  let over10 = 0;
  let over50 = 0;
  let longGaps = [];
  process.on('message', (message) => {
    if (message === 'start') {
      measuring = true;
      startedAt = last = performance.now();
      maxGap = maxGapAt = replies = over10 = over50 = 0;
      longGaps = [];
    } else if (message === 'stop') {
      stop = true;
    }
  });
  process.send('ready');
  while (!stop) {
    await client.pipeline(request, 1);
    const now = performance.now();
    if (measuring) {
      const gap = now - last;
      replies++;
      if (gap > 10) {
        over10++;
        if (longGaps.length < 200) longGaps.push([Math.round(now - startedAt), round(gap, 1)]);
      }
      if (gap > 50) over50++;
      if (gap > maxGap) {
        maxGap = gap;
        maxGapAt = now - startedAt;
      }
    }
    last = now;
  }
  client.close();
  const result = { maxGapMs: round(maxGap, 2), maxGapAtMs: Math.round(maxGapAt), replies, over10, over50, longGaps };
  process.send(result);
  process.disconnect();
}

function startStallProbe(port) {
  const child = fork(import.meta.filename, ['--stall-probe', String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages = [];
  let waiter;
  child.on('message', (m) => {
    messages.push(m);
    waiter?.();
  });
  const nextMessage = async (timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (messages.length === 0) {
      if (child.exitCode !== null) throw new Error('the stall probe exited');
      if (Date.now() > deadline) throw new Error('the stall probe did not answer');
      await new Promise((r) => {
        waiter = r;
        setTimeout(r, 100);
      });
    }
    return messages.shift();
  };
  return {
    ready: () => nextMessage(10_000),
    start: () => child.send('start'),
    async stop() {
      child.send('stop');
      return nextMessage(SYNC_TIMEOUT_MS);
    },
    kill: () => child.exitCode === null && child.kill('SIGKILL'),
  };
}

// ------------------------------------------------------------ the data set

/** A deterministic pool of random letters and digits: slices of it are values LZF cannot shrink. */
function randomPool(length) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let x = 0x9e3779b9;
  let s = '';
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += alphabet[(x >>> 0) % alphabet.length];
  }
  return s;
}

/** The value of key:<i>: `<i>:` and a slice of the pool, `size` bytes in all. */
function valueFor(i, size, pool) {
  const prefix = `${i}:`;
  const length = size - prefix.length;
  const offset = (i * 7919) % (pool.length - length);
  return prefix + pool.slice(offset, offset + length);
}

const POOL = randomPool(1 << 16);

/** Fills key:0 .. key:N-1 with VALUE_SIZE-byte values, identical on every server. */
async function fill(port, opts) {
  await withClient(port, async (client) => {
    if (opts.fill === 'populate') {
      await client.call('DEBUG', 'POPULATE', String(opts.keys), 'key', String(opts.valueSize));
      return;
    }
    const batch = 5000;
    let errors = 0;
    const each = (reply) => {
      if (reply instanceof Error) errors++;
    };
    let inFlight = [];
    for (let start = 0; start < opts.keys; start += batch) {
      const end = Math.min(opts.keys, start + batch);
      let payload = '';
      for (let i = start; i < end; i++) payload += encode(['SET', `key:${i}`, valueFor(i, opts.valueSize, POOL)]);
      inFlight.push(client.pipeline(payload, end - start, each));
      // Two batches in flight: the server always has work, the socket never holds much.
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await Promise.all(inFlight);
    inFlight = [];
    if (errors > 0) throw new Error(`${errors} SETs failed while filling`);
  });
}

// ------------------------------------------------------------ the measures

/** a) + b): REPLICAOF on the replica, polled until its link is up; the probe runs against the master meanwhile. */
async function measureFullSync(master, replica, label) {
  const probe = startStallProbe(master.port);
  const poller = await RespClient.connect(replica.port);
  try {
    await probe.ready();
    // Let the probe reach its steady pace before the clock starts.
    await sleep(300);
    probe.start();
    const started = performance.now();
    await poller.call('REPLICAOF', '127.0.0.1', String(master.port));
    let polls = 0;
    for (;;) {
      const info = await poller.call('INFO', 'replication');
      polls++;
      if (infoField(info, 'master_link_status') === 'up') break;
      if (performance.now() - started > SYNC_TIMEOUT_MS) {
        throw new Error(`${label}: the replica's link was not up after ${SYNC_TIMEOUT_MS / 1000}s`);
      }
      if (master.exited || replica.exited) throw new Error(`${label}: a server exited during the sync`);
      await sleep(5);
    }
    const seconds = (performance.now() - started) / 1000;
    const stall = await probe.stop();
    const [masterDigest, replicaDigest, masterKeys, replicaKeys] = await Promise.all([
      withClient(master.port, (c) => c.call('DEBUG', 'DIGEST')),
      withClient(replica.port, (c) => c.call('DEBUG', 'DIGEST')),
      withClient(master.port, (c) => c.call('DBSIZE')),
      withClient(replica.port, (c) => c.call('DBSIZE')),
    ]);
    return {
      seconds: round(seconds, 3),
      polls,
      stall,
      digestsEqual: masterDigest === replicaDigest,
      masterDigest,
      replicaDigest,
      masterKeys,
      replicaKeys,
    };
  } finally {
    poller.close();
    probe.kill();
  }
}

/**
 * c): a writer on the master sends, every millisecond, the SETs due at `rate`
 * writes per second since it started (one pipelined write per tick), noting each
 * send time; a subscriber on the replica receives the `set` keyevent for every
 * key as the replica applies it. Only writes after the warm-up count.
 *
 * Write number `seq` sets key:<seq mod keys> (an existing key, a new value of the
 * same size: the data set keeps its size), or lag:<seq> with --lag-writes new.
 * Notifications arrive in stream order, so a key maps back to the first write
 * after the last one seen that targets it.
 */
async function measureLag(master, replica, opts) {
  const total = Math.ceil(opts.rate * (opts.warmupSeconds + opts.lagSeconds));
  const warmup = Math.ceil(opts.rate * opts.warmupSeconds);
  const sentAt = new Float64Array(total);
  const ackAt = new Float64Array(total);
  const seenAt = new Float64Array(total);
  const writer = await RespClient.connect(master.port);
  const subscriber = await RespClient.connect(replica.port);
  try {
    await withClient(replica.port, (c) => c.call('CONFIG', 'SET', 'notify-keyspace-events', 'E$'));
    const overwrite = opts.lagWrites === 'overwrite';
    const keyFor = (seq) => (overwrite ? `key:${seq % opts.keys}` : `lag:${seq}`);
    let received = 0;
    let lastSeen = -1;
    subscriber.onMessage = (_channel, key) => {
      const n = Number(key.slice(4));
      const first = lastSeen + 1;
      const seq = overwrite ? first + ((((n - first) % opts.keys) + opts.keys) % opts.keys) : n;
      if (seq >= 0 && seq < total && seenAt[seq] === 0) {
        lastSeen = seq;
        seenAt[seq] = performance.now();
        received++;
      }
    };
    await subscriber.pipeline(encode(['SUBSCRIBE', '__keyevent@0__:set']), 1);
    let writeErrors = 0;
    let sent = 0;
    let acked = 0;
    const onAck = (reply) => {
      if (reply instanceof Error) writeErrors++;
      ackAt[acked++] = performance.now();
    };
    const began = performance.now();
    await new Promise((resolvePromise) => {
      const tick = () => {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - began) * opts.rate) / 1000));
        if (due > sent) {
          let payload = '';
          for (let seq = sent; seq < due; seq++) {
            payload += encode(['SET', keyFor(seq), valueFor(seq, opts.valueSize, POOL)]);
            sentAt[seq] = now;
          }
          writer.pipeline(payload, due - sent, onAck).catch(() => {});
          sent = due;
        }
        if (sent < total) setTimeout(tick, 1);
        else resolvePromise();
      };
      tick();
    });
    const writeSeconds = (performance.now() - began) / 1000;
    // Stragglers: wait for the last notifications (or give up after 3 s).
    const drainDeadline = performance.now() + 3000;
    while (received < total && performance.now() < drainDeadline) await sleep(10);
    if (writeErrors > 0) throw new Error(`${writeErrors} SETs failed during the lag measure`);
    const lags = [];
    const acks = [];
    let missing = 0;
    for (let seq = warmup; seq < total; seq++) {
      if (seenAt[seq] === 0) missing++;
      else lags.push(seenAt[seq] - sentAt[seq]);
      if (ackAt[seq] !== 0) acks.push(ackAt[seq] - sentAt[seq]);
    }
    const slowest = worstMoments(sentAt, seenAt, ackAt, began, warmup, total);
    lags.sort((a, b) => a - b);
    acks.sort((a, b) => a - b);
    return {
      writes: total - warmup,
      achievedRate: Math.round(total / writeSeconds),
      missing,
      p50: round(percentile(lags, 0.5), 3),
      p99: round(percentile(lags, 0.99), 3),
      p999: round(percentile(lags, 0.999), 3),
      max: round(lags[lags.length - 1] ?? NaN, 3),
      ackP50: round(percentile(acks, 0.5), 3),
      ackP99: round(percentile(acks, 0.99), 3),
      slowest,
    };
  } finally {
    writer.close();
    subscriber.close();
  }
}

/** The five 100 ms windows with the worst lag: when (s after the writer started), lag and master reply time. */
function worstMoments(sentAt, seenAt, ackAt, began, from, to) {
  const windows = new Map();
  for (let seq = from; seq < to; seq++) {
    const at = Math.floor((sentAt[seq] - began) / 100);
    const lag = seenAt[seq] === 0 ? Infinity : seenAt[seq] - sentAt[seq];
    const ack = ackAt[seq] - sentAt[seq];
    const w = windows.get(at) ?? {
      atSeconds: at / 10,
      wallClock: new Date(performance.timeOrigin + began + at * 100).toISOString().slice(11, 23),
      lagMs: 0,
      ackMs: 0,
    };
    w.lagMs = Math.max(w.lagMs, round(lag, 2));
    w.ackMs = Math.max(w.ackMs, round(ack, 2));
    windows.set(at, w);
  }
  return [...windows.values()].sort((a, b) => b.lagMs - a.lagMs).slice(0, 5);
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A fresh master and replica of one kind: fill, full sync(s), then the lag measure. */
async function measurePair(server, opts, ports) {
  const workDir = join(ROOT, '.cache/bench-replication', server.kind);
  rmSync(workDir, { recursive: true, force: true });
  const handles = [];
  const startReplica = async (run) => {
    const handle = await startServer(server, { port: ports.replica, workDir: join(workDir, `replica-${run}`) });
    handles.push(handle);
    return handle;
  };
  try {
    const master = await startServer(server, {
      port: ports.master,
      workDir: join(workDir, 'master'),
      extraOptions: MASTER_OPTIONS,
    });
    handles.push(master);
    process.stdout.write(`  ${server.label}: filling ${opts.keys} keys (${opts.fill}) ...\n`);
    const fillStarted = Date.now();
    await fill(master.port, opts);
    const fillSeconds = (Date.now() - fillStarted) / 1000;
    const syncs = [];
    let replica;
    for (let run = 0; run < opts.syncRuns; run++) {
      if (replica) await replica.stop();
      replica = await startReplica(run);
      // Let the master's memory settle after the fill or the previous sync.
      await sleep(1500);
      process.stdout.write(`  ${server.label}: full sync ${run + 1}/${opts.syncRuns} ...`);
      const sync = await measureFullSync(master, replica, server.label);
      process.stdout.write(
        ` ${sync.seconds}s, longest GET gap ${sync.stall.maxGapMs} ms, digests ${sync.digestsEqual ? 'equal' : 'DIFFER'}\n`,
      );
      syncs.push(sync);
    }
    // The link may have been re-established since (a reconnect): the lag is measured on a live link.
    await waitForLink(replica.port, server.label);
    process.stdout.write(`  ${server.label}: lag at ${opts.rate} writes/s for ${opts.lagSeconds}s ...`);
    const lag = await measureLag(master, replica, opts);
    process.stdout.write(` p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms\n`);
    return { fillSeconds, syncs, lag, sync: summariseSyncs(syncs) };
  } finally {
    for (const handle of handles.reverse()) await handle.stop();
  }
}

async function waitForLink(port, label) {
  await withClient(port, async (client) => {
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while (infoField(await client.call('INFO', 'replication'), 'master_link_status') !== 'up') {
      if (Date.now() > deadline) throw new Error(`${label}: the replica's link is down`);
      await sleep(50);
    }
  });
}

/** Over several runs: the median sync time, the worst stall, every digest check. */
function summariseSyncs(syncs) {
  const times = syncs.map((s) => s.seconds).sort((a, b) => a - b);
  return {
    seconds: times[Math.floor((times.length - 1) / 2)],
    maxGapMs: Math.max(...syncs.map((s) => s.stall.maxGapMs)),
    digestsEqual: syncs.every((s) => s.digestsEqual && s.masterKeys === s.replicaKeys),
  };
}

// ------------------------------------------------------------ the report

const ratio = (a, b) => (b ? Math.round((a / b) * 100) / 100 : 0);
const verdict = (ok) => (ok ? 'pass' : 'FAIL');

function markdown(report) {
  const { engine, redis, settings: s } = report;
  const syncRatio = ratio(engine.sync.seconds, redis.sync.seconds);
  const runs = s.syncRuns > 1 ? ` (median of ${s.syncRuns})` : '';
  const lines = [
    `# Replication benchmark (${report.date})`,
    '',
    `Engine \`${report.engineEntry}\` vs ${report.redisVersion}, each as a fresh master -> replica pair on ` +
      `127.0.0.1, same run, same machine (${report.machine}). Both masters: \`repl-diskless-sync yes\`, ` +
      '`repl-diskless-sync-delay 0`; every other setting at its default (replicas: `repl-diskless-load disabled`). ' +
      `${s.keys} keys of ${s.valueSize}-byte values (${s.fill === 'random' ? 'random letters, not compressible' : 'DEBUG POPULATE'}). ` +
      `Lag: ${s.lagSeconds}s of SETs at ${s.rate}/s after ${s.warmupSeconds}s of warm-up, ` +
      `${s.lagWrites === 'overwrite' ? 'overwriting existing keys' : 'each creating a new key'}, seen through the replica's \`set\` keyevent.`,
    '',
    '| metric | redis-server | engine | ratio | target | result |',
    '|---|--:|--:|--:|---|---|',
    `| full sync, REPLICAOF -> master_link_status:up (s)${runs} | ${redis.sync.seconds} | ${engine.sync.seconds} | ` +
      `${syncRatio} | <= ${TARGETS.syncRatio}x redis-server | ${verdict(syncRatio <= TARGETS.syncRatio && engine.sync.digestsEqual)} |`,
    `| DEBUG DIGEST master = replica after the sync | ${redis.sync.digestsEqual ? 'yes' : 'NO'} | ` +
      `${engine.sync.digestsEqual ? 'yes' : 'NO'} | | equal | ${verdict(engine.sync.digestsEqual)} |`,
    `| longest gap between GET replies on the master during the sync (ms) | ${redis.sync.maxGapMs} | ` +
      `${engine.sync.maxGapMs} | ${ratio(engine.sync.maxGapMs, redis.sync.maxGapMs)} | < ${TARGETS.stallMs} ms | ` +
      `${verdict(engine.sync.maxGapMs < TARGETS.stallMs)} |`,
    `| replication lag p99 at ${s.rate} writes/s (ms) | ${redis.lag.p99} | ${engine.lag.p99} | ` +
      `${ratio(engine.lag.p99, redis.lag.p99)} | < ${TARGETS.lagP99Ms} ms | ` +
      `${verdict(engine.lag.p99 < TARGETS.lagP99Ms && engine.lag.missing === 0)} |`,
    '',
    'Details:',
    '',
    '| measure | redis-server | engine |',
    '|---|--:|--:|',
    `| sync times, each run (s) | ${redis.syncs.map((x) => x.seconds).join(', ')} | ${engine.syncs.map((x) => x.seconds).join(', ')} |`,
    `| GET replies during the sync(s) | ${redis.syncs.map((x) => x.stall.replies).join(', ')} | ${engine.syncs.map((x) => x.stall.replies).join(', ')} |`,
    `| GET gaps > 10 ms / > 50 ms | ${gapCounts(redis)} | ${gapCounts(engine)} |`,
    `| lag p50 / p99.9 / max (ms) | ${redis.lag.p50} / ${redis.lag.p999} / ${redis.lag.max} | ${engine.lag.p50} / ${engine.lag.p999} / ${engine.lag.max} |`,
    `| master's own reply to SET, p50 / p99 (ms) | ${redis.lag.ackP50} / ${redis.lag.ackP99} | ${engine.lag.ackP50} / ${engine.lag.ackP99} |`,
    `| writes measured (rate achieved), missing | ${redis.lag.writes} (${redis.lag.achievedRate}/s), ${redis.lag.missing} | ${engine.lag.writes} (${engine.lag.achievedRate}/s), ${engine.lag.missing} |`,
    `| keys on master / replica | ${redis.syncs[0].masterKeys} / ${redis.syncs[0].replicaKeys} | ${engine.syncs[0].masterKeys} / ${engine.syncs[0].replicaKeys} |`,
    `| time to fill the master (s) | ${redis.fillSeconds} | ${engine.fillSeconds} |`,
    '',
    `Run: \`node bench/replication.mjs ${report.argv}\` (${report.seconds}s).`,
  ];
  return lines.join('\n') + '\n';
}

function gapCounts(pair) {
  return pair.syncs.map((x) => `${x.stall.over10} / ${x.stall.over50}`).join(', ');
}

// ------------------------------------------------------------ main

async function main() {
  const { values } = parseArgs({
    options: {
      keys: { type: 'string', default: '1000000' },
      'value-size': { type: 'string', default: '100' },
      rate: { type: 'string', default: '20000' },
      'lag-seconds': { type: 'string', default: '10' },
      'warmup-seconds': { type: 'string', default: '2' },
      'sync-runs': { type: 'string', default: '1' },
      fill: { type: 'string', default: 'random' },
      'lag-writes': { type: 'string', default: 'overwrite' },
      engine: { type: 'string', default: join(ROOT, 'out/main/engine.js') },
      'port-base': { type: 'string', default: '7880' },
      // Diagnosis only: measure one pair and write no results.
      only: { type: 'string' },
    },
  });
  const opts = {
    keys: Number(values.keys),
    valueSize: Number(values['value-size']),
    rate: Number(values.rate),
    lagSeconds: Number(values['lag-seconds']),
    warmupSeconds: Number(values['warmup-seconds']),
    syncRuns: Math.max(1, Number(values['sync-runs'])),
    fill: values.fill,
    lagWrites: values['lag-writes'],
  };
  if (opts.lagWrites !== 'overwrite' && opts.lagWrites !== 'new') throw new Error('--lag-writes is overwrite or new');
  if (opts.fill !== 'random' && opts.fill !== 'populate') throw new Error('--fill is random or populate');
  if (opts.valueSize < 16) throw new Error('--value-size must be at least 16');
  const engineServer = resolveServer('engine', resolve(values.engine));
  const redisServer = resolveServer('redis-server');
  const portBase = Number(values['port-base']);
  const ports = { master: await pickPort(portBase, 50), replica: await pickPort(portBase, 50) };
  const started = Date.now();
  console.log(`Replication benchmark: masters on port ${ports.master}, replicas on port ${ports.replica} ...`);
  if (values.only) {
    if (values.only !== 'engine' && values.only !== 'redis-server') throw new Error('--only is engine or redis-server');
    const pair = await measurePair(values.only === 'engine' ? engineServer : redisServer, opts, ports);
    console.log(JSON.stringify(pair, null, 2));
    return;
  }
  const redis = await measurePair(redisServer, opts, ports);
  const engine = await measurePair(engineServer, opts, ports);
  const date = new Date().toISOString();
  const report = {
    date,
    argv: process.argv.slice(2).join(' '),
    engineEntry: engineServer.entry.replace(ROOT + '/', ''),
    redisVersion: spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim().split(' sha=')[0],
    machine: `${(await import('node:os')).cpus().length} cores, node ${process.version}`,
    settings: { ...opts, masterOptions: MASTER_OPTIONS },
    targets: TARGETS,
    redis,
    engine,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeResults('replication', report, markdown(report));
}

if (process.argv[2] === '--stall-probe') {
  stallProbe(Number(process.argv[3])).catch((err) => {
    console.error(`stall probe: ${err.message}`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  });
}
