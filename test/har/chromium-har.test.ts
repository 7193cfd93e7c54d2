/**
 * A HAR recorded by Chromium (Playwright's recordHar, content embedded) of a
 * page that also fetches JSON and an image from a local server imports
 * without errors, with sensible fields.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readableBody } from '../../src-proxy/capture/content-coding.js';
import { exportHar } from '../../src-proxy/har/har-export.js';
import { importHar } from '../../src-proxy/har/har-import.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import { harErrors } from './har-schema.js';

const CHROMIUM = '/usr/bin/chromium';
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d5a1e60000000049454e44ae426082', 'hex');
const page = `<!doctype html><html><head><title>har</title></head><body>
<img id="px" src="/pixel.png">
<script>
  fetch('/api/data.json?x=1', { method: 'POST', headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body: JSON.stringify({ hello: 'wörld' }) })
    .then((r) => r.json())
    .then((j) => { document.title = 'done ' + j.items.length; });
</script></body></html>`;

let server: Started<http.Server>;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-chromium-har-'));
  server = await startServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': 'visit=1; Path=/' });
        res.end(page);
      } else if (req.url?.startsWith('/api/data.json')) {
        // gzip, as servers answer browsers: the HAR then holds decoded text under Content-Encoding: gzip.
        const json = gzipSync(JSON.stringify({ items: [1, 2, 3], name: 'données' }));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': json.length });
        res.end(json);
      } else if (req.url === '/pixel.png') {
        res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' });
        res.end(png);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
});
afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CHROMIUM))('HAR recorded by Chromium', () => {
  it('imports without errors, with sensible fields', async () => {
    const harPath = join(dir, 'chromium.har');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const context = await browser.newContext({ recordHar: { path: harPath, content: 'embed' } });
      const tab = await context.newPage();
      await tab.goto(`${server.url}/`);
      // A string: this file is compiled without the DOM library.
      await tab.waitForFunction(`document.title === 'done 3' && document.getElementById('px').complete`);
      await context.close();
    } finally {
      await browser.close();
    }

    const text = readFileSync(harPath, 'utf8');
    const raw = JSON.parse(text) as { log: { creator: { name: string }; entries: unknown[] } };
    const result = importHar(text);
    expect(result.warnings).toEqual([]);
    expect(result.creator?.name).toBe(raw.log.creator.name);
    expect(result.exchanges).toHaveLength(raw.log.entries.length);
    expect(result.originalIds.every((id) => id === null)).toBe(true);

    const byUrl = (path: string) => {
      const x = result.exchanges.find((e) => e.url === path);
      if (!x) throw new Error(`no exchange for ${path}: ${result.exchanges.map((e) => e.url).join(', ')}`);
      return x;
    };
    const doc = byUrl('/');
    const api = byUrl('/api/data.json?x=1');
    const img = byUrl('/pixel.png');
    const host = `127.0.0.1:${server.port}`;
    for (const x of [doc, api, img]) {
      expect(x.source).toBe('import');
      expect(x.scheme).toBe('http');
      expect(x.host).toBe('127.0.0.1');
      expect(x.httpVersion).toBe('1.1');
      expect(x.status).toBe(200);
      expect(x.error).toBeNull();
      expect(x.replayOf).toBeNull();
      expect(Math.abs(x.startedAt - Date.now())).toBeLessThan(120_000);
      expect(x.duration).toBeGreaterThanOrEqual(0);
      for (const phase of Object.values(x.timings)) expect(phase).toBeGreaterThanOrEqual(0);
      expect(x.requestHeaders.filter((_, i) => i % 2 === 0).some((h) => h.startsWith(':'))).toBe(false);
      expect(x.requestHeaders).toContain(host);
    }

    expect(doc.method).toBe('GET');
    expect(doc.responseBody.contentType).toBe('text/html');
    expect(Buffer.from(doc.responseBody.bytes!).toString('utf8')).toBe(page);
    expect(doc.responseHeaders).toContain('visit=[masked]; Path=/');

    expect(api.method).toBe('POST');
    expect(api.requestHeaders).toContain('yes');
    expect(api.requestBody.contentType).toBe('application/json');
    expect(JSON.parse(Buffer.from(api.requestBody.bytes!).toString('utf8'))).toEqual({ hello: 'wörld' });
    expect(api.responseBody.contentType).toBe('application/json');
    // Stored as the wire had it (gzip, as its headers say), and read decoded.
    expect(api.responseHeaders.map((h) => h.toLowerCase())).toContain('content-encoding');
    expect(JSON.parse(gunzipSync(api.responseBody.bytes!).toString('utf8'))).toEqual({ items: [1, 2, 3], name: 'données' });
    const readable = readableBody(api.responseBody, api.responseHeaders);
    expect(readable.error).toBeNull();
    expect(JSON.parse(Buffer.from(readable.body.bytes!).toString('utf8'))).toEqual({ items: [1, 2, 3], name: 'données' });

    expect(img.responseBody.contentType).toBe('image/png');
    expect(Buffer.from(img.responseBody.bytes!).equals(png)).toBe(true);
    expect(img.responseBody).toMatchObject({ size: png.length, truncated: false });

    // And out again as a HAR that validates.
    expect(harErrors(exportHar(result.exchanges))).toBe('');
  });
});
