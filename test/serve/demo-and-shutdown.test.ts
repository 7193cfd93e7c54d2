/**
 * The two promises of `switchyard serve` that a newcomer meets first: the
 * embedded demo workspace serves real traffic through both of its balanced
 * routes, and Ctrl-C stops accepting while in-flight requests finish.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { instantiateDemo } from '../../src-proxy/demo/demo-services.js';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { Engine } from '../../src-proxy/engine.js';
import { projectRoot } from '../../src-proxy/project-root.js';
import { requireFreshDist } from '../helpers/dist.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('demo workspace', () => {
  it('serves traffic through its weighted and least-connections routes', async () => {
    const template = readFileSync(join(projectRoot(), 'resources', 'demo', 'workspace.yaml'), 'utf8');
    const demo = await instantiateDemo(template.replace('127.0.0.1:8080', '127.0.0.1:0'));
    cleanups.push(() => Promise.all(demo.services.map((s) => s.close())));
    const { plan, issues } = loadWorkspaceText(demo.text, 'demo.yaml');
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    const engine = new Engine();
    await engine.apply(plan!);
    cleanups.push(() => engine.stop(0));
    const base = engine.listeners()[0].url;

    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const res = await request(`${base}/api/catalog/items/${i}`);
      expect(res.statusCode).toBe(200);
      const body = (await res.body.json()) as { service: string; path: string };
      expect(body.path).toBe(`/catalog/items/${i}`);
      seen.set(body.service, (seen.get(body.service) ?? 0) + 1);
    }
    // weight 3:1 over 40 requests with smooth weighted round-robin: exactly 30/10.
    expect(seen.get('catalog-a')).toBe(30);
    expect(seen.get('catalog-b')).toBe(10);

    const order = await request(`${base}/api/orders`, { method: 'POST', body: '{"item":1}', headers: { 'content-type': 'application/json' } });
    expect(order.statusCode).toBe(201);
    expect(((await order.body.json()) as { service: string }).service).toMatch(/^orders-/);
    const ping = await request(`${base}/ping`);
    expect(await ping.body.text()).toBe('pong');
  });
});

describe('graceful shutdown', () => {
  it('stops accepting and lets an in-flight request finish before the deadline', async () => {
    let release: () => void = () => {};
    const upstream = http.createServer((_req, res) => {
      release = () => res.end('finished');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('started;');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => upstream.close(r)));
    const port = (upstream.address() as AddressInfo).port;
    const { plan } = loadWorkspaceText(
      `version: 1\nlisteners: [{ name: web, address: "127.0.0.1:0" }]\nroutes: [{ name: all, match: { path: / }, upstream: app }]\nupstreams: { app: { targets: [{ url: "http://127.0.0.1:${port}" }] } }\n`,
    );
    const engine = new Engine();
    await engine.apply(plan!);
    const base = engine.listeners()[0].url;

    const inFlight = request(`${base}/slow`);
    const res = await inFlight;
    const stopped = engine.stop(5000);
    // New connections are refused once the listener stops accepting…
    await new Promise((r) => setTimeout(r, 100));
    await expect(request(`${base}/new`)).rejects.toThrow();
    // …while the request already in flight still completes.
    setTimeout(() => release(), 200);
    expect(await res.body.text()).toBe('started;finished');
    await stopped;
  });

  it('`switchyard serve` exits cleanly on SIGINT', async () => {
    const bin = join(projectRoot(), 'bin', 'switchyard.js');
    requireFreshDist(['src-proxy']);
    const dataDir = mkdtempSync(join(tmpdir(), 'swy-serve-'));
    const config = join(dataDir, 'workspace.yaml');
    writeFileSync(config, 'version: 1\nlisteners: [{ name: web, address: "127.0.0.1:0" }]\nroutes: [{ name: ping, match: { path: /ping }, respond: { body: pong } }]\n');
    const child: ChildProcess = spawn(process.execPath, [bin, 'serve', '--no-ui', '--config', config, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 20_000);
      const check = setInterval(() => {
        if (/listener web \(reverse\): http:\/\/127\.0\.0\.1:\d+/.test(out)) {
          clearInterval(check);
          clearTimeout(t);
          resolve();
        }
      }, 50);
    });
    const url = /listener web \(reverse\): (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1];
    expect((await request(`${url}/ping`)).statusCode).toBe(200);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
    expect(out).toMatch(/SIGINT: shutting down/);
  });

  it('--stop-on-stdin-eof: serve stops when the process that started it is killed with SIGKILL', async () => {
    const bin = join(projectRoot(), 'bin', 'switchyard.js');
    requireFreshDist(['src-proxy']);
    const dataDir = mkdtempSync(join(tmpdir(), 'swy-serve-'));
    const config = join(dataDir, 'workspace.yaml');
    writeFileSync(config, 'version: 1\nlisteners: [{ name: web, address: "127.0.0.1:0" }]\nroutes: [{ name: ping, match: { path: /ping }, respond: { body: pong } }]\n');
    // A stand-in for the desktop app: it starts serve with a piped stdin, prints serve's pid, then waits to be killed.
    const hostScript = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, ${JSON.stringify([bin, 'serve', '--no-ui', '--config', config, '--data-dir', dataDir, '--stop-on-stdin-eof'])}, { stdio: ['pipe', 'inherit', 'inherit'] });
      console.log('engine pid ' + c.pid);
      setInterval(() => {}, 1000);`;
    const host: ChildProcess = spawn(process.execPath, ['-e', hostScript], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    host.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    host.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let enginePid = 0;
    cleanups.push(() => {
      if (host.exitCode === null) host.kill('SIGKILL');
      if (enginePid && alive(enginePid)) process.kill(enginePid, 'SIGKILL');
    });
    const deadline = Date.now() + 20_000;
    while (!/listener web \(reverse\): http/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    enginePid = Number(/engine pid (\d+)/.exec(out)?.[1]);
    const url = /listener web \(reverse\): (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    expect((await request(`${url}/ping`)).statusCode).toBe(200);

    host.kill('SIGKILL');
    const stopBy = Date.now() + 15_000;
    while (alive(enginePid) && Date.now() < stopBy) await new Promise((r) => setTimeout(r, 50));
    expect(alive(enginePid)).toBe(false);
    expect(out).toMatch(/stdin closed: shutting down/);
  });
});
