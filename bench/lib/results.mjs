// Where every benchmark leaves its figures: bench/results/<name>-<date>.json (the
// whole report) and bench/results/<name>-latest.md (the table the README quotes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const RESULTS = resolve(import.meta.dirname, '..', 'results');

/** Writes the report and its table, and prints the table. `report.date` is an ISO time, `report.seconds` the run's length. */
export function writeResults(name, report, table) {
  mkdirSync(RESULTS, { recursive: true });
  const stamp = report.date.slice(0, 19).replace(/:/g, '-');
  writeFileSync(join(RESULTS, `${name}-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(RESULTS, `${name}-latest.md`), table);
  console.log('\n' + table);
  console.log(`(${report.seconds}s; written bench/results/${name}-${stamp}.json and ${name}-latest.md)`);
}
