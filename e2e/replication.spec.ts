/**
 * The canvas end to end, against the real web host and real server processes:
 * drag a master in, drop two replicas onto it, watch both links come up, read INFO
 * replication, cut a link (the replica becomes a master), kill the master (it shows
 * as crashed); then save a topology and open it again.
 */
import { readFile } from 'node:fs/promises';
import { test, expect, snapshot, cardByPort } from './fixtures';

test('drag a master, drop two replicas, cut a link, kill the master', async ({ lab: page, labHost }, testInfo) => {
  const masterPort = labHost.basePort;
  const canvas = page.getByTestId('canvas');
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await snapshot(page, testInfo, '01-empty');

  // A Master dragged from the palette onto the canvas starts a server.
  await page.getByTestId('palette-master').dragTo(canvas, { targetPosition: { x: 380, y: 120 } });
  const master = cardByPort(page, masterPort);
  await expect(master).toHaveAttribute('data-state', 'up');
  await expect(master).toHaveAttribute('data-role', 'master');

  // Two Replicas dropped onto the master card replicate from it.
  for (const port of [masterPort + 1, masterPort + 2]) {
    await page.getByTestId('palette-replica').dragTo(master);
    await expect(cardByPort(page, port)).toBeVisible();
  }
  const replicas = page.locator('[data-testid=node-card][data-role=replica]');
  await expect(replicas).toHaveCount(2);
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
  await page.keyboard.press('l');
  await page.locator('.vue-flow__controls-fitview').click();
  await expect(page.getByTestId('edge-label')).toHaveCount(2);

  // INFO replication, as the server prints it, in the inspector.
  await master.click();
  const info = page.getByTestId('info-replication');
  await expect(info).toContainText('role:master');
  await expect(info).toContainText('connected_slaves:2');
  const replica = cardByPort(page, masterPort + 1);
  await replica.click();
  await expect(info).toContainText('role:slave');
  await expect(info).toContainText(`master_port:${masterPort}`);
  await expect(info).toContainText('master_link_status:up');
  await snapshot(page, testInfo, '02-linked');

  // Cutting a link asks first, then the replica keeps its data and becomes a master.
  const replicaId = await replica.getAttribute('data-node-id');
  await page.locator(`[data-testid=edge-label][data-replica="${replicaId}"] [data-testid=edge-disconnect]`).click();
  const confirm = page.getByTestId('confirm-dialog');
  await expect(confirm).toContainText('keeps its data and becomes a master');
  await page.getByTestId('confirm-ok').click();
  await expect(replica).toHaveAttribute('data-role', 'master');
  await expect(page.getByTestId('edge-label')).toHaveCount(1);
  await replica.click();
  await expect(info).toContainText('role:master');
  await expect(page.getByTestId('command-log')).toContainText(`-p ${masterPort + 1} REPLICAOF NO ONE`);

  // Killing the master: it is marked crashed, and its replica's link goes down.
  await master.click();
  await page.getByTestId('action-kill').click();
  await page.getByTestId('confirm-ok').click();
  await expect(master).toHaveAttribute('data-state', 'crashed');
  await expect(page.getByTestId('crash-box')).toBeVisible();
  await expect(cardByPort(page, masterPort + 2)).toHaveAttribute('data-link', 'down', { timeout: 30_000 });
  await snapshot(page, testInfo, '03-crashed');
});

test('save the topology, then open it again (from the workspace and as an uploaded YAML)', async ({
  lab: page,
  labHost,
}, testInfo) => {
  const masterPort = labHost.basePort;
  await page.getByTestId('seed-button').click();
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
  // One replica cut loose, so the file has something besides the seed's shape.
  const loose = cardByPort(page, masterPort + 1);
  const looseId = await loose.getAttribute('data-node-id');
  await page.locator(`[data-testid=edge-label][data-replica="${looseId}"] [data-testid=edge-disconnect]`).click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('edge-label')).toHaveCount(1);

  // Ctrl+S writes the topology file in the workspace.
  await page.locator('.vue-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+s');
  const saved = page.getByTestId('toast').filter({ hasText: 'Saved to' });
  await expect(saved).toBeVisible();
  const savedPath = ((await saved.textContent()) ?? '').replace(/^.*Saved to\s*/, '').trim();
  expect(savedPath).toContain(labHost.workspace);

  await page.getByTestId('file-menu').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('menu-download').click()]);
  const yaml = await readFile((await download.path()) ?? '', 'utf8');
  expect(yaml).toContain(`port: ${masterPort}`);

  // Open it again: the same three nodes and the one remaining link, running.
  await page.getByTestId('file-menu').click();
  await page.getByTestId('menu-open-path').click();
  await page.locator('#path-input').fill(savedPath);
  await page.getByTestId('open-path-dialog').getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('node-card')).toHaveCount(3);
  await expect(page.getByTestId('edge-label')).toHaveCount(1);
  await expect(cardByPort(page, masterPort + 2)).toHaveAttribute('data-link', 'up', { timeout: 30_000 });
  await snapshot(page, testInfo, 'reopened-from-workspace');

  // And the downloaded YAML opens the same way (the browser uploads it).
  await page.getByTestId('open-file-input').setInputFiles({
    name: download.suggestedFilename(),
    mimeType: 'application/yaml',
    buffer: Buffer.from(yaml),
  });
  await expect(page.getByTestId('toast').filter({ hasText: 'Opened' }).last()).toBeVisible();
  await expect(page.getByTestId('node-card')).toHaveCount(3);
  await expect(cardByPort(page, masterPort + 2)).toHaveAttribute('data-link', 'up', { timeout: 30_000 });
  await snapshot(page, testInfo, 'reopened-from-upload');
});

test("drag a replica's edge to another master: it re-points", async ({ lab: page, labHost }, testInfo) => {
  const [first, replicaPort, second] = [labHost.basePort, labHost.basePort + 2, labHost.basePort + 3];
  await page.getByTestId('seed-button').click();
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
  // A second master, added with a click (the lab places it beside the others).
  await page.getByTestId('palette-master').click();
  await expect(cardByPort(page, second)).toHaveAttribute('data-state', 'up');
  await page.locator('.vue-flow__controls-fitview').click();
  await page.waitForTimeout(400);

  // Drag the master end of the replica's edge onto the new master's lower handle.
  const replica = cardByPort(page, replicaPort);
  const replicaId = await replica.getAttribute('data-node-id');
  const end = page.locator(`.vue-flow__edge[data-id="link-${replicaId}"] .vue-flow__edgeupdater-source`);
  const from = await end.boundingBox();
  const to = await cardByPort(page, second).locator('.vue-flow__handle-bottom').boundingBox();
  if (!from || !to) throw new Error('the edge end or the handle is not on screen');
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
  await page.mouse.up();

  await expect(page.getByTestId('command-log')).toContainText(`-p ${replicaPort} REPLICAOF 127.0.0.1 ${second}`);
  await expect(replica).toHaveAttribute('data-link', 'up', { timeout: 30_000 });
  await replica.click();
  await expect(page.getByTestId('info-replication')).toContainText(`master_port:${second}`);
  await expect(page.getByTestId('info-replication')).toContainText('master_link_status:up');
  await expect(cardByPort(page, first)).toContainText('1 replica');
  await snapshot(page, testInfo, 're-pointed');
});
