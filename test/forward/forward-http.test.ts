/**
 * Forward mode over plain HTTP: absolute-form requests with curl -x, captured
 * like reverse traffic; routes that name the forward listener; the client
 * allow-list; Basic proxy auth; a parent proxy; switching a listener's mode.
 */
import http from 'node:http';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import bcrypt from 'bcryptjs';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/gateway.js';
import { curl, freePort, planOf, startHttpOrigin, startProxy, type Origin, type ProxyRig } from './rig.js';

let rig: ProxyRig | null = null;
let origin: Origin | null = null;
afterEach(async () => {
  await rig?.close();
  await origin?.close();
  rig = origin = null;
});

const forward = (extra = '') => `version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward${extra} }
`;

describe('forward proxy: plain HTTP', () => {
  it('proxies an absolute-form request to its origin and captures it like reverse traffic', async () => {
    origin = await startHttpOrigin();
    rig = await startProxy(forward());
    const port = rig.portOf('egress');
    const r = await curl(['-x', `http://127.0.0.1:${port}`, '-H', 'x-request-id: fwd-plain-1', '-H', 'Proxy-Connection: keep-alive', '--data', 'hello', `http://127.0.0.1:${origin.port}/things?q=1`]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('plain-origin POST /things?q=1 body=hello');
    const seen = origin.seen[0];
    expect(seen.headers.host).toBe(`127.0.0.1:${origin.port}`);
    // Hop-by-hop and Proxy-* headers stay on the client's side; a forward proxy adds no X-Forwarded-*.
    expect(seen.headers['proxy-connection']).toBeUndefined();
    expect(seen.headers['x-forwarded-for']).toBeUndefined();
    const rec = await rig.record((x) => x.requestId === 'fwd-plain-1');
    expect(rec).toMatchObject({ listener: 'egress', scheme: 'http', method: 'POST', route: null, target: `http://127.0.0.1:${origin.port}`, status: 200 });
    expect(Buffer.from(rec.requestBody.bytes!).toString()).toBe('hello');
    expect(Buffer.from(rec.responseBody.bytes!).toString()).toContain('plain-origin');
  });

  it('passes an absolute-form WebSocket upgrade to its origin', async () => {
    origin = await startHttpOrigin();
    rig = await startProxy(forward());
    const upgraded = await new Promise<{ status: number; accept: string | undefined }>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: rig!.portOf('egress'),
        path: `http://127.0.0.1:${origin!.port}/ws`,
        headers: { host: `127.0.0.1:${origin!.port}`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('upgrade', (res, socket: net.Socket) => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, accept: res.headers['sec-websocket-accept'] });
      });
      req.on('response', (res) => resolve({ status: res.statusCode ?? 0, accept: undefined }));
      req.on('error', reject);
      req.end();
    });
    expect(upgraded).toEqual({ status: 101, accept: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' });
  });

  it('answers 502 with a problem when the origin cannot be reached', async () => {
    const gone = await startHttpOrigin();
    await gone.close();
    rig = await startProxy(forward());
    const r = await curl(['-x', `http://127.0.0.1:${rig.portOf('egress')}`, '-w', '\\n%{http_code}', `http://127.0.0.1:${gone.port}/`]);
    const [body, status] = r.stdout.split('\n');
    expect(status).toBe('502');
    expect(JSON.parse(body)).toMatchObject({ status: 502, detail: expect.stringContaining(`http://127.0.0.1:${gone.port}`) });
  });

  it('refuses an origin-form request: this is a proxy, not a web server', async () => {
    rig = await startProxy(forward());
    const r = await rawRequest(rig.portOf('egress'), 'GET /x HTTP/1.1\r\nHost: example.test\r\n\r\n', { until: (d) => d.includes('}') });
    expect(r.status).toBe(400);
  });

  it('applies routes that name the forward listener (their policies and action), and only those', async () => {
    origin = await startHttpOrigin();
    rig = await startProxy(`${forward()}
  - { name: web, address: 127.0.0.1:0 }
routes:
  - name: mock-api
    listeners: [egress]
    match: { host: 127.0.0.1, path: /mocked }
    policies: [tag]
    respond: { status: 203, body: mocked }
  - name: everywhere
    match: { path: /plain }
    respond: { status: 200, body: reverse-only }
policies:
  tag: { type: headers, response: { set: { x-tagged: "yes" } } }
`);
    const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
    const mocked = await curl(['-x', proxy, '-i', `http://127.0.0.1:${origin.port}/mocked/a`]);
    expect(mocked.stdout).toMatch(/^HTTP\/1\.1 203/);
    expect(mocked.stdout).toMatch(/x-tagged: yes/i);
    expect(mocked.stdout.endsWith('mocked')).toBe(true);
    // A route without `listeners` serves reverse listeners only: /plain goes to the origin.
    const plain = await curl(['-x', proxy, `http://127.0.0.1:${origin.port}/plain`]);
    expect(plain.stdout).toBe('plain-origin GET /plain body=');
    const rec = await rig.record((x) => x.url.endsWith('/mocked/a'));
    expect(rec.route).toBe('mock-api');
  });
});

