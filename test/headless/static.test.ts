import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-proxy/engine.js';
import type { ControlService } from '../../src-proxy/control/control-service.js';
import { startHeadlessHost, type HeadlessHost } from '../../src-main/headless/host.js';
import { raw } from './helpers.js';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';
const control = { call: () => Promise.resolve({}) } as unknown as ControlService;
let dir: string;
let host: HeadlessHost;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-static-'));
  const root = join(dir, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Switchyard</title><div id="root"></div>');
  await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', 'index-abc123.css'), 'body{}');
  await writeFile(join(root, 'favicon.svg'), '<svg/>');
  await writeFile(join(dir, 'secret.txt'), SECRET);
  await writeFile(join(dir, 'package.json'), SECRET);
  host = await startHeadlessHost({ control, engine: new Engine(), port: 0, rendererDir: root });
});
afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

describe('headless host: static files', () => {
  it('serves index.html at / with no-store, CSP and the security headers', async () => {
    const res = await raw(host.port, { path: '/' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<div id="root">');
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${host.port}`);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('writes the Host the page was opened with into connect-src', async () => {
    const res = await raw(host.port, { path: '/index.html', headers: { host: `localhost:${host.port}` } });
    expect(res.headers['content-security-policy']).toContain(`ws://localhost:${host.port}`);
  });

  it('serves assets with the right type and a long cache', async () => {
    const js = await raw(host.port, { path: '/assets/index-abc123.js' });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    const css = await raw(host.port, { path: '/assets/index-abc123.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await raw(host.port, { path: '/favicon.svg' });
    expect(svg.headers['content-type']).toBe('image/svg+xml');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await raw(host.port, { method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const post = await raw(host.port, { method: 'POST', path: '/' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('404s missing assets and falls back to the app for client-side routes', async () => {
    expect((await raw(host.port, { path: '/assets/missing.js' })).status).toBe(404);
    const route = await raw(host.port, { path: '/traffic/123' });
    expect(route.status).toBe(200);
    expect(route.text).toContain('<div id="root">');
  });

  it('refuses path traversal in every spelling', async () => {
    for (const path of [
      '/../package.json',
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/package.json',
      '/%2e%2e%2fsecret.txt',
      '/..%2fsecret.txt',
      '/..%2Fpackage.json',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%252e%252e/secret.txt',
      '/secret.txt%00.html',
      '/%ff',
    ]) {
      const res = await raw(host.port, { path });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.text, path).not.toContain(SECRET);
    }
  });
});

describe('headless host: renderer not built', () => {
  it('serves a page that says how to build it', async () => {
    const h = await startHeadlessHost({ control, engine: new Engine(), port: 0, rendererDir: join(tmpdir(), 'switchyard-no-such-dir') });
    try {
      const res = await raw(h.port, { path: '/' });
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('npm run build:app');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await h.close();
    }
  });
});
