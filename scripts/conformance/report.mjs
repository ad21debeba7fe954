// Recorded results (conformance/results.json + results.md), the printed table and
// the floor (conformance/floor.json) that `npm run conformance` must not fall below.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function readJson(path, fallback) {
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : fallback;
}

export function writeJson(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Tests a run did not reach: compared with what the reference reported for the
 * same file when we have it, else (after an abort) the test blocks in the file
 * that never reported.
 */
export function notRunCount(result, reference, testBlocks) {
  const reported = result.ok + result.err;
  if (reference) return Math.max(0, reference.ok + reference.err - reported);
  return result.exception || result.timedOut || result.crashed ? Math.max(0, testBlocks - reported) : 0;
}

function percent(part, whole) {
  return whole ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

function status(r) {
  if (!r) return '';
  if (r.startError) return 'did not start';
  if (r.crashed) return 'server died';
  if (r.killedAfterSeconds) return `killed after ${r.killedAfterSeconds}s`;
  if (r.timedOut) return 'stalled';
  if (r.exception) return 'aborted';
  return '';
}

/** Rows for `files` (in order) plus a total; `side` is 'engine' or 'reference'. */
export function tableRows(results, files, side) {
  const rows = [];
  const total = { ok: 0, err: 0, exception: 0, notRun: 0, refOk: 0, seconds: 0 };
  for (const file of files) {
    const entry = results.files[file] ?? {};
    const r = entry[side];
    const ref = entry.reference;
    if (!r) continue;
    rows.push([
      file,
      r.ok,
      r.err,
      r.exception,
      r.notRun,
      ref ? ref.ok : '?',
      side === 'engine' && ref ? percent(r.ok, ref.ok) : '',
      r.seconds,
      status(r),
    ]);
    total.ok += r.ok;
    total.err += r.err;
    total.exception += r.exception;
    total.notRun += r.notRun;
    total.refOk += ref ? ref.ok : 0;
    total.seconds += r.seconds;
  }
  rows.push([
    'TOTAL',
    total.ok,
    total.err,
    total.exception,
    total.notRun,
    total.refOk,
    side === 'engine' ? percent(total.ok, total.refOk) : '',
    Math.round(total.seconds),
    '',
  ]);
  return { rows, total };
}

const HEADER = ['file', 'ok', 'err', 'exc', 'not run', 'ref ok', 'ok/ref', 'secs', 'note'];

export function formatTextTable(rows) {
  const all = [HEADER, ...rows].map((row) => row.map(String));
  const widths = HEADER.map((_, col) => Math.max(...all.map((row) => row[col].length)));
  const line = (row) =>
    row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(all[0]), rule, ...all.slice(1, -1).map(line), rule, line(all[all.length - 1])].join('\n');
}

/** The human table: engine and reference side by side for every recorded file. */
export function formatMarkdown(results) {
  const files = Object.keys(results.files);
  const out = [
    '# Conformance: Redis 7.0.15 Tcl suite',
    '',
    'Written by `npm run conformance` (engine) and `npm run conformance -- --server redis-server`',
    "(reference: Debian's redis-server 7.0.15 run through the same runner). One fresh server per",
    'file; `./runtest --host --port --single <file> --clients 1` (external mode: tests tagged',
    '`external:skip` do not run), except unit/auth and the integration/ files, which start their',
    'own servers (spawned mode: runtest runs `src/redis-server`, pointed at the engine or at redis-server).',
    'unit/scripting, unit/multi, unit/pubsub and unit/keyspace abort at tests that need streams (XADD/XGROUP), which the engine lacks.',
    '"not run" counts tests the run never reached (after an [exception], a stall or a crash),',
    "measured against the reference's reported tests.",
    '',
    '| file | engine ok | err | exc | not run | reference ok | ref err | ok/ref | note |',
    '|---|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  const total = { ok: 0, err: 0, exception: 0, notRun: 0, refOk: 0, refErr: 0 };
  for (const file of files) {
    const { engine: e, reference: ref } = results.files[file];
    out.push(
      `| ${file} | ${e?.ok ?? ''} | ${e?.err ?? ''} | ${e?.exception ?? ''} | ${e?.notRun ?? ''} | ` +
        `${ref?.ok ?? ''} | ${ref?.err ?? ''} | ${e && ref ? percent(e.ok, ref.ok) : ''} | ${status(e)} |`,
    );
    total.ok += e?.ok ?? 0;
    total.err += e?.err ?? 0;
    total.exception += e?.exception ?? 0;
    total.notRun += e?.notRun ?? 0;
    total.refOk += ref?.ok ?? 0;
    total.refErr += ref?.err ?? 0;
  }
  out.push(
    `| **total** | **${total.ok}** | ${total.err} | ${total.exception} | ${total.notRun} | **${total.refOk}** | ` +
      `${total.refErr} | **${percent(total.ok, total.refOk)}** | |`,
  );
  const dates = files
    .map((f) => results.files[f].engine?.measuredAt)
    .filter(Boolean)
    .sort();
  if (dates.length) out.push('', `Engine last measured ${dates[dates.length - 1]}.`);
  return out.join('\n') + '\n';
}

/**
 * Compares the ok count of the files just run with the floor for those files.
 * Returns { ok, floorSum, okSum, regressions: [{file, floor, ok}] }.
 */
export function checkFloor(floor, results, files) {
  let floorSum = 0;
  let okSum = 0;
  const regressions = [];
  for (const file of files) {
    const want = floor.files?.[file] ?? 0;
    const got = results.files[file]?.engine?.ok ?? 0;
    floorSum += want;
    okSum += got;
    if (got < want) regressions.push({ file, floor: want, ok: got });
  }
  return { ok: okSum >= floorSum, floorSum, okSum, regressions };
}

/** Raises (never lowers) the floor of each file just run to its ok count. */
export function raiseFloor(floor, results, files) {
  const next = { ...floor, files: { ...(floor.files ?? {}) } };
  for (const file of files) {
    const got = results.files[file]?.engine?.ok ?? 0;
    next.files[file] = Math.max(next.files[file] ?? 0, got);
  }
  next.total = Object.values(next.files).reduce((a, b) => a + b, 0);
  return next;
}
