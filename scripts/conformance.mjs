// `npm run conformance`: runs Redis 7.0.15's own Tcl test suite against the built
// engine (out/main/engine.js), one fresh server per file, and fails when the total
// of passing tests falls below conformance/floor.json. See conformance/README.md.
//
//   node scripts/conformance.mjs [--files unit/type/list,unit/expire] [--update-floor]
//        [--server engine|redis-server|<path>] [--engine out/main/engine.js]
//        [--jobs 2] [--timeout 300] [--stall 90] [--no-record]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkFloor,
  formatMarkdown,
  formatTextTable,
  notRunCount,
  raiseFloor,
  readJson,
  tableRows,
  writeJson,
} from './conformance/report.mjs';
import { countTestBlocks, prepareShadowSuite, runTestFile } from './conformance/run-file.mjs';
import { pickPort, requireCommand, resolveServer, startServer } from './conformance/server-process.mjs';
import { ensureTestSuite, REDIS_VERSION } from './conformance/suite-source.mjs';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The files of issues 3 and 4, in the suite's naming. unit/auth's tests are all external:skip,
 * and the integration files start several servers of their own: those run spawned.
 */
const DEFAULT_FILES = [
  'unit/type/string',
  'unit/type/incr',
  'unit/type/list',
  'unit/type/hash',
  'unit/type/set',
  'unit/type/zset',
  'unit/expire',
  'unit/keyspace',
  'unit/multi',
  'unit/pubsub',
  'unit/info-command',
  'unit/protocol',
  'unit/auth',
  'unit/scan',
  'unit/quit',
  'unit/scripting',
  'unit/functions',
  'integration/replication-2',
  'integration/replication-3',
  'integration/replication-4',
  'integration/block-repl',
  'integration/psync2',
  'integration/psync2-reg',
  'integration/psync2-pingoff',
];
const SPAWNED_FILES = new Set([
  'unit/auth',
  'integration/replication-2',
  'integration/replication-3',
  'integration/replication-4',
  'integration/block-repl',
  'integration/replication',
  'integration/replication-psync',
  'integration/psync2',
  'integration/psync2-reg',
  'integration/psync2-pingoff',
]);

// Tests that cannot work in external mode in 7.0.15 and abort the rest of their file
// even against redis-server (they need the server's pid to kill its fork child).
const SKIPPED_TESTS = {
  'unit/type/set': ['SRANDMEMBER with a dict containing long chain'],
};

// Port plan: servers we start for external mode from 21000; worker k gives runtest
// the block 21100+200k (its client port in the first 32, spawned servers in the next 160).
// --port-base B moves the runtest blocks to B+200k, for a second run beside this one
// (runtest's own free-port probe cannot see a port another runtest holds on 127.0.0.1).
const ENGINE_PORTS = { start: 21000, count: 100 };
const RUNTEST_BLOCK_SIZE = 200;

