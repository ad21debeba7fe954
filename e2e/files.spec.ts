/**
 * The seed's own files: a config/ folder of three redis.conf files (port, pidfile,
 * logfile, dbfilename, and replicaof on the two replicas) is imported and drawn as one
 * master with two replicas; and a topology exports back to such a folder.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, expect, cardByPort } from './fixtures';

test('import the walkthrough config folder', async ({ lab: page, labHost }) => {
  const [master, first, second] = [labHost.basePort, labHost.basePort + 1, labHost.basePort + 2];
  const folder = join(labHost.workspace, 'seed-config');
  await mkdir(folder, { recursive: true });
  for (const port of [master, first, second]) {
    const lines = [
      `port ${port}`,
      `pidfile /var/run/redis_${port}.pid`,
      `logfile "logfile-${port}"`,
      `dbfilename dump-${port}.rdb`,
    ];
    if (port !== master) lines.push(`replicaof 127.0.0.1 ${master}`);
    await writeFile(join(folder, `redis_${port}.conf`), lines.join('\n') + '\n');
  }

  await page.getByTestId('palette-import').click();
  await page.locator('#path-input').fill(folder);
  await page.getByTestId('import-dialog').getByRole('button', { name: 'Import' }).click();
  await expect(page.getByTestId('node-card')).toHaveCount(3);
  await expect(cardByPort(page, master)).toHaveAttribute('data-role', 'master');
  for (const port of [first, second]) {
    await expect(cardByPort(page, port)).toHaveAttribute('data-link', 'up', { timeout: 30_000 });
  }
});

test('export the topology as redis.conf files and a start script', async ({ lab: page, labHost }) => {
  await page.getByTestId('seed-button').click();
  await expect(page.getByTestId('node-card')).toHaveCount(3);
  await page.getByTestId('file-menu').click();
  await page.getByTestId('menu-export').click();
  const toast = page.getByTestId('toast').filter({ hasText: 'Exported' });
  await expect(toast).toBeVisible();
  const dir = ((await toast.textContent()) ?? '').replace(/^.* files to\s*/, '').trim();
  expect(existsSync(dir)).toBe(true);
  expect(await readdir(dir)).toEqual(expect.arrayContaining(['config', 'start.sh', 'stop.sh', 'docker-compose.yml']));
  const confs = await readdir(join(dir, 'config'));
  expect(confs.sort()).toEqual([0, 1, 2].map((i) => `redis_${labHost.basePort + i}.conf`));
  const replicaConf = await readFile(join(dir, 'config', `redis_${labHost.basePort + 1}.conf`), 'utf8');
  expect(replicaConf).toContain(`replicaof 127.0.0.1 ${labHost.basePort}`);
});
