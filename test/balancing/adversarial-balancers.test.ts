/**
 * Balancers probed the way an operator would: in-flight counts after aborted
 * and failed requests, backups with weights, sticky cookies that name a
 * removed target or arrive over TLS, and hash keys that are missing.
 */
import { rm } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { stringify } from 'yaml';
import { Engine } from '../../src-proxy/engine.js';
import { startServer } from '../helpers/upstreams.js';
import { startTlsGateway, tlsWorkspace } from '../tls/rig.js';
import { Harness, load, planOf, share, sleep, tally, until } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

/** Per request id (`?i=`), what to do when a target has the request (see `arrived`). */
type Arrivals = Map<string, () => void>;
let nextId = 0;

/** Calls the arrival hook of the request a backend just got. */
function arrived(arrivals: Arrivals, req: http.IncomingMessage): void {
  const id = new URL(req.url ?? '/', 'http://backend').searchParams.get('i');
  if (id !== null) arrivals.get(id)?.();
}

/**
 * Sends a GET and destroys the client socket: 5 ms after the request is out (before or after the
 * gateway forwards it, whichever the machine makes it), or, given `arrivals`, the moment a target
 * has it. Resolves with whether it was destroyed at a target, before any answer.
 */
function abortedGet(url: string, arrivals?: Arrivals): Promise<boolean> {
  return new Promise((resolve) => {
    const id = String(nextId++);
    let answered = false;
    let atTarget = false;
    const req = http.get(arrivals ? `${url}?i=${id}` : url, { agent: false });
    const done = () => {
      arrivals?.delete(id);
      resolve(atTarget);
    };
    req.on('error', done);
    req.on('close', done);
    // An answer that beats the abort is dropped unread, the connection with it.
    req.on('response', () => {
      answered = true;
      req.destroy();
    });
    if (arrivals) {
      arrivals.set(id, () => {
        atTarget = !answered && !req.destroyed;
        req.destroy();
      });
      // Never hangs, should a request not reach a target.
      setTimeout(() => req.destroy(), 10_000).unref();
    } else {
      req.on('finish', () => setTimeout(() => req.destroy(), 5));
    }
  });
}

describe('least-connections in-flight counts (adversarial)', () => {
  it('return to 0 after 1000 client-aborted requests and after failed ones; aborts are no target failures', async () => {
    const arrivals: Arrivals = new Map();
    const slow = await h.backend('slow', (req, res) => {
      arrived(arrivals, req);
      req.resume();
      const answer = setTimeout(() => res.end('slow'), 200);
      res.on('close', () => clearTimeout(answer));
    });
    const resetting = await h.backend('reset', (req) => {
      arrived(arrivals, req);
      req.socket.destroy();
    });
    const engine = await h.gateway({
      balancer: 'least-connections',
      targets: [{ url: slow.url }, { url: resetting.url }],
      retry: { attempts: 1, on: ['reset'], budget: 1 },
      outlierDetection: { consecutiveFailures: 1000, ejectFor: '30s' },
    });
    // Half the aborts come whenever 5 ms is on this machine; the other half once a target has the
    // request (waited for, not assumed), so that many requests surely were in flight when cut.
    const atTarget = await load(1000, 50, (i) => abortedGet(h.url + '/', i % 2 === 0 ? arrivals : undefined));
    await load(50, 5, () => h.get('/'));
    await until(() => engine.upstreamStatus().app.every((t) => t.inflight === 0), 10_000, 'in-flight back to 0');
    expect(atTarget.filter(Boolean).length).toBeGreaterThanOrEqual(450);
    // A client hanging up is not the slow target's fault: only the 50 completed requests count, all successes.
    const [slowStatus] = engine.upstreamStatus().app;
    expect(slowStatus.failures).toBe(0);
    expect(slowStatus.requests).toBeGreaterThanOrEqual(50);
  }, 60_000);
});

describe('backups (adversarial)', () => {
  it('share traffic by weight among themselves while every primary is down', async () => {
    const [p, b1, b2] = await h.backendsNamed('p', 'b1', 'b2');
    const engine = await h.gateway({
      balancer: 'weighted-round-robin',
      targets: [{ url: p.url }, { url: b1.url, backup: true, weight: 3 }, { url: b2.url, backup: true, weight: 1 }],
    });
    engine.setDrained('app', p.url, true);
    const t = tally((await load(40, 1, () => h.get('/'))).map((r) => r.body));
    expect(t).toEqual({ b1: 30, b2: 10 });
    engine.setDrained('app', p.url, false);
    expect(tally((await load(10, 1, () => h.get('/'))).map((r) => r.body))).toEqual({ p: 10 });
  }, 20_000);
});

