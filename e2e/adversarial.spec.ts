/**
 * The workbench against hostile traffic: everything a remote client or server
 * sends ends up in the inspector, so it must never run as markup, must not
 * disguise itself (bidi / zero-width characters), and must leave the page
 * usable when it is huge. A hostile upstream (`beta`) answers markup, SVG,
 * binary, huge and deeply nested bodies and hundreds of headers; requests go
 * through the real gateway of `switchyard serve`.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Page } from '@playwright/test';
import { composeWorkspace } from './fixtures/workspace.js';
import { expect, openWorkbench, send, showView, test, type SwitchyardRig } from './fixtures/test.js';

const XSS = `<img src=x onerror="window.__pwned='img'"><script>window.__pwned='script'</script><svg onload="window.__pwned='svg'"></svg><a href="javascript:window.__pwned='link'">x</a>`;
const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="window.__pwned='svg-load'"><script>window.__pwned='svg-script'</script><rect width="10" height="10"/></svg>`;
const HUGE_JSON = JSON.stringify({ items: Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item-${i}`, pad: 'x'.repeat(20) })) });
const MANY_LINES = Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n');
const DEEP_JSON = `${'['.repeat(1000)}"core"${']'.repeat(1000)}`;
// 400 keys of 1,000-item arrays (~1 MB): opening every array would mount 400,000 nodes.
const WIDE_JSON = JSON.stringify(Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, Array.from({ length: 1000 }, () => 0)])));

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The hostile upstream: answers by path, remembers what /echo received. */
function hostileUpstream() {
  const echoes: Received[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').replace(/^\/beta/, '').split('?')[0];
      const answer = (type: string, body: string | Buffer, extra: [string, string][] = []) => {
        const headers: [string, string][] = [['content-type', type], ...extra];
        res.writeHead(200, headers.flat());
        res.end(body);
      };
      if (path === '/echo') {
        echoes.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        answer('text/plain', 'ok');
      } else if (path === '/html') {
        answer('text/html', XSS, [
          ['x-evil', XSS],
          ['link', '<javascript:alert(1)>; rel="preload"'],
          ['refresh', '0; url=javascript:alert(1)'],
        ]);
      } else if (path === '/svg') answer('image/svg+xml', SVG);
      else if (path === '/svg-as-html') answer('text/html', SVG);
      else if (path === '/big-json') answer('application/json', HUGE_JSON);
      else if (path === '/lines') answer('text/plain', MANY_LINES);
      else if (path === '/lines-b') answer('text/plain', MANY_LINES.replace('line 500\n', 'line 500 changed\n'));
      else if (path === '/deep') answer('application/json', DEEP_JSON);
      else if (path === '/wide') answer('application/json', WIDE_JSON);
      else if (path === '/bad-utf8') answer('application/json', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]));
      else if (path === '/binary') answer('application/octet-stream', Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff)));
      else if (path === '/headers') answer('text/plain', 'many', Array.from({ length: 500 }, (_, i) => [`x-h${i}`, `<b>v${i}</b>`] as [string, string]));
      else answer('text/plain', `path ${path}`);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    echoes,
    url: '',
    async start() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const hostile = hostileUpstream();
test.beforeAll(() => hostile.start());
test.afterAll(() => hostile.close());

test.use({
  workspace: {
    yaml: (alpha) =>
      composeWorkspace(alpha, {
        routes: `  - name: hostile
    match: { path: /beta }
    upstream: beta
`,
        beta: `    targets:
      - { url: ${hostile.url} }
`,
      })
        .replace('{ name: web, address: 127.0.0.1:0, mode: reverse }', '{ name: web, address: 127.0.0.1:0, mode: reverse, limits: { maxUrlLength: 64KB, maxHeaderSize: 128KB } }')
        .concat('capture: { maxBodySize: 4MB }\n'),
  },
});

/** Fails the test on any dialog (alert/confirm from injected script). */
function watchForScript(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return dialogs;
}

const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned ?? null);

/** Opens the newest Traffic row whose path contains `path`, on the given tab. */
async function openLive(page: Page, path: string, tab: 'Request' | 'Response' = 'Response') {
  await page.getByTestId('view-traffic').locator('[role=row][data-id]').filter({ hasText: path }).first().click();
  const detail = page.getByTestId('exchange-detail');
  await expect(detail.getByRole('tab', { name: tab })).toBeVisible();
  await detail.getByRole('tab', { name: tab }).click();
  return detail;
}