const { values: opts } = parseArgs({
  options: {
    files: { type: 'string' },
    'update-floor': { type: 'boolean', default: false },
    server: { type: 'string', default: 'engine' },
    engine: { type: 'string', default: join(ROOT, 'out/main/engine.js') },
    jobs: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '300' },
    stall: { type: 'string', default: '45' },
    durable: { type: 'boolean', default: false },
    'no-record': { type: 'boolean', default: false },
    'port-base': { type: 'string', default: '21100' },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  console.log(
    [
      'usage: node scripts/conformance.mjs [options]',
      '  --files a,b           run only these suite files (e.g. unit/type/list,unit/expire)',
      '  --update-floor        raise conformance/floor.json to the ok counts of this run',
      '  --server S            engine (default), redis-server, or a path to a redis-server binary',
      '  --engine PATH         the bundled engine to run (default out/main/engine.js)',
      '  --jobs N              files run in parallel (default 2)',
      '  --timeout SECS        hard limit per file (default 300)',
      '  --stall SECS          runtest gives up after this long without progress (default 45)',
      '  --durable             keep going after an [exception] (runtest --durable): shows what lies',
      '                        behind it; implies --no-record and no floor check',
      '  --no-record           do not write conformance/results.*',
      '  --port-base N         runtest port blocks at N+200k for worker k (default 21100); logs go to',
      '                        .cache/conformance/<side>-N, so it can run beside a default run',
    ].join('\n'),
  );
  process.exit(0);
}

const log = (message) => console.log(message);

async function main() {
  const files = opts.files
    ? opts.files.split(',').map((f) =>
        f
          .trim()
          .replace(/\.tcl$/, '')
          .replace(/^tests\//, ''),
      )
    : DEFAULT_FILES;
  const server = resolveServer(opts.server, resolve(opts.engine));
  const side = server.kind === 'engine' ? 'engine' : 'reference';
  requireCommand('tclsh', "Redis's test suite needs Tcl: apt-get install tcl.");
  const suiteDir = ensureTestSuite(join(ROOT, '.cache/redis-src'), log);
  for (const file of files) countTestBlocks(suiteDir, file); // fail fast on a typo

  const resultsPath = join(ROOT, 'conformance/results.json');
  const results = readJson(resultsPath, { files: {} });
  // A run on its own ports also gets its own shadow suites, so the two never share a tests/tmp.
  const portBase = opts['port-base'];
  const runDir = join(ROOT, '.cache/conformance', portBase === '21100' ? side : `${side}-${portBase}`);
  mkdirSync(runDir, { recursive: true });

  // Longest files first (by the last recorded run), so the parallel workers finish together.
  const queue = [...files].sort(
    (a, b) => (results.files[b]?.[side]?.seconds ?? 0) - (results.files[a]?.[side]?.seconds ?? 0),
  );
  const jobs = Math.max(1, Math.min(Number(opts.jobs) || 1, queue.length));
  log(
    `Running ${files.length} file(s) of Redis ${REDIS_VERSION}'s suite against ${server.label}, ${jobs} at a time ...`,
  );
  const started = Date.now();
  const measured = {};
  await Promise.all(
    Array.from({ length: jobs }, async (_, worker) => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        measured[file] = await runOne({ file, server, suiteDir, runDir, worker });
        const r = measured[file];
        log(
          `  ${file}: ok ${r.ok}, err ${r.err}, exception ${r.exception}` +
            `${r.startError ? ' (server did not start)' : ''}${r.crashed ? ' (server died)' : ''} in ${r.seconds}s`,
        );
      }
    }),
  );

  for (const file of files) {
    const entry = (results.files[file] ??= {});
    const testBlocks = countTestBlocks(suiteDir, file);
    const r = measured[file];
    const reference = side === 'engine' ? entry.reference : undefined;
    entry.mode = SPAWNED_FILES.has(file) ? 'spawned' : 'external';
    entry.testBlocks = testBlocks;
    entry[side] = { ...r, notRun: notRunCount(r, reference, testBlocks), measuredAt: new Date().toISOString() };
  }
  // Keep the files in the order, with any extra files after them.
  const order = [...DEFAULT_FILES, ...Object.keys(results.files).filter((f) => !DEFAULT_FILES.includes(f))];
  results.files = Object.fromEntries(order.filter((f) => results.files[f]).map((f) => [f, results.files[f]]));
  results.suite = `Redis ${REDIS_VERSION} Tcl test suite (apt-get source redis), runtest --single <file> --clients 1`;

  const { rows } = tableRows(results, files, side);
  log('');
  log(formatTextTable(rows));
  log(`(${Math.round((Date.now() - started) / 1000)}s wall; logs in ${runDir})`);
  printFailures(files, measured);

  if (opts.durable) {
    log('\n--durable: exceptions did not abort the files; nothing recorded, no floor check.');
    return 0;
  }
  if (!opts['no-record']) {
    writeJson(resultsPath, results);
    writeFileSync(join(ROOT, 'conformance/results.md'), formatMarkdown(results));
  }
  if (side !== 'engine') return 0;

  const floorPath = join(ROOT, 'conformance/floor.json');
  let floor = readJson(floorPath, {
    note: 'Minimum passing Tcl tests per file; raise with --update-floor.',
    files: {},
    total: 0,
  });
  if (opts['update-floor']) {
    floor = raiseFloor(floor, results, files);
    writeJson(floorPath, floor);
    log(`Floor raised: ${floorPath} total ${floor.total}.`);
  }
  const verdict = checkFloor(floor, results, files);
  for (const { file, floor: want, ok } of verdict.regressions) {
    log(`  below floor: ${file} ok ${ok} < ${want}`);
  }
  if (!verdict.ok) {
    console.error(
      `\nCONFORMANCE FAILED: ${verdict.okSum} tests ok, floor is ${verdict.floorSum} (conformance/floor.json).`,
    );
    return 1;
  }
  log(`\nConformance OK: ${verdict.okSum} tests ok (floor ${verdict.floorSum}).`);
  return 0;
}

/** One file against one fresh server; never throws (a server that fails to start counts as 0 ok). */
async function runOne({ file, server, suiteDir, runDir, worker }) {
  const slug = file.replace(/\//g, '_');
  const fileDir = join(runDir, slug);
  const shadowDir = join(fileDir, 'suite');
  prepareShadowSuite(suiteDir, shadowDir, server);
  const common = {
    shadowDir,
    file,
    portBlock: Number(opts['port-base']) + RUNTEST_BLOCK_SIZE * worker,
    timeoutSeconds: Number(opts.timeout),
    stallSeconds: Number(opts.stall),
    logPath: join(fileDir, 'runtest.log'),
    skipTests: SKIPPED_TESTS[file] ?? [],
    durable: opts.durable,
  };
  if (SPAWNED_FILES.has(file)) return runTestFile({ ...common, target: { spawned: true } });

  let handle;
  try {
    const port = await pickPort(ENGINE_PORTS.start, ENGINE_PORTS.count);
    handle = await startServer(server, { port, workDir: join(fileDir, 'server') });
  } catch (err) {
    return emptyResult({ startError: err.message });
  }
  try {
    const result = await runTestFile({ ...common, target: { port: handle.port } });
    if (handle.exited) {
      result.crashed = true;
      result.exceptionText =
        `${result.exceptionText}\nserver exited (${handle.exitCode}); log tail:\n${handle.logTail(15)}`.trim();
    }
    return result;
  } finally {
    await handle.stop();
  }
}

function emptyResult(extra) {
  return {
    ok: 0,
    err: 0,
    exception: 0,
    ignored: 0,
    timedOut: false,
    failures: [],
    exceptionText: '',
    seconds: 0,
    ...extra,
  };
}

function printFailures(files, measured) {
  for (const file of files) {
    const r = measured[file];
    const why = r.startError ?? r.exceptionText;
    if (!why) continue;
    log(`\n--- ${file}: ${why.split('\n').slice(0, 8).join('\n    ')}`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`\nconformance: ${err.message}`);
    process.exit(2);
  },
);