describe('sticky cookie (adversarial)', () => {
  const COOKIE = 'swy_sticky';
  const valueOf = (setCookie: string | string[] | undefined) => {
    const list = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
    return list.find((c) => c.startsWith(`${COOKIE}=`));
  };

  it('re-pins a client whose cookie names a target removed by a re-apply', async () => {
    const [a, b, c] = await h.backendsNamed('a', 'b', 'c');
    const config = (targets: string[]) => ({ balancer: 'round-robin', targets: targets.map((url) => ({ url })), sticky: { cookie: COOKIE } });
    await h.gateway(config([a.url, b.url, c.url]));
    let pinnedTo = '';
    let cookie = '';
    // Find a cookie for target a.
    for (let i = 0; i < 3 && pinnedTo !== 'a'; i++) {
      const r = await h.get('/');
      pinnedTo = r.body;
      cookie = valueOf(r.headers['set-cookie'])!.split(';')[0];
    }
    expect(pinnedTo).toBe('a');
    await h.reapply(config([b.url, c.url]));
    const moved = await h.get('/', { headers: { cookie } });
    expect(moved.status).toBe(200);
    expect(['b', 'c']).toContain(moved.body);
    const fresh = valueOf(moved.headers['set-cookie']);
    expect(fresh).toMatch(/; Path=\/; HttpOnly; SameSite=Lax/);
    const again = await load(10, 2, () => h.get('/', { headers: { cookie: fresh!.split(';')[0] } }));
    expect(new Set(again.map((r) => r.body))).toEqual(new Set([moved.body]));
  }, 20_000);

  it('marks the cookie Secure on a TLS listener (and not on a plain one)', async () => {
    const echo = await h.backend('echo');
    const yaml = tlsWorkspace(echo.url, { http2: false }).replace('    targets:', `    sticky: { cookie: ${COOKIE}, ttl: 1h }\n    targets:`);
    const gw = await startTlsGateway(yaml);
    const agent = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const res = await request(`https://localhost:${gw.portOf('secure')}/`, { dispatcher: agent });
      await res.body.text();
      const set = valueOf(res.headers['set-cookie']);
      expect(set).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure$/);
    } finally {
      await agent.close();
      await gw.stop();
      await rm(gw.dataDir, { recursive: true, force: true });
    }
    await h.gateway({ targets: [{ url: echo.url }], sticky: { cookie: COOKIE } });
    const plain = await h.get('/');
    expect(valueOf(plain.headers['set-cookie'])).not.toMatch(/Secure/);
  }, 30_000);
});

describe('hash keys (adversarial)', () => {
  it('consistent-hash without the hash header falls back to the client address (stable), and spreads by header', async () => {
    const backends = await h.backendsNamed('a', 'b', 'c');
    await h.gateway({ balancer: 'consistent-hash', hashOn: 'header:x-user', targets: backends.map((b) => ({ url: b.url })) });
    const missing = await load(20, 2, () => h.get('/'));
    expect(new Set(missing.map((r) => r.body)).size).toBe(1);
    const empty = await load(5, 1, () => h.get('/', { headers: { 'x-user': '' } }));
    expect(new Set(empty.map((r) => r.body))).toEqual(new Set([missing[0].body]));
    const keyed = await load(60, 3, (i) => h.get('/', { headers: { 'x-user': `user-${i}` } }));
    expect(share(tally(keyed.map((r) => r.body)), missing[0].body)).toBeLessThan(0.8);
  }, 20_000);
});

describe('HTTP/2 client aborts (adversarial)', () => {
  it('free the target when an HTTP/2 client cancels its stream mid-request', async () => {
    const arrivals: Arrivals = new Map();
    const slow = await h.backend('slow', (req, res) => {
      arrived(arrivals, req);
      req.resume();
      const answer = setTimeout(() => res.end('slow'), 150);
      res.on('close', () => clearTimeout(answer));
    });
    const gw = await startTlsGateway(tlsWorkspace(slow.url));
    const session = http2.connect(`https://localhost:${gw.portOf('secure')}`, { rejectUnauthorized: false });
    try {
      session.on('error', () => undefined);
      await new Promise((r) => session.once('connect', r));
      // Each stream is cancelled the moment the target has its request (waited for, with a deadline
      // so nothing hangs), long before the 150 ms answer.
      let cancelledAtTarget = 0;
      await load(50, 10, async () => {
        const id = String(nextId++);
        const stream = session.request({ ':path': `/?i=${id}` });
        stream.on('error', () => undefined);
        let answered = false;
        stream.on('response', () => (answered = true));
        await new Promise<void>((resolve) => {
          const deadline = setTimeout(resolve, 10_000);
          arrivals.set(id, () => {
            clearTimeout(deadline);
            if (!answered) cancelledAtTarget++;
            resolve();
          });
        });
        arrivals.delete(id);
        stream.close(http2.constants.NGHTTP2_CANCEL);
      });
      expect(cancelledAtTarget).toBeGreaterThanOrEqual(45);
      await until(() => gw.engine.upstreamStatus().app.every((t) => t.inflight === 0), 10_000, 'in-flight back to 0');
      expect(gw.engine.upstreamStatus().app[0].failures).toBe(0);
    } finally {
      session.destroy();
      await gw.stop();
    }
  }, 30_000);
});

