/**
 * For the lab's tests: supervisors on throw-away workspaces, running the builtin
 * engine from a fresh esbuild bundle and Debian's redis-server (a missing
 * redis-server fails the tests: the lab's claims are about both engines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineEntry } from '../engine/test-support/engine-process.js';
import { detectEngines, type EngineHost } from './engines.js';
import { NodeSupervisor, type SupervisorOptions } from './supervisor.js';
import type { EngineInfo } from './types.js';

/** The engines every lab test runs on. */
export const TEST_ENGINES = ['builtin', 'redis-server'] as const;
export type TestEngine = (typeof TEST_ENGINES)[number];

export function testEngineHost(): EngineHost {
  return { nodeExecutable: process.execPath, builtinEntry: engineEntry() };
}

let detected: Promise<EngineInfo[]> | undefined;

/** builtin and redis-server, or an error saying redis-server is missing. */
export async function testEngines(): Promise<EngineInfo[]> {
  detected ??= detectEngines(testEngineHost());
  const engines = await detected;
  const redis = engines.find((e) => e.kind === 'redis-server');
  if (!redis?.available) {
    throw new Error(`The lab tests need Debian's redis-server (apt-get install redis-server): ${redis?.description}`);
  }
  return engines;
}

export function makeWorkspace(label: string): string {
  return mkdtempSync(join(tmpdir(), `replica-lab-${label}-`));
}

export interface TestLab {
  supervisor: NodeSupervisor;
  workspace: string;
  /** Stops every node and deletes the workspace. */
  close(): Promise<void>;
}

/** A supervisor on a fresh workspace; short timeouts, ports from `basePort`. */
export async function openTestLab(basePort: number, options: Partial<SupervisorOptions> = {}): Promise<TestLab> {
  const workspace = options.workspace ?? makeWorkspace('sup');
  const supervisor = await NodeSupervisor.open({
    workspace,
    host: testEngineHost(),
    engines: await testEngines(),
    basePort,
    timeouts: { startMs: 10_000, shutdownMs: 5_000, termMs: 3_000, killMs: 3_000, connectMs: 1_000 },
    ...options,
  });
  return {
    supervisor,
    workspace,
    async close() {
      await supervisor.dispose();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
