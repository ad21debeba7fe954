/**
 * Breaking the lab on purpose, end to end against the real web host: a cut link
 * (the edge changes, the inspector says the link runs through the lab's proxy, and
 * after the heal the replica does a partial resync), a failover (Promote, then the
 * coordinated FAILOVER; the cards' roles change), and a workload whose stale-read
 * meter rises beside a slowed replica's lag.
 */
import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, snapshot, cardByPort } from './fixtures';

async function seedAndWait(page: Page): Promise<void> {
  await page.getByTestId('seed-button').click();
  await expect(page.locator('[data-testid=node-card][data-role=replica][data-link=up]')).toHaveCount(2, {
    timeout: 30_000,
  });
  await page.keyboard.press('l');
  await page.locator('.vue-flow__controls-fitview').click();
}

async function edgeLabelOf(page: Page, port: number) {
  const id = await cardByPort(page, port).getAttribute('data-node-id');
  return page.locator(`[data-testid=edge-label][data-replica="${id}"]`);
}

test('cut a link, see it on the canvas and in the inspector, heal it: a partial resync', async ({
  lab: page,
  labHost,
}, testInfo) => {
  const masterPort = labHost.basePort;
  const replicaPort = masterPort + 1;
  await seedAndWait(page);
  const replica = cardByPort(page, replicaPort);

  // A short repl-timeout, so the replica notices the cut in seconds rather than a minute.
  await replica.click();
  await page.getByTestId('tab-settings').click();
  const timeout = page.getByTestId('setting-repl-timeout');
  await expect(timeout).toBeEnabled();
  await timeout.fill('3');
  await timeout.press('Enter');
  await expect(page.getByTestId('command-log')).toContainText(`-p ${replicaPort} CONFIG SET repl-timeout 3`);

  // The link's inspector: the master's real address, a direct link so far, and repl-timeout read from the replica.
  const label = await edgeLabelOf(page, replicaPort);
  await label.click();
  const inspector = page.getByTestId('link-inspector');
  await expect(inspector).toBeVisible();
  await expect(page.getByTestId('link-master-address')).toContainText(`127.0.0.1:${masterPort}`);
  await expect(page.getByTestId('link-direct-note')).toBeVisible();
  await expect(page.getByTestId('repl-timeout-note')).toContainText('3 s');

  // Cut both ways: the lab's proxy steps in, the edge is drawn cut, the inspector says so.
  await page.getByTestId('fault-cut-both').click();
  await expect(label).toHaveAttribute('data-fault', 'cut');
  await expect(label.getByTestId('edge-fault')).toHaveText('cut');
  const proxyNote = page.getByTestId('link-proxy-note');
  await expect(proxyNote).toContainText('proxy at 127.0.0.1:');
  await expect(proxyNote).toContainText(`127.0.0.1:${masterPort}`);
  await expect(page.getByTestId('link-fault-chip')).toHaveText('cut');
  // After repl-timeout the replica gives the link up and keeps trying to connect (through the proxy, which holds).
  await expect(replica).toHaveAttribute('data-link', /connecting|down/, { timeout: 30_000 });
  await snapshot(page, testInfo, '01-cut');

  // Heal: the replica reconnects through the proxy and continues where it was.
  await page.getByTestId('fault-heal').click();
  await expect(label).toHaveAttribute('data-fault', 'none');
  await expect(replica).toHaveAttribute('data-link', 'up', { timeout: 30_000 });
  const lastSync = page.getByTestId('link-last-sync');
  await expect(lastSync).toHaveAttribute('data-mode', 'partial', { timeout: 30_000 });
  await expect(lastSync).toContainText('Partial resync');
  await page.getByTestId('tab-timeline').click();
  await expect(page.getByTestId('timeline-event').filter({ hasText: 'partial' }).first()).toBeVisible();
  await snapshot(page, testInfo, '02-healed');
});

test('promote a replica, then FAILOVER to another: the roles change on the cards', async ({
  lab: page,
  labHost,
}, testInfo) => {
  const masterPort = labHost.basePort;
  await seedAndWait(page);
  const master = cardByPort(page, masterPort);
  const first = cardByPort(page, masterPort + 1);
  const second = cardByPort(page, masterPort + 2);

  // Promote (REPLICAOF NO ONE): the first replica becomes a master and its sibling follows it.
  await first.click();
  await page.getByTestId('action-promote').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('REPLICAOF NO ONE');
  await page.getByTestId('confirm-ok').click();
  await expect(first).toHaveAttribute('data-role', 'master');
  await expect(page.getByTestId('command-log')).toContainText(`-p ${masterPort + 1} REPLICAOF NO ONE`);
  await expect(second).toHaveAttribute('data-role', 'replica');
  await expect(second).toHaveAttribute('data-link', 'up', { timeout: 30_000 });
  await expect(page.getByTestId('inspector')).toContainText('master');
  await snapshot(page, testInfo, '01-promoted');

  // FAILOVER TO the second replica: it and its master swap roles.
  await second.click();
  await page.getByTestId('action-failover').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('FAILOVER TO');
  await page.getByTestId('confirm-ok').click();
  await expect(second).toHaveAttribute('data-role', 'master', { timeout: 30_000 });
  await expect(first).toHaveAttribute('data-role', 'replica', { timeout: 30_000 });
  await expect(first).toHaveAttribute('data-link', 'up', { timeout: 30_000 });
  await expect(master).toHaveAttribute('data-role', 'master');
  await expect(page.getByTestId('command-log')).toContainText('FAILOVER TO');
  await snapshot(page, testInfo, '02-failed-over');
});

