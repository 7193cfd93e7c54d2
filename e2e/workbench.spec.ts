/**
 * The workbench's main path in the browser, against a real `switchyard serve`
 * and real upstreams: edit a route in Monaco (schema error marker, fix,
 * Apply) → traffic appears live with its route and target → inspect one
 * exchange → edit and resend it → restart the host and find the exchanges in
 * History → edit an upstream in the Designer and see the YAML change → export
 * nginx.
 */
import { readFile } from 'node:fs/promises';
import { editor, editorText, replaceInEditor } from './fixtures/monaco.js';
import { expect, openWorkbench, send, showView, test } from './fixtures/test.js';

test('edit, apply, inspect, replay, restart, history, designer, export', async ({ page, switchyard }) => {
  test.setTimeout(150_000);
  const { host, alpha } = switchyard;
  // Everything the page loads (Monaco, its workers, fonts) must come from the host itself: no CDN.
  const origins = new Set<string>();
  page.on('request', (r) => origins.add(/^(data|blob):/.test(r.url()) ? 'inline' : new URL(r.url()).origin));
  const hostOrigins = new Set(['inline', host.api]);

  await test.step('open the app on the Routes view', async () => {
    await openWorkbench(page, host, 'routes');
    await expect(editor(page).locator('.view-lines')).toContainText('name: api');
    await expect(page.getByTestId('draft-state')).toContainText('same as running');
  });

  await test.step('a misspelt key shows a schema error marker', async () => {
    await replaceInEditor(page, 'path: /api', 'pathh: /v1');
    const marker = editor(page).locator('.squiggly-error').first();
    await expect(marker).toBeVisible();
    // Hovering the marked word shows the marker's message.
    await editor(page).locator('.view-lines').getByText('pathh', { exact: true }).hover();
    await expect(page.locator('.monaco-hover').filter({ hasText: 'pathh' }).first()).toBeVisible();
    const problems = page.getByTestId('issues');
    await expect(problems).toContainText('pathh');
    await expect(page.getByTestId('draft-state')).toContainText(/✗ \d+ errors?/);
    const shot = 'test-results/screenshots/00-routes-error-marker.png';
    await page.screenshot({ path: shot });
    await test.info().attach('routes-error-marker', { path: shot, contentType: 'image/png' });
  });

  await test.step('fixing it clears the marker; Apply runs the new route', async () => {
    await replaceInEditor(page, 'pathh: /v1', 'path: /v1');
    await expect(page.getByTestId('draft-state')).toContainText('✓ valid');
    await expect(page.getByTestId('issues')).toHaveCount(0);
    await expect(editor(page).locator('.squiggly-error')).toHaveCount(0);
    await page.getByTestId('apply').click();
    await expect(page.getByTestId('apply-result')).toContainText('Applied — generation 2 is running');
    // Apply saves the workspace file.
    expect(await readFile(switchyard.config, 'utf8')).toContain('match: { path: /v1 }');
  });

  const gateway = host.gateway;
  await test.step('requests through the gateway follow the applied route', async () => {
    for (let i = 1; i <= 3; i++) {
      const r = await send(gateway, `/v1/items/${i}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ service: 'alpha', url: `/v1/items/${i}` });
    }
    const post = await send(gateway, '/v1/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-e2e': 'inspect-me' },
      body: JSON.stringify({ item: 42, note: 'e2e order' }),
    });
    expect(post.status).toBe(200);
    expect((await send(gateway, '/api/old')).status).toBe(404);
  });

  await test.step('they appear live in Traffic with route and target', async () => {
    await showView(page, 'traffic');
    const row = page.getByRole('row').filter({ hasText: '/v1/items/2' });
    await expect(row).toHaveCount(1);
    await expect(row.locator('.c-route')).toHaveText('api');
    await expect(row.locator('.c-target')).toContainText(alpha.url.replace('http://', ''));
    await expect(row.locator('.c-status')).toHaveText('200');
    await expect(page.getByRole('row').filter({ hasText: '/api/old' }).locator('.c-status')).toHaveText('404');
  });

  const detail = page.getByTestId('exchange-detail');
  await test.step('the detail pane shows headers and bodies', async () => {
    await page.getByRole('row').filter({ hasText: '/v1/orders' }).click();
    await expect(detail).toBeVisible();
    await expect(detail.locator('.detail-meta')).toContainText('route api');
    await expect(page.getByTestId('response-headers')).toContainText('x-served-by');
    await expect(page.getByTestId('response-headers')).toContainText('alpha');
    await expect(page.getByTestId('response-body')).toContainText('e2e order');
    await detail.getByRole('tab', { name: 'Request' }).click();
    await expect(page.getByTestId('request-headers')).toContainText('inspect-me');
    await expect(page.getByTestId('request-body')).toContainText('e2e order');
  });

  await test.step('edit & resend adds a new row', async () => {
    await detail.getByRole('button', { name: 'Edit & resend' }).click();
    const form = page.getByTestId('edit-form');
    await form.getByLabel('Path').fill('/v1/orders/replayed');
    await form.getByLabel('Body').fill('{"item":43,"note":"edited replay"}');
    await form.getByRole('button', { name: 'Send' }).click();
    await expect(detail.getByRole('status')).toContainText(/Resent: 200/);
    const replayed = page.getByRole('row').filter({ hasText: '/v1/orders/replayed' });
    await expect(replayed).toHaveCount(1);
    await expect(replayed.locator('.c-status')).toHaveText('200');
  });

  await test.step('after a restart, History finds the exchanges by a filter', async () => {
    await host.restart();
    hostOrigins.add(host.api);
    await openWorkbench(page, host, 'history');
    const history = page.getByTestId('view-history');
    const rows = history.getByTestId('history-list').getByRole('row');
    await expect(rows.filter({ hasText: '/v1/items/3' })).toHaveCount(1);
    await page.getByTestId('history-filter').fill('route:api path:/v1/orders*');
    await page.getByTestId('history-filter').press('Enter');
    await expect(rows.filter({ hasText: '/v1/orders/replayed' })).toHaveCount(1);
    await expect(rows.filter({ hasText: '/v1/orders' })).toHaveCount(2);
    await expect(rows.filter({ hasText: '/v1/items/' })).toHaveCount(0);
    await rows.filter({ hasText: '/v1/orders/replayed' }).click();
    await expect(page.getByTestId('response-body')).toContainText('edited replay');
  });

  await test.step('History deletes a ticked exchange from the keyboard; the focus stays in the list', async () => {
    const history = page.getByTestId('view-history');
    const rows = history.getByTestId('history-list').getByRole('row');
    await rows.filter({ hasText: '/v1/orders/replayed' }).getByRole('checkbox').check();
    await page.getByTestId('history-delete').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('history-confirm')).toContainText('Delete 1 exchange?');
    await page.getByTestId('history-confirm-yes').focus();
    await page.keyboard.press('Enter');
    await expect(history.getByTestId('history-notice')).toContainText('Deleted 1 exchange.');
    await expect(rows.filter({ hasText: '/v1/orders/replayed' })).toHaveCount(0);
    await expect(rows.filter({ hasText: '/v1/orders' })).toHaveCount(1);
    await expect(history.getByTestId('history-list')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('response-body')).toBeVisible();
  });

  await test.step('an upstream edited in the Designer changes the YAML', async () => {
    await showView(page, 'designer');
    await page.getByTestId('node-upstream-alpha').click();
    const form = page.getByTestId('upstream-form');
    await form.getByTestId('upstream-balancer').selectOption('least-connections');
    await form.getByTestId('upstream-save').click();
    await showView(page, 'routes');
    await expect.poll(() => editorText(page)).toMatch(/alpha:\s+balancer: least-connections/);
    await expect(page.getByTestId('draft-state')).toContainText('modified');
    await page.getByTestId('apply').click();
    await expect(page.getByTestId('apply-result')).toContainText(/Applied — generation \d+ is running/);
    expect(await readFile(switchyard.config, 'utf8')).toMatch(/alpha:\s+balancer: least-connections/);
  });

  await test.step('Export renders nginx config', async () => {
    await showView(page, 'export');
    await page.getByRole('radiogroup', { name: 'Target' }).getByRole('radio', { name: /nginx/i }).click();
    await expect(page.getByTestId('export-target-nginx')).toHaveAttribute('aria-checked', 'true');
    await expect(page.getByTestId('export-editor').locator('.view-lines')).toContainText('Generated by Switchyard (export --target nginx)');
    // The whole config, as Save writes it (the editor shows only what fits on screen).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-save').click()]);
    const config = await readFile(await download.path(), 'utf8');
    expect(config).toContain('proxy_pass');
    expect(config).toContain('least_conn');
    expect(config).toContain(alpha.url.replace('http://', ''));
  });

  expect([...origins]).toContain(host.api);
  expect([...origins].filter((o) => !hostOrigins.has(o))).toEqual([]);
});

test('the control API refuses a call without the token from the page', async ({ page, switchyard }) => {
  await openWorkbench(page, switchyard.host, 'routes');
  const status = await page.evaluate(async () => (await fetch('/api/rpc/app.info', { method: 'POST', body: '{}' })).status);
  expect(status).toBe(401);
});