async function latestId(rig: SwitchyardRig, query: string): Promise<string> {
  let id: string | undefined;
  await expect
    .poll(async () => {
      id = (await rig.host.rpc<{ items: { id: string }[] }>('history.search', { query, limit: 1 })).items[0]?.id;
      return id;
    })
    .toBeTruthy();
  return id!;
}

test('markup, SVG and javascript: URLs in captured traffic never run', async ({ page, switchyard }) => {
  const dialogs = watchForScript(page);
  await openWorkbench(page, switchyard.host, 'traffic');
  const gw = switchyard.host.gateway;
  const q = `?q=${encodeURIComponent(XSS)}`;
  expect((await send(gw, `/beta/html${q}`, { headers: { 'x-req': XSS, referer: 'javascript:alert(1)' } })).status).toBe(200);
  expect((await send(gw, '/beta/svg')).status).toBe(200);
  expect((await send(gw, '/beta/svg-as-html')).status).toBe(200);

  // The page is under a CSP that allows no inline script.
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self'");
  const served = (await page.request.get(switchyard.host.url)).headers()['content-security-policy'] ?? '';
  expect(served).toMatch(/script-src 'self'(;|$)/);
  // Even markup that did reach the DOM could not run inline script.
  const inlineRan = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
    s.remove();
    return (window as unknown as { __inline?: number }).__inline ?? null;
  });
  expect(inlineRan).toBeNull();

  let detail = await openLive(page, '/beta/html');
  await expect(detail.getByTestId('response-body')).toHaveAttribute('data-kind', 'html');
  await expect(detail.getByTestId('response-body').locator('pre')).toHaveText(XSS);
  await expect(detail.getByTestId('response-headers')).toContainText('javascript:alert(1)');
  await detail.getByRole('tab', { name: 'Request' }).click();
  await expect(detail.getByTestId('request-headers')).toContainText(XSS);
  await expect(page.locator('.detail-url')).toContainText('%3Cscript%3E');

  detail = await openLive(page, '/beta/svg');
  const img = detail.getByTestId('response-body').locator('img');
  await expect(img).toHaveAttribute('src', /^data:image\/svg\+xml;base64,/);
  detail = await openLive(page, '/beta/svg-as-html');
  await expect(detail.getByTestId('response-body').locator('pre')).toHaveText(SVG);

  // History and its detail pane, then a compare of the two HTML-ish exchanges.
  await showView(page, 'history');
  const history = page.getByTestId('view-history');
  await history.locator('[role=row][data-id]').filter({ hasText: '/beta/html' }).first().click();
  await expect(history.getByTestId('response-body').locator('pre')).toHaveText(XSS);
  await history.getByLabel('Compare with').selectOption({ index: 1 });
  await history.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(history.getByTestId('diff-list')).toBeVisible();
  await history.getByRole('button', { name: 'Replay' }).click();
  await expect(history.getByRole('status').filter({ hasText: 'Replayed: 200' })).toBeVisible();

  // Nothing ran: no flag, no dialog, no element made from captured markup.
  expect(await pwned(page)).toBeNull();
  expect(dialogs).toEqual([]);
  expect(await page.locator('iframe, object, embed, script:not([src])').count()).toBe(0);
  expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
});