test('a workload reads from the replicas; the stale-read meter rises beside a slowed replica', async ({
  lab: page,
  labHost,
}, testInfo) => {
  const masterPort = labHost.basePort;
  const slowPort = masterPort + 1;
  await seedAndWait(page);

  // Few keys, rewritten often: reads on a replica that trails find old values.
  await page.getByTestId('tab-workload').click();
  const panel = page.getByTestId('workload-panel');
  await expect(panel).toBeVisible();
  await page.getByTestId('workload-keys').fill('50');
  await page.getByTestId('workload-keys').blur();
  await page.getByTestId('workload-rate').fill('500');
  await page.getByTestId('workload-rate').blur();
  await page.getByTestId('workload-toggle').click();
  const rows = page.getByTestId('workload-read-row');
  await expect(rows).toHaveCount(2, { timeout: 20_000 });
  await expect(page.getByTestId('workload-writes')).not.toContainText(/^0 /, { timeout: 20_000 });
  for (const row of await rows.all()) {
    await expect(row.getByTestId('reads-per-sec')).not.toHaveText('0', { timeout: 20_000 });
  }
  // Ops/s on the cards come from the servers' own INFO.
  await expect(cardByPort(page, slowPort).locator('.stats b').nth(1)).not.toHaveText('0', { timeout: 20_000 });

  // 300 ± 100 ms on one link: its replica trails, its stale rate rises next to its lag.
  const label = await edgeLabelOf(page, slowPort);
  await label.click();
  await page.getByTestId('fault-latency').fill('300');
  await page.getByTestId('fault-jitter').fill('100');
  await page.getByTestId('fault-apply').click();
  await expect(label).toHaveAttribute('data-fault', 'slow');
  await expect(label.getByTestId('edge-fault')).toHaveText('300±100 ms');
  const slowId = await cardByPort(page, slowPort).getAttribute('data-node-id');
  const slowRow = page.locator(`[data-testid=workload-read-row][data-node-id="${slowId}"]`);
  await expect(slowRow.getByTestId('stale-rate')).not.toHaveText('0.0 %', { timeout: 30_000 });
  await expect(slowRow.getByTestId('read-lag')).toBeVisible();
  await snapshot(page, testInfo, '01-stale-reads');

  await page.getByTestId('workload-toggle').click();
  await expect(page.getByTestId('workload-totals')).toHaveAttribute('data-running', 'false', { timeout: 20_000 });
  await snapshot(page, testInfo, '02-stopped');
});

test('three Sentinels with a lab-tuned down-after fail a killed master over', async ({
  lab: page,
  labHost,
}, testInfo) => {
  // Fails loudly rather than skipping: CI installs redis-sentinel (.ci/run).
  expect(existsSync('/usr/bin/redis-sentinel'), 'needs Debian’s redis-sentinel (apt-get install redis-sentinel)').toBe(
    true,
  );
  const masterPort = labHost.basePort;
  await seedAndWait(page);
  const master = cardByPort(page, masterPort);

  // From the master's context menu: three Sentinels, quorum 2, down-after 2000 ms.
  await master.click({ button: 'right' });
  await page.getByTestId('menu-add-sentinels').click();
  await expect(page.getByTestId('experiment-dialog')).toContainText('30 s');
  await page.getByTestId('sentinel-quick').click();
  await expect(page.getByTestId('sentinel-down-after')).toHaveValue('2000');
  await page.getByTestId('experiment-submit').click();
  const sentinels = page.getByTestId('sentinel-card');
  await expect(sentinels).toHaveCount(3, { timeout: 30_000 });
  await page.locator('.vue-flow__controls-fitview').click();
  for (const card of await sentinels.all()) {
    await expect(card.getByTestId('sentinel-sees')).toContainText(`redis_${masterPort}`, { timeout: 30_000 });
  }
  await sentinels.first().click();
  await expect(page.getByTestId('sentinel-view')).toContainText(`127.0.0.1:${masterPort}`, { timeout: 30_000 });
  await expect(page.getByTestId('sentinel-view')).toContainText('Other Sentinels');
  await snapshot(page, testInfo, '01-watching');

  // Kill the master: after down-after the Sentinels agree and promote a replica.
  await master.click();
  await page.getByTestId('action-kill').click();
  await page.getByTestId('confirm-ok').click();
  await expect(master).toHaveAttribute('data-state', 'crashed');
  const promoted = page.locator(`[data-testid=node-card][data-role=master][data-state=up]`);
  await expect(promoted).toHaveCount(1, { timeout: 60_000 });
  const newMaster = ((await promoted.getAttribute('data-node-id')) ?? '').trim();
  expect(newMaster).not.toBe(await master.getAttribute('data-node-id'));
  await expect(sentinels.first().getByTestId('sentinel-sees')).not.toContainText(`redis_${masterPort}`, {
    timeout: 30_000,
  });
  await page.getByTestId('tab-timeline').click();
  await expect(page.getByTestId('timeline-event').filter({ hasText: 'switch-master' }).first()).toBeVisible({
    timeout: 30_000,
  });
  await snapshot(page, testInfo, '02-failed-over');
});

