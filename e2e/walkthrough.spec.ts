/**
 * A first-time user's walk through every view, on a workspace with a reverse
 * and a forward listener: no console errors at 1280×800 and 800×600, and the
 * defects such a walk found stay fixed — the listener mode switch is
 * reachable, History's query box keeps its width in a small window, dialogs
 * give the focus back, Designer boxes open by keyboard, the open exchange
 * survives a visit to another view, a forward-proxy exchange's title is its
 * URL, compared exchange ids keep their case, and Caddy's file is "Caddyfile".
 */
import http from 'node:http';
import type { Page } from '@playwright/test';
import { expect, openWorkbench, send, showView, test } from './fixtures/test.js';
import { workspaceYaml } from './fixtures/workspace.js';

const VIEWS = ['routes', 'designer', 'traffic', 'dashboard', 'history', 'upstreams', 'listeners', 'export', 'settings'];

test.use({
  workspace: {
    yaml: (alpha, beta) =>
      workspaceYaml(alpha, beta).replace(
        '  - { name: web, address: 127.0.0.1:0, mode: reverse }\n',
        '  - { name: web, address: 127.0.0.1:0, mode: reverse }\n  - { name: fwd, address: 127.0.0.1:0, mode: forward }\n',
      ),
  },
});

/** One request through the forward listener in absolute form, as `curl -x` sends it. */
function throughProxy(proxy: string, target: string): Promise<number> {
  const p = new URL(proxy);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: p.hostname, port: p.port, path: target, headers: { host: new URL(target).host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Console errors and uncaught exceptions; a 400 answer to a bad query is logged by Chromium itself and is expected. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

test('walkthrough: every view, layout, keyboard and the exchange detail', async ({ page, switchyard }) => {
  const { host, alpha } = switchyard;
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await openWorkbench(page, host, 'traffic');

  await test.step('traffic through both listeners shows up live', async () => {
    expect((await send(host.gateway, '/api/walk/1')).status).toBe(200);
    expect((await send(host.gateway, '/api/walk/2')).status).toBe(200);
    expect(await throughProxy(host.listeners.fwd, `${alpha.url}/proxied`)).toBe(200);
    await expect(page.getByRole('row').filter({ hasText: '/proxied' })).toHaveCount(1);
  });

  const detail = page.getByTestId('exchange-detail');
  await test.step('a gzip-encoded response is shown decoded, its wire bytes one click away', async () => {
    expect((await send(host.gateway, '/api/walk/gz?gzip')).status).toBe(200);
    await page.getByRole('row').filter({ hasText: '/api/walk/gz' }).click();
    const body = detail.getByTestId('response-body');
    await expect(body).toHaveAttribute('data-kind', 'json');
    await expect(body).toContainText(/B decoded from gzip \(\d+ B on the wire\)/);
    await expect(body).toContainText('service: "alpha"');
    await body.getByTestId('body-wire-toggle').click();
    await expect(body).toHaveAttribute('data-kind', 'binary');
    await expect(body.locator('.body-hex')).toContainText('1f 8b 08');
    await body.getByTestId('body-wire-toggle').click();
    await expect(body).toHaveAttribute('data-kind', 'json');
  });

  await test.step('a forward-proxy exchange is titled by its URL, not host+URL', async () => {
    await page.getByRole('row').filter({ hasText: '/proxied' }).click();
    await expect(detail.locator('.detail-url')).toHaveText(`${alpha.url}/proxied`);
    // Edit & resend starts from the path (replay sends origin-form), not the absolute URL it would refuse.
    await detail.getByRole('button', { name: 'Edit & resend' }).click();
    await expect(detail.getByLabel('Path')).toHaveValue('/proxied');
    await detail.getByRole('button', { name: 'Edit & resend' }).click();
  });

  await test.step('compare names the other exchange by its id as it is', async () => {
    await page.getByRole('row').filter({ hasText: '/api/walk/2' }).click();
    const pick = detail.getByLabel('Compare with');
    const label = await pick.locator('option', { hasText: '/api/walk/1' }).textContent();
    await pick.selectOption({ label: label! });
    await detail.getByRole('button', { name: 'Compare', exact: true }).click();
    const heading = detail.locator('.detail-section h3 .mono');
    const id = (await heading.textContent()) ?? '';
    expect(id).toMatch(/[a-z]/);
    await expect(heading).toHaveCSS('text-transform', 'none');
  });

  await test.step('the open exchange is still open after a visit to another view', async () => {
    await showView(page, 'routes');
    await showView(page, 'traffic');
    await expect(detail).toBeVisible();
    await expect(page.getByRole('row', { selected: true })).toContainText('/api/walk/2');
  });

  await test.step('every view at 1280×800 and 800×600 without console errors or raw values', async () => {
    for (const size of [
      { width: 1280, height: 800 },
      { width: 800, height: 600 },
    ]) {
      await page.setViewportSize(size);
      for (const v of VIEWS) {
        await showView(page, v);
        await expect(page.getByTestId(`view-${v}`)).not.toContainText(/\bundefined\b|\bNaN\b|\[object Object\]/);
      }
    }
    expect(errors).toEqual([]);
  });

  await test.step('at 800×600 the workspace toolbars keep every label on one line and the draft state on screen', async () => {
    for (const v of ['routes', 'designer', 'listeners'] as const) {
      await showView(page, v);
      const toolbar = page.getByTestId(`view-${v}`).getByRole('toolbar', { name: 'Workspace' });
      await expect(toolbar.getByTestId('draft-state')).toBeInViewport({ ratio: 1 });
      expect(await toolbar.evaluate((e) => e.scrollWidth - e.clientWidth), v).toBeLessThanOrEqual(0);
      const heights = await toolbar.getByRole('button').evaluateAll((bs) => bs.map((b) => b.getBoundingClientRect().height));
      expect(new Set(heights).size, `${v}: button heights ${heights.join(', ')}`).toBe(1);
    }
  });

  await test.step('at 800×600 the History query box keeps its width and every button is on screen', async () => {
    await showView(page, 'history');
    const box = await page.getByTestId('history-filter').boundingBox();
    expect(box!.width).toBeGreaterThan(250);
    await expect(page.getByTestId('history-clear')).toBeInViewport({ ratio: 1 });
    await expect(page.getByTestId('history-delete')).toBeInViewport({ ratio: 1 });
  });

  await test.step('Escape closes the clear dialog and gives the focus back to its button', async () => {
    const clear = page.getByTestId('history-clear');
    await clear.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await expect(dialog).toBeVisible();
    // Tab stays inside the modal dialog.
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    await expect(dialog.locator(':focus')).toHaveCount(1);
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(clear).toBeFocused();
  });

  await page.setViewportSize({ width: 1280, height: 800 });
  await test.step('both modes of every listener can be picked', async () => {
    await showView(page, 'listeners');
    for (const name of ['web', 'fwd']) {
      const group = page.getByRole('group', { name: `Mode of ${name}` });
      for (const mode of ['reverse', 'forward']) await expect(group.getByRole('button', { name: mode, exact: true })).toBeInViewport({ ratio: 1 });
    }
    await expect(page.getByTestId('listener-web').getByRole('link')).toHaveText(host.gateway);
  });

  await test.step('a Designer box opens its form with Enter', async () => {
    await showView(page, 'designer');
    await page.locator('.react-flow__node').filter({ hasText: 'beta-route' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('route-form')).toContainText('Route “beta-route”');
    await expect(page.getByTestId('route-form').locator(':focus')).toHaveCount(1);
  });

  await test.step('Caddy is saved as "Caddyfile"', async () => {
    await showView(page, 'export');
    await page.getByTestId('export-target-caddy').click();
    await expect(page.getByTestId('export-state')).toHaveText('Caddyfile');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-save').click()]);
    expect(download.suggestedFilename()).toBe('Caddyfile');
  });
});