test('bidi overrides and zero-width characters in URLs are revealed, not rendered', async ({ page, switchyard }) => {
  await openWorkbench(page, switchyard.host, 'traffic');
  // A shared HAR is captured traffic too: its host holds a zero-width space, its header a right-to-left override.
  // (Its URL's override is stored percent-encoded, as a browser sends it: replay needs a valid request target.)
  const har = {
    log: {
      version: '1.2',
      creator: { name: 'e2e', version: '1' },
      entries: [
        {
          startedDateTime: new Date().toISOString(),
          time: 3,
          request: {
            method: 'GET',
            url: 'http://pay\u200Bpal.example/files/\u202Egpj.exe',
            httpVersion: 'HTTP/1.1',
            headers: [{ name: 'x-user', value: 'ad\u202Emin' }],
            queryString: [],
            cookies: [],
            headersSize: -1,
            bodySize: 0,
          },
          response: {
            status: 200,
            statusText: 'OK',
            httpVersion: 'HTTP/1.1',
            headers: [],
            cookies: [],
            content: { size: 0, mimeType: 'text/plain' },
            redirectURL: '',
            headersSize: -1,
            bodySize: 0,
          },
          cache: {},
          timings: { send: 1, wait: 1, receive: 1 },
        },
      ],
    },
  };
  await switchyard.host.rpc('history.importHar', { har: JSON.stringify(har) });
  await showView(page, 'history');
  const history = page.getByTestId('view-history');
  const row = history.locator('[role=row][data-id]').filter({ hasText: 'gpj.exe' }).filter({ hasText: 'pal.example' });
  await expect(row).toContainText('/files/%E2%80%AEgpj.exe');
  await expect(row).toContainText('pay<U+200B>pal.example');
  await row.click();
  await expect(history.locator('.detail-url')).toHaveText('pay<U+200B>pal.example/files/%E2%80%AEgpj.exe');
  await expect(history.getByTestId('hidden-chars-warning')).toBeVisible();
  await history.getByRole('tab', { name: 'Request' }).click();
  await expect(history.getByTestId('request-headers')).toContainText('ad<U+202E>min');
  // Nothing on the page carries a raw override any more.
  expect(await page.locator('body').evaluate((b) => /[\u202A-\u202E\u2066-\u2069\u200B]/.test((b as HTMLElement).innerText))).toBe(false);
});

test('huge, deep, binary and invalid bodies keep the inspector usable', async ({ page, switchyard }) => {
  test.setTimeout(120_000);
  await openWorkbench(page, switchyard.host, 'traffic');
  const gw = switchyard.host.gateway;
  const longUrl = `/beta/long/${'a'.repeat(16 * 1024)}`;
  for (const path of ['/beta/big-json', '/beta/lines', '/beta/lines-b', '/beta/deep', '/beta/wide', '/beta/bad-utf8', '/beta/binary', '/beta/headers', longUrl]) {
    expect((await send(gw, path)).status, path.slice(0, 40)).toBe(200);
  }

  let detail = await openLive(page, '/beta/big-json');
  const bigJson = detail.getByTestId('response-body');
  await expect(bigJson).toHaveAttribute('data-kind', 'json');
  await expect(bigJson).toContainText('… 18000 more');
  await bigJson.getByRole('button', { name: 'raw' }).click();
  await expect(bigJson.locator('pre')).toContainText('item-19999');

  detail = await openLive(page, '/beta/lines');
  await expect(detail.getByTestId('response-body').locator('pre')).toContainText('line 99999');

  detail = await openLive(page, '/beta/deep');
  const deep = detail.getByTestId('response-body');
  await expect(deep).toHaveAttribute('data-kind', 'json');
  for (let i = 0; i < 5; i++) await deep.locator('button.json-toggle[aria-expanded=false]').first().click();
  await deep.getByRole('button', { name: 'pretty' }).click();
  await expect(deep.locator('pre')).toContainText('"core"');

  detail = await openLive(page, '/beta/wide');
  const wide = detail.getByTestId('response-body');
  await expect(wide).toContainText('k399: [ 1000 items ]');
  expect(await wide.locator('.json-node').count()).toBeLessThanOrEqual(5000);

  detail = await openLive(page, '/beta/bad-utf8');
  await expect(detail.getByTestId('response-body')).toHaveAttribute('data-kind', 'binary');
  await expect(detail.getByTestId('response-body')).toContainText('7b 22 c3 28 ff fe 22 7d');

  detail = await openLive(page, '/beta/binary');
  await expect(detail.getByTestId('response-body')).toHaveAttribute('data-kind', 'binary');
  await expect(detail.getByTestId('response-body')).toContainText('Hex view shows the first 64 KB');

  detail = await openLive(page, '/beta/headers');
  await expect(detail.getByTestId('response-headers').locator('tr').filter({ hasText: /^x-h\d+<b>/ })).toHaveCount(500);
  await expect(detail.getByTestId('response-headers')).toContainText('<b>v499</b>');

  detail = await openLive(page, '/beta/long/');
  await expect(page.locator('.detail-url')).toContainText('a'.repeat(100));

  // A many-wildcard filter over the 16 KB URL answers (a backtracking regex would hang the page).
  const filter = page.getByTestId('traffic-filter');
  await filter.fill('path:/beta/long*a*a*a*a*x');
  await expect(page.getByTestId('view-traffic').locator('[role=row][data-id]')).toHaveCount(0);
  await filter.fill('path:/beta/long*a*a*a*a');
  await expect(page.getByTestId('view-traffic').locator('[role=row][data-id]')).toHaveCount(1);

  // Diff of two 100,000-line bodies: a summary and a bounded list of changed lines.
  await showView(page, 'history');
  const history = page.getByTestId('view-history');
  const a = await latestId(switchyard, 'path:/beta/lines-b');
  await history.locator(`[role=row][data-id="${a}"]`).click();
  const b = await latestId(switchyard, 'path:/beta/lines -path:/beta/lines-b');
  await history.getByLabel('Compare with').selectOption(b);
  await history.getByRole('button', { name: 'Compare', exact: true }).click();
  const diff = history.getByTestId('diff-list');
  await expect(diff).toContainText('1 line(s) added, 1 removed');
  await expect(diff).toContainText('line 500 changed');
  expect(await diff.locator('li').count()).toBeLessThan(300);

  // Compared with the 16 KB URL, the changed URL wraps inside the pane instead of widening it.
  const long = await latestId(switchyard, 'path:/beta/long*');
  await history.getByLabel('Compare with').selectOption(long);
  await history.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(diff).toContainText('url: /beta/lines-b → /beta/long/aaaa');
  const pane = history.getByTestId('exchange-detail');
  const [scrollWidth, clientWidth] = await pane.locator('.detail-section').evaluate((e) => [e.scrollWidth, e.clientWidth]);
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
});