for (const scenario of ['redundancy', 'recovery', 'load-balancing', 'high-availability']) {
  test(`the ${scenario} scenario, step by step with "Do it": each step ticks from the lab state`, async ({
    lab: page,
  }, testInfo) => {
    if (scenario === 'high-availability')
      expect(
        existsSync('/usr/bin/redis-sentinel'),
        'needs Debian’s redis-sentinel (apt-get install redis-sentinel)',
      ).toBe(true);
    await page.getByTestId('scenarios-open').click();
    await page.getByTestId(`scenario-${scenario}`).click();
    const steps = page.getByTestId('scenario-step');
    const count = await steps.count();
    expect(count).toBeGreaterThanOrEqual(4);
    for (let index = 0; index < count; index++) {
      const step = steps.nth(index);
      const doIt = step.getByTestId('scenario-do');
      // A step may tick on its own meanwhile (its button then goes away): that is fine too.
      if (await doIt.isVisible()) await doIt.click({ timeout: 3000 }).catch(() => undefined);
      await expect(step).toHaveAttribute('data-done', 'true', { timeout: 60_000 });
      if (index === count - 2) await snapshot(page, testInfo, '01-almost');
    }
    await expect(page.getByTestId('scenario-finished')).toBeVisible();
    await snapshot(page, testInfo, '02-finished');
  });
}

test('node faults from the context menu and the inspector: DEBUG SLEEP, CLIENT PAUSE, a restart without the dump', async ({
  lab: page,
  labHost,
}, testInfo) => {
  const masterPort = labHost.basePort;
  await seedAndWait(page);
  const master = cardByPort(page, masterPort);
  const log = page.getByTestId('command-log');

  // Some keys on the master first.
  await page.getByTestId('tab-workload').click();
  await page.getByTestId('workload-keys').fill('50');
  await page.getByTestId('workload-keys').blur();
  await page.getByTestId('workload-toggle').click();
  await expect(master.locator('.stats b').first()).toHaveText('50', { timeout: 30_000 });
  await page.getByTestId('workload-toggle').click();
  await expect(page.getByTestId('workload-totals')).toHaveAttribute('data-running', 'false', { timeout: 20_000 });
  await page.getByTestId('tab-command-log').click();

  // DEBUG SLEEP from the context menu, with its seconds asked first.
  await master.click({ button: 'right' });
  await page.getByTestId('menu-debug-sleep').click();
  await page.getByTestId('debug-sleep-seconds').fill('1');
  await page.getByTestId('experiment-submit').click();
  await expect(log).toContainText(`-p ${masterPort} DEBUG SLEEP 1`);

  // CLIENT PAUSE for writers only, from the inspector.
  await master.click();
  await page.getByTestId('action-client-pause').click();
  await page.getByTestId('client-pause-ms').fill('500');
  await page.getByTestId('client-pause-mode').selectOption('write');
  await page.getByTestId('experiment-submit').click();
  await expect(log).toContainText(`-p ${masterPort} CLIENT PAUSE 500 WRITE`);
  await snapshot(page, testInfo, '01-paused');

  // A restart without the dump file asks first; the master comes back empty, and so do its replicas.
  await page.getByTestId('action-restart-delete').click();
  await expect(page.getByTestId('confirm-dialog')).toContainText('dump.rdb');
  await page.getByTestId('confirm-ok').click();
  await expect(master).toHaveAttribute('data-state', 'up', { timeout: 30_000 });
  await expect(master.locator('.stats b').first()).toHaveText('0', { timeout: 30_000 });
  await expect(
    cardByPort(page, masterPort + 1)
      .locator('.stats b')
      .first(),
  ).toHaveText('0', { timeout: 30_000 });
  await snapshot(page, testInfo, '02-restarted-empty');
});
