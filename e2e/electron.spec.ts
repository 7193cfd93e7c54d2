/**
 * The desktop app's smoke path with `_electron.launch`: the window opens on the
 * workbench, the engine runs the workspace (IPC transport), and requests sent
 * through its gateway appear live in Traffic with their route and target.
 *
 * Runs where Electron's binary exists (`require('electron')` names a file
 * that is there); elsewhere (offline installs skip Electron's download) it is
 * skipped with the reason printed.
 */
import { _electron as electron, type ElectronApplication } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { expect, send, showView, test } from './fixtures/test.js';

const ROOT = resolve(import.meta.dirname, '..');
const MAIN = join(ROOT, 'out', 'main', 'index.js');

/** The Electron executable, or why there is none. */
function electronBinary(): { path: string } | { reason: string } {
  let path: string;
  try {
    path = createRequire(import.meta.url)('electron') as string;
  } catch (err) {
    return { reason: `Electron's binary is not installed (${(err as Error).message}); run \`node node_modules/electron/install.js\` with network access` };
  }
  if (!existsSync(path)) return { reason: `Electron's binary is missing at ${path}` };
  if (!existsSync(MAIN)) return { reason: `${MAIN} is missing: run \`npm run build\`` };
  return { path };
}

const binary = electronBinary();
if ('reason' in binary) console.log(`electron.spec: skipped: ${binary.reason}`);
test.skip('reason' in binary, 'reason' in binary ? binary.reason : '');

test('desktop app: opens, and Traffic shows live exchanges', async ({ rig }) => {
  if (!('path' in binary)) return;
  test.setTimeout(90_000);
  let app: ElectronApplication | null = null;
  try {
    app = await electron.launch({
      executablePath: binary.path,
      args: [MAIN, '--config', rig.config, '--data-dir', rig.dataDir, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      cwd: ROOT,
      env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1' },
    });
    const page = await app.firstWindow();
    await expect(page.getByRole('navigation', { name: 'Views' })).toBeVisible();

    // The gateway's address as the Listeners view shows it (the workspace asks for port 0).
    await showView(page, 'listeners');
    const gateway = (await page.getByTestId('listener-web').getByRole('link').innerText()).trim();
    expect(gateway).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    await showView(page, 'traffic');
    for (let i = 1; i <= 3; i++) expect((await send(gateway, `/api/desktop/${i}`)).status).toBe(200);
    const row = page.getByTestId('traffic-list').getByRole('row').filter({ hasText: '/api/desktop/3' });
    await expect(row).toHaveCount(1);
    await expect(row.locator('.c-route')).toHaveText('api');
    await expect(row.locator('.c-target')).toContainText(rig.alpha.url.replace('http://', ''));
  } finally {
    await app?.close();
  }
});