test('a bad history query points at the offending part', async ({ page, switchyard }) => {
  await openWorkbench(page, switchyard.host, 'history');
  await page.getByTestId('history-filter').fill('status:5xx dur>abc');
  await page.getByTestId('history-filter').press('Enter');
  const error = page.getByTestId('history-filter-error');
  await expect(error).toBeVisible();
  await expect(error.locator('mark')).not.toHaveText('');
  await expect(error).toContainText(/column \d+/);
});

test('edit & resend refuses an invalid header name with a clear message', async ({ page, switchyard }) => {
  await openWorkbench(page, switchyard.host, 'traffic');
  hostile.echoes.length = 0;
  expect((await send(switchyard.host.gateway, '/beta/echo')).status).toBe(200);
  const detail = await openLive(page, '/beta/echo', 'Request');
  await detail.getByRole('button', { name: 'Edit & resend' }).click();
  const headers = detail.getByLabel('Headers');
  await headers.fill(`${await headers.inputValue()}\nX Bad Name: 1`);
  await detail.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(detail.getByTestId('edit-form').getByRole('alert')).toContainText('"X Bad Name" is not a valid header name');
  expect(hostile.echoes.length).toBe(1);
});

test('copy as curl is shell-safe: bash sends what was captured', async ({ page, context, switchyard }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openWorkbench(page, switchyard.host, 'traffic');
  hostile.echoes.length = 0;
  const headers = {
    'x-quote': `it's "quoted" \\ back\\slash`,
    'x-dollar': '$HOME $(touch /tmp/pwned-curl) `id` ${PATH} !! !$',
    'x-glob': '* ? [a] {b,c} ~ ; & | < > #',
    'content-type': 'text/plain; charset=utf-8',
  };
  const body = `line 1 'single' "double"\nline 2 $(id) \`id\` $HOME\n\\n not a newline\n!event ünïcødé 🙂\n`;
  expect((await send(switchyard.host.gateway, "/beta/echo?a='1'&b=$x", { method: 'PUT', headers, body })).status).toBe(200);
  const original = hostile.echoes[0];

  await openLive(page, '/beta/echo');
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'curl command copied' })).toBeVisible();
  const command = await page.evaluate(() => navigator.clipboard.readText());

  await new Promise<void>((resolve, reject) =>
    execFile('bash', ['-c', command.replace(/^curl /m, 'curl -sS -o /dev/null ')], { env: { PATH: process.env.PATH, HOME: '/nonexistent' } }, (err, _out, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}\n${command}`)) : resolve(),
    ),
  );
  expect(hostile.echoes.length).toBe(2);
  const replayed = hostile.echoes[1];
  expect(replayed.method).toBe('PUT');
  expect(replayed.url).toBe(original.url);
  expect(replayed.body.toString('utf8')).toBe(body);
  for (const name of Object.keys(headers)) expect(replayed.headers[name], name).toBe(original.headers[name]);
});
