/**
 * First run: the empty canvas offers the walkthrough's topology (one master, two
 * replicas); one click starts it. Screenshots in both themes and both languages.
 */
import { test, expect, snapshot } from './fixtures';

test('the seed topology from the empty canvas, in both themes and languages', async ({ lab: page }, testInfo) => {
  await page.getByTestId('seed-button').click();
  await expect(page.getByTestId('node-card')).toHaveCount(3);
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
  await expect(page.getByTestId('command-log').getByTestId('log-line')).toHaveCount(3);
  await page.locator('[data-testid=node-card][data-role=master]').click();
  await expect(page.getByTestId('info-replication')).toContainText('connected_slaves:2');
  await snapshot(page, testInfo, 'seed-light-en');

  await page.getByTestId('theme-toggle').click();
  await snapshot(page, testInfo, 'seed-dark-en');

  await page.getByTestId('locale-select').selectOption('zh-CN');
  await expect(page.getByTestId('palette-master')).toContainText('主节点');
  await snapshot(page, testInfo, 'seed-dark-zh');

  await page.getByTestId('theme-toggle').click();
  await snapshot(page, testInfo, 'seed-light-zh');
});

test('a rule the lab refuses is shown with its sentence', async ({ lab: page }) => {
  await page.getByTestId('seed-button').click();
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
  // Drawing an edge from a replica's lower handle back to its own master's upper handle: a cycle.
  await page.locator('.vue-flow__controls-fitview').click();
  const master = page.locator('[data-testid=node-card][data-role=master]');
  const replica = page.locator('[data-testid=node-card][data-role=replica]').first();
  await replica.locator('.vue-flow__handle-bottom').dragTo(master.locator('.vue-flow__handle-top'));
  await expect(page.getByTestId('toast')).toContainText('circle');
});
