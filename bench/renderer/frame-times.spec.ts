/**
 * Benchmark, not a test (`npm run bench:renderer`): the renderer's frame times while
 * 100 cards update every second. The demo lab
 * (`?demo=100`, served by the web host, no processes) ticks metrics for 100 nodes once
 * a second and the page records every animation frame for ten seconds. The figures
 * are written to bench/results/renderer-latest.md. Nothing is asserted: speed is
 * measured here, never checked by a timing assertion in a test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, snapshot } from '../../e2e/fixtures';

test('frame times with 100 cards updating every second', async ({ page, labHost }, testInfo) => {
  await page.goto(`${labHost.url}&demo=100&lang=en&theme=light`);
  await expect(page.getByTestId('node-card').first()).toBeVisible();
  await page.locator('.vue-flow__controls-fitview').click();
  await expect(page.getByTestId('node-card')).toHaveCount(100);
  await page.waitForTimeout(1500);
  const frames = await page.evaluate(
    () =>
      new Promise<number[]>((resolve) => {
        // Runs in the page; this file is type-checked with Node's types (no DOM lib).
        const page = globalThis as unknown as { requestAnimationFrame(step: (now: number) => void): number };
        const frame = (step: (now: number) => void) => page.requestAnimationFrame(step);
        const gaps: number[] = [];
        let last = performance.now();
        const end = last + 10_000;
        const step = (now: number) => {
          gaps.push(now - last);
          last = now;
          if (now < end) frame(step);
          else resolve(gaps);
        };
        frame(step);
      }),
  );
  const sorted = [...frames].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const result = {
    frames: frames.length,
    meanMs: +(frames.reduce((a, b) => a + b, 0) / frames.length).toFixed(2),
    p50Ms: +at(0.5).toFixed(2),
    p95Ms: +at(0.95).toFixed(2),
    p99Ms: +at(0.99).toFixed(2),
    maxMs: +(sorted[sorted.length - 1] ?? 0).toFixed(2),
    over50Ms: frames.filter((gap) => gap > 50).length,
  };
  console.log(`frame times, 100 cards updating every second (10 s): ${JSON.stringify(result)}`);
  await testInfo.attach('frame-times.json', { body: JSON.stringify(result, null, 2), contentType: 'application/json' });
  await snapshot(page, testInfo, 'hundred-cards');
  const results = join(__dirname, '..', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, 'renderer-latest.md'),
    `# Renderer frame times (${new Date().toISOString().slice(0, 10)})\n\n` +
      '`npm run build && npm run bench:renderer`: 100 cards (demo lab), metrics for all of them every second, ' +
      'Debian Chromium without GPU, 10 s of requestAnimationFrame gaps.\n\n' +
      '| frames | mean | p50 | p95 | p99 | max | frames over 50 ms |\n|---|---|---|---|---|---|---|\n' +
      `| ${result.frames} | ${result.meanMs} ms | ${result.p50Ms} ms | ${result.p95Ms} ms | ${result.p99Ms} ms | ${result.maxMs} ms | ${result.over50Ms} |\n`,
  );
});