describe('forward proxy: who may use it', () => {
  it('refuses clients outside allowClients with 403 and closes (loopback excluded here)', async () => {
    origin = await startHttpOrigin();
    rig = await startProxy(forward(', allowClients: [10.0.0.0/8]'));
    const port = rig.portOf('egress');
    const r = await rawRequest(port, `GET http://127.0.0.1:${origin.port}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    expect(r.status).toBe(403);
    expect(r.closedByPeer).toBe(true);
    const c = await rawRequest(port, `CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n`);
    expect(c.status).toBe(403);
    expect(origin.seen).toHaveLength(0);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  it.runIf(external !== undefined)('by default refuses a client connecting from a non-loopback address', async () => {
    origin = await startHttpOrigin();
    rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 0.0.0.0:0, mode: forward }
`);
    const port = rig.portOf('egress');
    const fromOutside = await new Promise<string>((resolve) => {
      const s = net.connect({ host: external, port, localAddress: external });
      let data = '';
      s.on('data', (c) => (data += c));
      s.on('close', () => resolve(data));
      s.on('error', () => undefined);
      s.write(`GET http://127.0.0.1:${origin!.port}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    });
    expect(fromOutside).toMatch(/^HTTP\/1\.1 403/);
    expect(origin.seen).toHaveLength(0);
    // Loopback is still served.
    const ok = await curl(['-x', `http://127.0.0.1:${port}`, `http://127.0.0.1:${origin.port}/in`]);
    expect(ok.stdout).toBe('plain-origin GET /in body=');
  });

  it('requires Basic proxy credentials when proxyAuth is set: 407, then success', async () => {
    origin = await startHttpOrigin();
    const hash = bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$');
    rig = await startProxy(forward(`, proxyAuth: { realm: corp, users: { ann: "${hash}", bob: "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=" } }`));
    const proxy = `http://127.0.0.1:${rig.portOf('egress')}`;
    const url = `http://127.0.0.1:${origin.port}/secret`;
    const none = await curl(['-x', proxy, '-i', url]);
    expect(none.stdout).toMatch(/^HTTP\/1\.1 407/);
    expect(none.stdout).toMatch(/proxy-authenticate: Basic realm="corp"/i);
    const wrong = await curl(['-x', proxy, '-U', 'ann:nope', '-w', '%{http_code}', '-o', '/dev/null', url]);
    expect(wrong.stdout).toBe('407');
    const ann = await curl(['-x', proxy, '-U', 'ann:s3cret', url]);
    expect(ann.stdout).toBe('plain-origin GET /secret body=');
    const bob = await curl(['-x', proxy, '-U', 'bob:password', url]); // {SHA} of "password"
    expect(bob.stdout).toBe('plain-origin GET /secret body=');
    // The credentials are for the proxy, never passed to the origin.
    expect(origin.seen.every((s) => s.headers['proxy-authorization'] === undefined)).toBe(true);
    const tunnel = await rawRequest(rig.portOf('egress'), 'CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n');
    expect(tunnel.status).toBe(407);
  });
});

describe('forward proxy: chaining and apply', () => {
  it('sends traffic on through a parent proxy (a second forward listener)', async () => {
    origin = await startHttpOrigin();
    const hash = bcrypt.hashSync('pw', 4);
    const parentPort = await freePort();
    rig = await startProxy(`version: 1
listeners:
  - { name: parent, address: 127.0.0.1:${parentPort}, mode: forward, proxyAuth: { users: { child: "${hash}" } } }
  - { name: child, address: 127.0.0.1:0, mode: forward, parentProxy: "http://child:pw@127.0.0.1:${parentPort}" }
`);
    const r = await curl(['-x', `http://127.0.0.1:${rig.portOf('child')}`, '-H', 'x-request-id: chained-1', `http://127.0.0.1:${origin.port}/via-parent`]);
    expect(r.stdout).toBe('plain-origin GET /via-parent body=');
    // Both hops captured it: the child, then the parent it went through.
    await rig.record((x) => x.requestId === 'chained-1' && x.listener === 'parent');
    await rig.record((x) => x.requestId === 'chained-1' && x.listener === 'child');
  });

  it('a failed apply after such a rebind leaves the old listener serving on its address', async () => {
    const port = await freePort();
    const blocker = await startHttpOrigin(); // holds a port the next config wants
    origin = blocker;
    const workspace = (mode: string, extra = '') => `version: 1
listeners:
  - { name: switch, address: 127.0.0.1:${port}, mode: ${mode} }${extra}
routes:
  - { name: hello, listeners: [switch], match: { path: / }, respond: { status: 200, body: reverse-mode } }
`;
    rig = await startProxy(workspace('reverse'));
    await expect(rig.engine.apply(planOf(workspace('forward', `\n  - { name: clash, address: 127.0.0.1:${blocker.port} }`)))).rejects.toThrow(/EADDRINUSE/);
    expect(rig.engine.listeners()[0]).toMatchObject({ mode: 'reverse', served: true, port });
    expect((await curl([`http://127.0.0.1:${port}/`])).stdout).toBe('reverse-mode');
  });

  it('switches a listener on a fixed address between reverse and forward mode by applying a new config', async () => {
    origin = await startHttpOrigin();
    const port = await freePort();
    const workspace = (mode: string) => `version: 1
listeners:
  - { name: switch, address: 127.0.0.1:${port}, mode: ${mode} }
routes:
  - { name: hello, match: { path: / }, respond: { status: 200, body: reverse-mode } }
`;
    rig = await startProxy(workspace('reverse'));
    expect((await curl([`http://127.0.0.1:${port}/`])).stdout).toBe('reverse-mode');
    await rig.engine.apply(planOf(workspace('forward')));
    expect(rig.engine.listeners()[0]).toMatchObject({ mode: 'forward', served: true, port });
    const asForward = await curl(['-x', `http://127.0.0.1:${port}`, `http://127.0.0.1:${origin.port}/now-forward`]);
    expect(asForward.stdout).toBe('plain-origin GET /now-forward body=');
    await rig.engine.apply(planOf(workspace('reverse')));
    expect((await curl([`http://127.0.0.1:${port}/`])).stdout).toBe('reverse-mode');
  });

});
