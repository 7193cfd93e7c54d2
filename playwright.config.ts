import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

/**
 * E2E against browser mode: `switchyard serve` hosting the built renderer,
 * driven by Debian's Chromium (Playwright never downloads browsers here).
 *
 * Specs open `/?token=${process.env.SWITCHYARD_E2E_TOKEN}`. Point
 * SWITCHYARD_E2E_BASE_URL at a host that is already running to skip starting one.
 */
const port = Number(process.env.SWITCHYARD_E2E_PORT ?? 4879);
process.env.SWITCHYARD_E2E_TOKEN ??= 'e2e-token';
const token = process.env.SWITCHYARD_E2E_TOKEN;
const external = process.env.SWITCHYARD_E2E_BASE_URL;
const baseURL = external ?? `http://127.0.0.1:${port}`;
const cli = 'bin/switchyard.js';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 30_000,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    baseURL,
    headless: true,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
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
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer:
    external || !existsSync(cli)
      ? undefined
      : {
          command: `node ${cli} serve --ui-port ${port} --token ${token} --data-dir test-results/e2e-data`,
          url: `${baseURL}/`,
          reuseExistingServer: !process.env.CI,
          timeout: 60_000,
          stdout: 'pipe',
          stderr: 'pipe',
        },
});
