/**
 * A test fixture that starts the web host (out/main/web.js, built by electron-vite)
 * on a free port with a temporary workspace and node ports from 22700 up, so no test
 * ever touches 6379. The host is stopped after the test whatever happened (SIGTERM:
 * it stops its nodes; SIGKILL if it hangs), and the workspace is removed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';

const ROOT = resolve(__dirname, '..');
const HOST_ENTRY = join(ROOT, 'out/main/web.js');
/** E2E_BASE_PORT moves every node port (another session may be using 22700 and up). */
export const BASE_PORT = Number(process.env['E2E_BASE_PORT']) || 22700;

export interface LabHost {
  url: string;
  workspace: string;
  basePort: number;
  /** The host's output so far (stdout and stderr), for failure messages. */
  output(): string;
}

async function startHost(workspace: string, basePort: number): Promise<{ host: LabHost; child: ChildProcess }> {
  if (!existsSync(HOST_ENTRY)) {
    throw new Error(`${HOST_ENTRY} is missing: run "npm run build" first.`);
  }
  const child = spawn(
    process.execPath,
    [HOST_ENTRY, '--port', '0', '--workspace', workspace, '--base-port', String(basePort)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`The web host did not start in 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The web host exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return { host: { url, workspace, basePort, output: () => output }, child };
}

async function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export const test = base.extend<{ labHost: LabHost; lab: Page }>({
  // Playwright reads the fixture's dependencies from this pattern: it has to be an (empty) object pattern.
  // eslint-disable-next-line no-empty-pattern
  labHost: async ({}, use, testInfo) => {
    const workspace = await mkdtemp(join(tmpdir(), 'replica-lab-e2e-'));
    // Each worker gets its own band of ports, so parallel runs never collide.
    const basePort = BASE_PORT + testInfo.workerIndex * 40;
    const { host, child } = await startHost(workspace, basePort);
    try {
      await use(host);
    } finally {
      await stopHost(child);
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('web-host.log', { body: host.output(), contentType: 'text/plain' });
      }
      await rm(workspace, { recursive: true, force: true });
    }
  },
  lab: async ({ page, labHost }, use) => {
    await page.goto(`${labHost.url}&lang=en&theme=light`);
    await expect(page.getByTestId('canvas')).toBeVisible();
    await use(page);
  },
});

export { expect };

/** A screenshot kept with the test's results (test-results/<test>/NAME.png) and attached to the report. */
export async function snapshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The card of a node, by the port it listens on. */
export function cardByPort(page: Page, port: number) {
  return page.getByTestId('node-card').filter({ hasText: `127.0.0.1:${port}` });
}
