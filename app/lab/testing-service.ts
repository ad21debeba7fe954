/**
 * For tests of the lab service end to end: a LabService on a throw-away
 * workspace, requests validated by the contract as a host would, waiting for
 * events, and everything stopped and deleted when the test finishes (also when
 * it fails).
 */
import { rmSync } from 'node:fs';
import { onTestFinished } from 'vitest';
import type { Events, EventName, Method, Params, Results } from '../api/contract';
import { parseParams } from '../api/contract';
import type { CommandLogEntry, TimelineEvent } from '../api/runtime';
import { LabService } from './service';
import { makeWorkspace, testEngineHost, testEngines } from './testing';

export interface ServiceHarness {
  lab: LabService;
  workspace: string;
  log: CommandLogEntry[];
  timeline: TimelineEvent[];
  call<M extends Method>(method: M, params: Params<M>): Promise<Results[M]>;
  waitFor<E extends EventName>(
    event: E,
    predicate: (data: Events[E]) => boolean,
    timeoutMs?: number,
  ): Promise<Events[E]>;
}

/** A lab whose new nodes take ports from `basePort` up, polled every `pollIntervalMs` (200). */
export async function openTestService(
  basePort: number,
  options: { pollIntervalMs?: number } = {},
): Promise<ServiceHarness> {
  await testEngines(); // fails loudly when redis-server is missing
  const workspace = makeWorkspace('service');
  const lab = await LabService.create({
    host: 'web',
    workspace,
    basePort,
    engineHost: testEngineHost(),
    cliHost: { nodeExecutable: process.execPath, cliEntry: '/nonexistent/cli.js' },
    pollIntervalMs: options.pollIntervalMs ?? 200,
  });
  onTestFinished(async () => {
    await lab.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });
  const log: CommandLogEntry[] = [];
  const timeline: TimelineEvent[] = [];
  lab.onEvent((event, data) => {
    if (event === 'log') log.push(data as CommandLogEntry);
    if (event === 'timeline') timeline.push(data as TimelineEvent);
  });
  return {
    lab,
    workspace,
    log,
    timeline,
    async call(method, params) {
      const parsed = parseParams(method, params);
      if (!parsed.ok) throw new Error(parsed.error.message);
      return lab.handle(method, parsed.value);
    },
    waitFor(event, predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`no ${event} event matched within ${timeoutMs} ms`));
        }, timeoutMs);
        const stop = lab.onEvent((name, data) => {
          if ((name as EventName) === event && predicate(data as Events[typeof event])) {
            clearTimeout(timer);
            stop();
            resolve(data as Events[typeof event]);
          }
        });
      });
    },
  };
}
