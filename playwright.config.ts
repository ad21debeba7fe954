import { defineConfig } from '@playwright/test';

// End-to-end tests drive Debian's Chromium against the web host (main/web.ts), which
// each test starts on a free port with its own workspace (see e2e/fixtures.ts). The
// host must be built first: `npm run build && npm run test:e2e` (`npm test` builds before it runs them).
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  // Every test starts real servers: one at a time keeps the machine's two cores responsive.
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      // Never `npx playwright install`: the system Chromium is the browser.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
