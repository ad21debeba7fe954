/**
 * The seed walkthrough typed into the app's terminals, once with Debian's redis-cli and
 * once with the built-in CLI (chosen in the inspector): INFO replication on the third
 * node, SET on the master read back there, and SET on it refused with READONLY, as
 * redis-cli prints it. Then a reload of the page reattaches to a running session.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { test, expect, cardByPort, snapshot } from './fixtures';

const CLI_BUNDLE = resolve(__dirname, '..', 'out/main/cli.js');
/** Screenshots are also copied here, to look at outside the test run. */
const SHOTS = process.env.REPLICA_LAB_SHOTS;

async function keep(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await snapshot(page, testInfo, name);
  if (!SHOTS) return;
  await mkdir(SHOTS, { recursive: true });
  await copyFile(testInfo.outputPath(`${name}.png`), join(SHOTS, `${name}.png`));
}

/** The whole xterm buffer of the focused session (the DOM holds only the rows in view). */
async function screenText(page: Page, pane = 0): Promise<string> {
  const host = page.locator('[data-testid=terminal-pane]:visible [data-testid=terminal]').nth(pane);
  // bufferText is the getter TerminalView defines on its host element.
  return host.evaluate((element) => String((element as unknown as { bufferText?: string }).bufferText ?? ''));
}

async function expectScreen(page: Page, text: string): Promise<void> {
  await expect.poll(() => screenText(page), { message: `terminal shows ${text}` }).toContain(text);
}

async function seed(page: Page): Promise<void> {
  await page.getByTestId('seed-button').click();
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
}

async function openTerminal(page: Page, port: number): Promise<void> {
  await cardByPort(page, port).click();
  await page.getByTestId('action-terminal').click();
}

const VARIANTS = [
  { cli: 'auto', header: /^redis-cli 7\.0\.\d+ \(\/usr\/bin\/redis-cli\)$/, theme: 'light' },
  { cli: 'builtin', header: /^replica-lab-cli \(built-in\)$/, theme: 'dark' },
] as const;

for (const variant of VARIANTS) {
  test(`the seed walkthrough typed into ${variant.cli === 'auto' ? "Debian's redis-cli" : 'the built-in CLI'}`, async ({
    lab: page,
    labHost,
  }, testInfo) => {
    if (variant.cli === 'builtin') {
      expect(existsSync(CLI_BUNDLE), `${CLI_BUNDLE} is missing: the built-in CLI is not built`).toBe(true);
    }
    if (variant.theme === 'dark') await page.getByTestId('theme-toggle').click();
    await seed(page);
    const master = labHost.basePort;
    const third = labHost.basePort + 2;
    const terminal = page.locator('[data-testid=terminal]:visible');
    const header = page.locator('[data-testid=terminal-pane]:visible [data-testid=terminal-cli]');

    await cardByPort(page, third).click();
    await page.getByTestId('terminal-cli-choice').selectOption(variant.cli);
    await page.getByTestId('action-terminal').click();
    await expect(header).toHaveText(variant.header);
    await expectScreen(page, `127.0.0.1:${third}>`);
    await terminal.click();
    await page.keyboard.type('info replication\r');
    await expectScreen(page, 'role:slave');
    await expectScreen(page, 'master_link_status:up');

    await openTerminal(page, master);
    await expect(header).toHaveText(variant.header);
    await expectScreen(page, `127.0.0.1:${master}>`);
    await terminal.click();
    await page.keyboard.type('set name 6379\r');
    await expectScreen(page, 'OK');

    await openTerminal(page, third);
    await expectScreen(page, `127.0.0.1:${third}>`);
    await terminal.click();
    await page.keyboard.type('get name\r');
    await expectScreen(page, '"6379"');
    await page.keyboard.type('set name 6381\r');
    await expectScreen(page, "(error) READONLY You can't write against a read only replica.");
    await expect(page.getByTestId('terminal-tab')).toHaveCount(2);
    await keep(page, testInfo, `terminal-seed-${variant.cli}-${variant.theme}`);

    await page.getByTestId('terminal-split').click();
    await expect(page.locator('[data-testid=terminal]:visible')).toHaveCount(2);
    // Both tabs are checked for broadcast: one line typed above the pane runs in each.
    await page.getByTestId('broadcast-input').fill('echo fanned-out');
    await page.getByTestId('broadcast-input').press('Enter');
    for (const pane of [0, 1]) {
      await expect.poll(() => screenText(page, pane)).toContain('"fanned-out"');
    }
    await keep(page, testInfo, `terminal-split-${variant.cli}-${variant.theme}`);
  });
}

test('a reload reattaches to the running session with its scrollback', async ({ lab: page, labHost }, testInfo) => {
  await seed(page);
  const master = labHost.basePort;
  const terminal = page.locator('[data-testid=terminal]:visible');
  await openTerminal(page, master);
  await expectScreen(page, `127.0.0.1:${master}>`);
  await terminal.click();
  await page.keyboard.type('set before-reload kept\r');
  await expectScreen(page, 'OK');

  await page.reload();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  await expectScreen(page, 'set before-reload kept');
  await terminal.click();
  await page.keyboard.type('get before-reload\r');
  await expectScreen(page, '"kept"');
  await keep(page, testInfo, 'terminal-reattached');
});

test('right-click on two selected cards opens a terminal for each', async ({ lab: page, labHost }) => {
  await seed(page);
  await cardByPort(page, labHost.basePort + 1).click();
  await cardByPort(page, labHost.basePort + 2).click({ modifiers: ['Shift'] });
  await cardByPort(page, labHost.basePort + 2).click({ button: 'right' });
  await expect(page.getByTestId('menu-open-terminals')).toHaveText('Open terminals for the selected nodes');
  await page.getByTestId('menu-open-terminals').click();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(2);
  await expectScreen(page, `127.0.0.1:${labHost.basePort + 2}>`);
});

test("the canvas's commands are mirrored into the node's terminal, marked [ui]", async ({
  lab: page,
  labHost,
}, testInfo) => {
  await seed(page);
  const replica = cardByPort(page, labHost.basePort + 2);
  await openTerminal(page, labHost.basePort + 2);
  await expectScreen(page, `127.0.0.1:${labHost.basePort + 2}>`);
  const replicaId = await replica.getAttribute('data-node-id');
  await page.locator(`[data-testid=edge-label][data-replica="${replicaId}"] [data-testid=edge-disconnect]`).click();
  await page.getByTestId('confirm-ok').click();
  await expect(replica).toHaveAttribute('data-role', 'master');
  await expectScreen(page, '[ui] REPLICAOF NO ONE → OK');
  // The empty prompt was redrawn after the mirrored line, and it still works.
  await expect
    .poll(async () => (await screenText(page)).trimEnd().split('\n').at(-1))
    .toBe(`127.0.0.1:${labHost.basePort + 2}>`);
  await page.locator('[data-testid=terminal]:visible').click();
  await page.keyboard.type('role\r');
  await expectScreen(page, '1) "master"');
  await keep(page, testInfo, 'terminal-mirror');
});
