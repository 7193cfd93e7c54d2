/**
 * Applying configs to a running engine: atomic swaps under load, invalid
 * configs that never replace a running one, listeners that move, and
 * listeners that cannot bind. Real engine, real upstreams, all on 127.0.0.1
 * with ports picked by the OS.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import type { Plan } from '../../src-proxy/config/plan.js';
import { WorkspaceSource } from '../../src-proxy/control/workspace-source.js';
import { Engine } from '../../src-proxy/engine.js';

// ---------------------------------------------------------------- helpers

interface Upstream {
  name: string;
  url: string;
  served: number;
  close(): Promise<void>;
}

/** An upstream that answers its own name after a short pause, so requests overlap the applies. */
async function startUpstream(name: string, delayMs = 2): Promise<Upstream> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        up.served++;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(name);
      }, delayMs);
    });
  });
  const port = await listenOn(server, 0);
  const up: Upstream = {
    name,
    url: `http://127.0.0.1:${port}`,
    served: 0,
    close: () => closeServer(server),
  };
  return up;
}

function listenOn(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** A port that was free a moment ago (the OS picks it; nothing is hard-coded). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  const port = await listenOn(probe, 0);
  await closeServer(probe);
  return port;
}

/** Whether a new TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls until `accepts(port)` equals `expected`, for at most `ms`. */
async function waitForAccepts(port: number, expected: boolean, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await accepts(port);
    if (now === expected || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function workspace(opts: { upstreams: Record<string, string>; route: string; address?: string; extraListeners?: string[] }): string {
  return [
    'version: 1',
    'listeners:',
    `  - { name: web, address: "${opts.address ?? '127.0.0.1:0'}" }`,
    ...(opts.extraListeners ?? []).map((l) => `  - ${l}`),
    'routes:',
    '  - { name: ping, match: { path: /ping, exact: true }, respond: { body: pong } }',
    `  - { name: svc, match: { path: / }, upstream: ${opts.route} }`,
    'upstreams:',
    ...Object.entries(opts.upstreams).map(([name, url]) => `  ${name}: { targets: [{ url: "${url}" }] }`),
    '',
  ].join('\n');
}

function planOf(text: string): Plan {
  const { plan, issues } = loadWorkspaceText(text, 'hot.yaml');
  if (!plan) throw new Error(`test workspace does not load:\n${issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n')}`);
  return plan;
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

// ---------------------------------------------------------------- fixtures

let engine: Engine | null = null;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  if (engine) await engine.stop(0);
  engine = null;
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function upstreams(...names: string[]): Promise<Upstream[]> {
  const ups = await Promise.all(names.map((n) => startUpstream(n)));
  for (const u of ups) cleanups.push(() => u.close());
  return ups;
}

function webUrl(e: Engine): string {
  const web = e.listeners().find((l) => l.name === 'web');
  if (!web?.served) throw new Error('listener web is not served');
  return web.url;
}

// ---------------------------------------------------------------- tests

describe('hot apply under load', () => {
  it.each([
    ['the route names the other upstream; the old one is removed', 'rename'],
    ['one upstream name whose target changes', 'retarget'],
  ] as const)('20 applies during 8 concurrent request loops lose no request (%s)', async (_label, mode) => {
    const [blue, green] = await upstreams('blue', 'green');
    const configs = [blue, green].map((u) =>
      mode === 'rename' ? workspace({ upstreams: { [u.name]: u.url }, route: u.name }) : workspace({ upstreams: { svc: u.url }, route: 'svc' }),
    );
    engine = new Engine();
    const first = await engine.apply(planOf(configs[0]));
    const url = webUrl(engine);
    const client = new Pool(url, { connections: 8 });
    cleanups.push(() => client.close());

    const failures: string[] = [];
    const servedBy = new Map<string, number>();
    let stop = false;
    let applying = false;
    let duringApplies = 0;
    const loop = async () => {
      while (!stop) {
        try {
          const res = await client.request({ path: '/work', method: 'GET' });
          const body = await res.body.text();
          if (res.statusCode !== 200) failures.push(`${res.statusCode} ${body}`);
          else servedBy.set(body, (servedBy.get(body) ?? 0) + 1);
          if (applying) duringApplies++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);

    // 20 applies spread over ~1.5 s, alternating blue and green.
    const generations: number[] = [];
    applying = true;
    for (let i = 1; i <= 20; i++) {
      await new Promise((r) => setTimeout(r, 75));
      generations.push((await engine.apply(planOf(configs[i % 2]))).generation);
    }
    applying = false;
    await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await Promise.all(loops);

    expect(failures).toEqual([]);
    expect(duringApplies).toBeGreaterThanOrEqual(20); // the load really overlapped the applies
    expect(generations).toEqual(Array.from({ length: 20 }, (_, i) => first.generation + 1 + i));
    expect(servedBy.get('blue')).toBeGreaterThan(0);
    expect(servedBy.get('green')).toBeGreaterThan(0);
    expect([...servedBy.keys()].sort()).toEqual(['blue', 'green']);
    expect(blue.served + green.served).toBe(servedBy.get('blue')! + servedBy.get('green')!);
    // The listener was never rebound: the same URL served throughout.
    expect(webUrl(engine)).toBe(url);
    // After the last apply (i = 20 → configs[0]) only blue answers.
    const after = await Promise.all(Array.from({ length: 5 }, () => get(`${url}/after`)));
    expect(after.map((r) => r.body)).toEqual(Array(5).fill('blue'));
  });
});

describe('an invalid config never replaces a running one', () => {
  it('WorkspaceSource.apply returns the issues; the old plan keeps serving with the same generation', async () => {
    const [blue, green] = await upstreams('blue', 'green');
    engine = new Engine();
    const good = workspace({ upstreams: { blue: blue.url }, route: 'blue' });
    const source = new WorkspaceSource(engine, null, good, 'hot.yaml');
    const applied = await source.apply(good);
    expect(applied).toMatchObject({ applied: true, issues: [] });
    const url = webUrl(engine);
    const before = engine.current();
    expect(applied.generation).toBe(before.generation);
    expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'blue' });

    const invalid = [
      // schema: unknown key
      workspace({ upstreams: { green: green.url }, route: 'green' }).replace('name: web,', 'name: web, colour: red,'),
      // compile: the route names an upstream that is not defined
      workspace({ upstreams: { green: green.url }, route: 'ghost' }),
      // YAML syntax
      workspace({ upstreams: { green: green.url }, route: 'green' }).replace('{ name: ping', '{ name: ping,,'),
    ];
    for (const text of invalid) {
      const outcome = await source.apply(text);
      expect(outcome.applied).toBe(false);
      expect(outcome.generation).toBeNull();
      expect(outcome.issues.length).toBeGreaterThan(0);
      for (const issue of outcome.issues.filter((i) => i.severity === 'error')) {
        expect(issue.file).toBe('hot.yaml');
        expect(issue.line).toBeGreaterThan(0);
        expect(issue.column).toBeGreaterThan(0);
      }
      expect(engine.current()).toBe(before); // same generation object, same plan
      expect(source.text).toBe(good);
      expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'blue' });
      expect(await get(`${url}/ping`)).toEqual({ status: 200, body: 'pong' });
    }
    expect(green.served).toBe(0);
    const errorsOf = (text: string) => source.validate(text).filter((i) => i.severity === 'error');
    expect(errorsOf(invalid[1]).map((i) => `${i.line}:${i.column} ${i.message}`)).toEqual([
      '6:48 route "svc" names upstream "ghost", which is not defined under upstreams',
    ]);

    // A valid config still applies afterwards.
    const next = await source.apply(workspace({ upstreams: { green: green.url }, route: 'green' }));
    expect(next).toMatchObject({ applied: true, generation: before.generation + 1 });
    expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'green' });
  });
});

