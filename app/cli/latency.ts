/** --latency and --latency-history: PING round trips, as redis-cli's latencyMode() reports them. */
import { writeOut } from './output.js';
import { reconnectingCommand } from './modes.js';
import type { CliSession } from './session.js';
import { sleep } from './session.js';

const SAMPLE_EVERY_MS = 10;
const HISTORY_DEFAULT_MS = 15_000;

export function latencyText(
  mode: 'standard' | 'raw' | 'csv',
  min: number,
  max: number,
  avg: number,
  count: number,
): string {
  if (mode === 'standard') return `min: ${min}, max: ${max}, avg: ${avg.toFixed(2)} (${count} samples)`;
  if (mode === 'csv') return `${min},${max},${avg.toFixed(2)},${count}\n`;
  return `${min} ${max} ${avg.toFixed(2)} ${count}\n`;
}

export async function latencyMode(session: CliSession): Promise<never> {
  const { output, intervalMicros, latencyHistory } = session.config;
  const historyInterval = intervalMicros ? intervalMicros / 1000 : HISTORY_DEFAULT_MS;
  // Without a terminal, sample for one interval (default 1 s) and report once.
  const reportAfter = intervalMicros ? intervalMicros / 1000 : 1000;
  let min = 0;
  let max = 0;
  let total = 0;
  let count = 0;
  let historyStart = Date.now();
  for (;;) {
    const start = Date.now();
    await reconnectingCommand(session, ['PING']);
    const latency = Date.now() - start;
    count++;
    if (count === 1) {
      min = max = total = latency;
    } else {
      min = Math.min(min, latency);
      max = Math.max(max, latency);
      total += latency;
    }
    const avg = total / count;
    if (output === 'standard') {
      writeOut('\x1b[0G\x1b[2K' + latencyText(output, min, max, avg, count));
    } else if (latencyHistory) {
      writeOut(latencyText(output, min, max, avg, count));
    } else if (Date.now() - historyStart > reportAfter) {
      writeOut(latencyText(output, min, max, avg, count));
      process.exit(0);
    }
    if (latencyHistory && Date.now() - historyStart > historyInterval) {
      writeOut(` -- ${((Date.now() - historyStart) / 1000).toFixed(2)} seconds range\n`);
      historyStart = Date.now();
      min = max = total = count = 0;
    }
    await sleep(SAMPLE_EVERY_MS);
  }
}