describe('clients that leave before the upstream call (adversarial)', () => {
  it('neither calls nor holds the target for a client that hung up while a request policy was still working', async () => {
    const keys = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k', alg: 'ES256', use: 'sig' };
    // The identity provider answers slowly: the client is gone by the time the token is verified.
    // It hangs the client up itself, the moment the JWKS fetch reaches it (a fixed delay on the
    // client's side raced the gateway: on a busy machine the client could leave before the
    // gateway had even read its request, and the fetch never came).
    let hangUp = () => {};
    const idp = await h.backend('idp', (req, res) => {
      hangUp();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })), 300);
    });
    const app = await h.backend('app');
    const engine = new Engine();
    h.engine = engine;
    await engine.apply(
      planOf(
        stringify({
          version: 1,
          listeners: [{ name: 'web', address: '127.0.0.1:0', mode: 'reverse' }],
          policies: { auth: { type: 'jwt', algorithms: ['ES256'], jwksUrl: `${idp.url}/jwks` } },
          routes: [{ name: 'all', match: { path: '/' }, policies: ['auth'], upstream: 'app' }],
          upstreams: { app: { targets: [{ url: app.url }] } },
        }),
      ),
    );
    const token = await new SignJWT({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 }).setProtectedHeader({ alg: 'ES256', kid: 'k' }).sign(keys.privateKey);
    await new Promise<void>((resolve) => {
      const req = http.get(engine.listeners()[0].url + '/', { agent: false, headers: { authorization: `Bearer ${token}` } });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      hangUp = () => req.destroy();
    });
    // The keys arrive after the client left; the token is valid, but nobody is waiting for an answer.
    await until(() => idp.hits === 1, 5000, 'the JWKS fetch');
    await sleep(800);
    expect(app.hits).toBe(0);
    expect(engine.upstreamStatus().app[0]).toMatchObject({ inflight: 0, failures: 0 });
  }, 20_000);
});

describe('ip-hash across address families (adversarial)', () => {
  it('maps an IPv4 client to the same target whether it arrives on an IPv4 or a dual-stack (IPv4-mapped) listener', async () => {
    const backends = await h.backendsNamed('a', 'b', 'c');
    const upstream = { balancer: 'ip-hash', targets: backends.map((b) => ({ url: b.url })) };
    const workspace = (address: string) =>
      stringify({
        version: 1,
        listeners: [{ name: 'web', address, mode: 'reverse' }],
        routes: [{ name: 'all', match: { path: '/' }, upstream: 'app' }],
        upstreams: { app: upstream },
      });
    await h.gateway(upstream);
    const dual = new Engine();
    try {
      await dual.apply(planOf(workspace('[::]:0')));
      const dualPort = dual.listeners()[0].port;
      const pairs: [string, string][] = [];
      for (let i = 2; i <= 9; i++) {
        const agent = h.agent(`127.0.0.${i}`);
        const viaV4 = await h.get('/', { dispatcher: agent });
        const res = await request(`http://127.0.0.1:${dualPort}/`, { dispatcher: agent });
        pairs.push([viaV4.body, await res.body.text()]);
      }
      for (const [v4, mapped] of pairs) expect(mapped).toBe(v4);
      // The addresses really spread (otherwise equality would prove little).
      expect(new Set(pairs.map(([v4]) => v4)).size).toBeGreaterThan(1);
    } finally {
      await dual.stop(0);
    }
  }, 20_000);
});

describe('least-connections and WebSockets (adversarial)', () => {
  it('counts an open WebSocket as in flight on its target until it closes', async () => {
    const wss = new WebSocketServer({ noServer: true });
    const names = ['a', 'b'];
    const servers = await Promise.all(
      names.map(async (name) => {
        const started = await startServer((_req, res) => res.end(name));
        started.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
          wss.handleUpgrade(req, socket, head, (ws) => ws.send(name));
        });
        return started;
      }),
    );
    try {
      const engine = await h.gateway({ balancer: 'least-connections', targets: servers.map((s) => ({ url: s.url })) });
      const ws = new WebSocket(h.url.replace('http:', 'ws:') + '/');
      const pinned = await new Promise<string>((resolve, reject) => {
        ws.once('message', (m) => resolve(String(m)));
        ws.once('error', reject);
      });
      const other = names.find((n) => n !== pinned)!;
      expect(engine.upstreamStatus().app.map((t) => t.inflight)).toEqual(names.map((n) => (n === pinned ? 1 : 0)));
      // While the socket is open, plain requests go to the other target.
      const bodies = await load(6, 1, () => h.get('/'));
      expect(bodies.map((r) => r.body)).toEqual(Array(6).fill(other));
      ws.close();
      await until(() => engine.upstreamStatus().app.every((t) => t.inflight === 0), 5000, 'the WebSocket released');
      const after = await load(4, 1, () => h.get('/'));
      expect(new Set(after.map((r) => r.body))).toEqual(new Set(names));
      // A declined upgrade (no Sec-WebSocket-Key: the upstream answers 400) releases its target too.
      const declined = await new Promise<number>((resolve, reject) => {
        const req = http.request(h.url + '/', { agent: false, headers: { connection: 'Upgrade', upgrade: 'websocket' } });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      });
      expect(declined).toBe(400);
      await until(() => engine.upstreamStatus().app.every((t) => t.inflight === 0), 5000, 'the declined upgrade released');
    } finally {
      wss.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  }, 20_000);
});

