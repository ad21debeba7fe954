/**
 * The seed walkthrough's last steps in the app's terminals: SET on the master is read
 * back on a replica, and SET on the replica is refused with READONLY, as redis-cli prints it.
 */
import { test, expect, cardByPort, snapshot } from './fixtures';

test('redis-cli on the master and on a replica', async ({ lab: page, labHost }, testInfo) => {
  await page.getByTestId('seed-button').click();
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
  const terminal = page.locator('[data-testid=terminal]:visible');

  await cardByPort(page, labHost.basePort).click();
  await page.getByTestId('action-terminal').click();
  await expect(terminal).toContainText(`127.0.0.1:${labHost.basePort}>`);
  await terminal.click();
  await page.keyboard.type('set name seed\r');
  await expect(terminal).toContainText('OK');

  await cardByPort(page, labHost.basePort + 2).click();
  await page.getByTestId('action-terminal').click();
  await expect(terminal).toContainText(`127.0.0.1:${labHost.basePort + 2}>`);
  await terminal.click();
  await page.keyboard.type('get name\r');
  await expect(terminal).toContainText('"seed"');
  await page.keyboard.type('set name 6381\r');
  await expect(terminal).toContainText("(error) READONLY You can't write against a read only replica.");
  await snapshot(page, testInfo, 'terminal-readonly');
});