describe('listeners across applies', () => {
  it('a listener whose address changes is rebound; the old port stops accepting', async () => {
    const [blue] = await upstreams('blue');
    engine = new Engine();
    await engine.apply(planOf(workspace({ upstreams: { blue: blue.url }, route: 'blue' })));
    const oldPort = engine.listeners()[0].port;
    expect(await get(`http://127.0.0.1:${oldPort}/x`)).toEqual({ status: 200, body: 'blue' });

    const newPort = await freePort();
    const { generation } = await engine.apply(planOf(workspace({ upstreams: { blue: blue.url }, route: 'blue', address: `127.0.0.1:${newPort}` })));
    expect(generation).toBe(2);
    expect(engine.listeners()).toMatchObject([{ name: 'web', port: newPort, url: `http://127.0.0.1:${newPort}`, served: true }]);
    expect(await get(`http://127.0.0.1:${newPort}/x`)).toEqual({ status: 200, body: 'blue' });
    expect(await waitForAccepts(oldPort, false)).toBe(false);
  });

  it('an unchanged listener keeps its socket (and its port 0 choice) across applies', async () => {
    const [blue, green] = await upstreams('blue', 'green');
    engine = new Engine();
    await engine.apply(planOf(workspace({ upstreams: { blue: blue.url }, route: 'blue' })));
    const url = webUrl(engine);
    await engine.apply(planOf(workspace({ upstreams: { green: green.url }, route: 'green' })));
    expect(webUrl(engine)).toBe(url);
    expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'green' });
  });

  it('a port-0 listener rebound by a change (limits, TLS) keeps the port it was given', async () => {
    const [blue] = await upstreams('blue');
    engine = new Engine();
    await engine.apply(planOf(workspace({ upstreams: { blue: blue.url }, route: 'blue' })));
    const url = webUrl(engine);
    const limited = workspace({ upstreams: { blue: blue.url }, route: 'blue' }).replace(
      '{ name: web, address: "127.0.0.1:0" }',
      '{ name: web, address: "127.0.0.1:0", limits: { keepAliveTimeout: 3s } }',
    );
    await engine.apply(planOf(limited));
    expect(webUrl(engine)).toBe(url);
    expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'blue' });
    const tls = limited.replace('limits: { keepAliveTimeout: 3s } }', 'tls: { certificates: local-ca } }');
    await engine.apply(planOf(tls));
    expect(webUrl(engine)).toBe(url.replace('http:', 'https:'));
  });

  it('a plan whose listener cannot bind is rejected, partly bound listeners are released, and the old plan keeps serving', async () => {
    const [blue, green] = await upstreams('blue', 'green');
    const squatter = net.createServer((s) => s.destroy());
    const takenPort = await listenOn(squatter, 0);
    cleanups.push(() => closeServer(squatter));

    engine = new Engine();
    await engine.apply(planOf(workspace({ upstreams: { blue: blue.url }, route: 'blue' })));
    const before = engine.current();
    const listenersBefore = engine.listeners();
    const url = webUrl(engine);

    const spare = await freePort();
    const bad = planOf(
      workspace({
        upstreams: { green: green.url },
        route: 'green',
        extraListeners: [`{ name: spare, address: "127.0.0.1:${spare}" }`, `{ name: taken, address: "127.0.0.1:${takenPort}" }`],
      }),
    );
    await expect(engine.apply(bad)).rejects.toThrow(/EADDRINUSE/);

    expect(engine.current()).toBe(before);
    expect(engine.listeners()).toEqual(listenersBefore);
    expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'blue' });
    expect(await accepts(spare)).toBe(false); // bound during the failed apply, then released
    expect(green.served).toBe(0);

    // Through WorkspaceSource too: the apply rejects and the text stays.
    const text = workspace({ upstreams: { blue: blue.url }, route: 'blue' });
    const source = new WorkspaceSource(engine, null, text, 'hot.yaml');
    await expect(
      source.apply(workspace({ upstreams: { green: green.url }, route: 'green', address: `127.0.0.1:${takenPort}` })),
    ).rejects.toThrow(/EADDRINUSE/);
    expect(source.text).toBe(text);
    expect(engine.current()).toBe(before);
    expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'blue' });

    // And once the port is free, the same kind of plan applies.
    const ok = await engine.apply(planOf(workspace({ upstreams: { green: green.url }, route: 'green' })));
    expect(ok.generation).toBe(before.generation + 1);
    expect(await get(`${url}/x`)).toEqual({ status: 200, body: 'green' });
  });
});
