import { defineConfig } from '@playwright/test';

/**
 * E2E against browser mode: every spec starts its own `switchyard serve`
 * (built CLI, workbench and listeners on 127.0.0.1 port 0) with real
 * upstreams through the fixture in e2e/fixtures/, and drives Debian's
 * Chromium. Playwright never downloads a browser here.
 *
 * Needs a fresh `npm run build` (dist/ and out/renderer). Run: `npm run e2e`.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  // One at a time: the performance spec needs the machine to itself, and the hosts are cheap to start.
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  globalTimeout: 8 * 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    headless: true,
    actionTimeout: 15_000,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium' }],
});
