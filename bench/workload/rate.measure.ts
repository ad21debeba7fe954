/**
 * What rate the generator reaches here, and what it costs the event loop it shares
 * with the lab: a master and a replica per engine, each rate for a few seconds.
 * A measurement, not a check (the machine's load decides the figures), so it is not
 * part of `npm test`: `npm run bench:workload`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { WorkloadStatus } from '../../app/api/runtime';
import { eventually, openTestLab, TEST_ENGINES } from '../../app/lab/testing';
import { sendNodeCommand } from '../../app/lab/node-command';
import { WorkloadRunner } from '../../app/lab/workload/runner';

const BASE_PORTS = { builtin: 23396, 'redis-server': 23398 } as const;
const RATES = [1000, 20_000, 100_000, 200_000];
const SECONDS = 4;

describe('workload rate', () => {
  it.each(TEST_ENGINES)(
    '%s',
    async (engine) => {
      const lab = await openTestLab(BASE_PORTS[engine]);
      try {
        const master = await lab.supervisor.start({ id: 'm', engine });
        const replica = await lab.supervisor.start({
          id: 'r',
          engine,
          replicaOf: { host: '127.0.0.1', port: master.port },
        });
        await eventually(async () => {
          const info = await sendNodeCommand({ host: '127.0.0.1', port: replica.port }, ['INFO', 'replication']);
          return info.type === 'bulk' && info.value.includes('master_link_status:up') ? true : undefined;
        }, 20_000);
        const lines: string[] = [];
        for (const rate of RATES) {
          const reports: WorkloadStatus[] = [];
          const delay = monitorEventLoopDelay({ resolution: 5 });
          delay.enable();
          const busyBefore = performance.eventLoopUtilization();
          const runner = new WorkloadRunner(
            { masterId: 'm', ratePerSec: rate, keySpace: 10_000, valueSize: 100, readShare: 0.8, readFrom: 'replicas' },
            'm',
            ['r'],
            {
              address: (id) => ({ host: '127.0.0.1', port: id === 'm' ? master.port : replica.port }),
              label: (id) => id,
              report: (status) => reports.push(status),
            },
          );
          await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000 + 100));
          await runner.stop();
          delay.disable();
          const busy = performance.eventLoopUtilization(busyBefore).utilization;
          const full = reports.slice(1, -1); // the first second ramps up, the last is partial
          const mean = (pick: (s: WorkloadStatus) => number) =>
            Math.round(full.reduce((sum, s) => sum + pick(s), 0) / Math.max(1, full.length));
          const reached = mean((s) => s.writesPerSec + s.reads.reduce((sum, read) => sum + read.readsPerSec, 0));
          const status = runner.status();
          lines.push(
            `${engine} ${rate}/s asked: ${reached}/s reached; event loop busy ${Math.round(busy * 100)}%, delay p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms; stale ${status.reads[0]?.stale}, errors ${status.writeErrors + (status.reads[0]?.errors ?? 0)}`,
          );
          expect(status.writeErrors).toBe(0);
        }
        console.log(lines.join('\n'));
      } finally {
        await lab.close();
      }
    },
    120_000,
  );
});
