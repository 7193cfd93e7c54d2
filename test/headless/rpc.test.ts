import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlService } from '../../src-proxy/control/control-service.js';
import { Engine } from '../../src-proxy/engine.js';
import { startHeadlessHost } from '../../src-main/headless/host.js';
import { raw, rpc, startFixture, type Fixture, type RawResponse } from './helpers.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.close();
});

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
}

function expectProblem(res: RawResponse, status: number, code?: string): ProblemBody {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json');
  const body = res.json<ProblemBody>();
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  expect(typeof body.detail).toBe('string');
  expect(typeof body.type).toBe('string');
  if (code) expect(body.code).toBe(code);
  return body;
}

describe('headless host: url and token', () => {
  it('prints a Jupyter-style URL with a 32-byte base64url token on 127.0.0.1', () => {
    expect(fx.host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(fx.host.url).toContain(`:${fx.host.port}/`);
    expect(fx.host.note).toBeUndefined();
  });

  it('uses the token it is given', async () => {
    const engine = new Engine();
    const host = await startHeadlessHost({ control: fx.control, engine, port: 0, token: 'given-token' });
    try {
      expect(host.url.endsWith('?token=given-token')).toBe(true);
      expect((await rpc(host, 'app.info', {})).status).toBe(200);
    } finally {
      await host.close();
    }
  });
});

describe('headless host: RPC', () => {
  it('answers a control call with the token', async () => {
    const res = await rpc(fx.host, 'app.info', {});
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.json()).toMatchObject({ name: 'Switchyard', version: '0.0.0-test' });
  });

  it('treats an empty body as no arguments and decodes percent-encoded method names', async () => {
    const res = await raw(fx.host.port, { method: 'POST', path: '/api/rpc/config%2Eget', headers: { authorization: `Bearer ${fx.host.token}` } });
    expect(res.status).toBe(200);
    expect(res.json<{ text: string }>().text).toContain('hello');
  });

  it('refuses a call without a token (401)', async () => {
    const res = await rpc(fx.host, 'app.info', {}, { authorization: '' });
    expectProblem(res, 401, 'UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a wrong token, a token of another length and another scheme (401)', async () => {
    for (const authorization of [`Bearer ${fx.host.token.slice(0, -1)}x`, 'Bearer short', `Basic ${fx.host.token}`, fx.host.token]) {
      expectProblem(await rpc(fx.host, 'app.info', {}, { authorization }), 401, 'UNAUTHORIZED');
    }
  });

  it('does not take the token from the query string on RPC', async () => {
    const res = await raw(fx.host.port, { method: 'POST', path: `/api/rpc/app.info?token=${fx.host.token}`, body: '{}' });
    expectProblem(res, 401);
  });

  it('refuses a foreign Origin (403) and accepts its own', async () => {
    for (const origin of ['http://evil.example', `http://evil.example:${fx.host.port}`, 'null', `https://127.0.0.1:${fx.host.port}`, `http://localhost:${fx.host.port}`]) {
      expectProblem(await rpc(fx.host, 'app.info', {}, { origin }), 403, 'FORBIDDEN');
    }
    expect((await rpc(fx.host, 'app.info', {}, { origin: `http://127.0.0.1:${fx.host.port}` })).status).toBe(200);
    // localhost is fine when the page was opened as localhost.
    const viaLocalhost = await rpc(fx.host, 'app.info', {}, { host: `localhost:${fx.host.port}`, origin: `http://localhost:${fx.host.port}` });
    expect(viaLocalhost.status).toBe(200);
  });

  it('refuses a foreign Host header on API and static requests alike (403)', async () => {
    const port = fx.host.port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `127.0.0.1.evil.example:${port}`, '127.0.0.1']) {
      expectProblem(await rpc(fx.host, 'app.info', {}, { host }), 403, 'FORBIDDEN');
      expectProblem(await raw(port, { path: '/', headers: { host } }), 403, 'FORBIDDEN');
    }
    for (const host of [`localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await rpc(fx.host, 'app.info', {}, { host })).status).toBe(200);
    }
  });

  it('answers 404 problems for unknown methods and endpoints', async () => {
    expectProblem(await rpc(fx.host, 'no.such.method', {}), 404, 'NOT_FOUND');
    expectProblem(await rpc(fx.host, '..%2F..%2Fetc', {}), 404, 'NOT_FOUND');
    expectProblem(await raw(fx.host.port, { path: '/api/other', headers: { authorization: `Bearer ${fx.host.token}` } }), 404, 'NOT_FOUND');
  });

  it('answers 400 for bad arguments', async () => {
    const body = expectProblem(await rpc(fx.host, 'config.validate', { text: 5 }), 400, 'BAD_REQUEST');
    expect(body.detail).toMatch(/text/);
    expectProblem(await rpc(fx.host, 'app.info', { unexpected: true }), 400, 'BAD_REQUEST');
  });

  it('answers 400 for a body that is not JSON', async () => {
    expectProblem(await rpc(fx.host, 'app.info', '{"text": '), 400, 'BAD_REQUEST');
  });

  it('answers 413 for a body over 1 MB', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(1024 * 1024 + 10) });
    expectProblem(await rpc(fx.host, 'config.validate', big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('lets history.importHar carry a HAR file over 1 MB', async () => {
    const har = JSON.stringify({ har: { log: { version: '1.2', creator: { name: 't', version: '1' }, entries: [], comment: 'x'.repeat(2 * 1024 * 1024) } } });
    const res = await rpc(fx.host, 'history.importHar', har);
    // Read whole and handled: this fixture has history off, so the import itself is refused (not a 413).
    expectProblem(res, 404, 'NOT_FOUND');
    expect(res.text).toMatch(/history is switched off/i);
    // Other methods keep the 1 MB limit.
    expectProblem(await rpc(fx.host, 'config.validate', JSON.stringify({ text: 'x'.repeat(2 * 1024 * 1024) })), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('allows only POST (405 with Allow)', async () => {
    const res = await raw(fx.host.port, { path: '/api/rpc/app.info', headers: { authorization: `Bearer ${fx.host.token}` } });
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST');
  });

  it('config.apply with invalid YAML answers 200 with applied:false and issues', async () => {
    const res = await rpc(fx.host, 'config.apply', { text: 'version: [\n' });
    expect(res.status).toBe(200);
    const body = res.json<{ applied: boolean; issues: Array<{ severity: string }> }>();
    expect(body.applied).toBe(false);
    expect(body.issues.length).toBeGreaterThan(0);
    expect(body.issues[0]).toMatchObject({ severity: 'error' });
  });

  it('config.validate and upstreams.status work end to end', async () => {
    expect((await rpc(fx.host, 'config.validate', { text: 'version: 1\n' })).json()).toHaveProperty('valid');
    expect((await rpc(fx.host, 'upstreams.status', {})).status).toBe(200);
  });

  it('renders unexpected errors as a bare 500 without leaking the message or stack', async () => {
    const logged: string[] = [];
    const control = {
      call: () => Promise.reject(new Error('secret internal detail at /home/user/file.ts:12')),
    } as unknown as ControlService;
    const host = await startHeadlessHost({ control, engine: new Engine(), port: 0, log: (m) => logged.push(m) });
    try {
      const res = await rpc(host, 'app.info', {});
      const body = expectProblem(res, 500, 'INTERNAL');
      expect(res.text).not.toContain('secret');
      expect(res.text).not.toContain('file.ts');
      expect(body.requestId).toBeTruthy();
      expect(logged.join('\n')).toContain('secret internal detail');
    } finally {
      await host.close();
    }
  });
});

describe('headless host: listening', () => {
  let blocker: Server;
  let taken: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    taken = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => blocker.close(() => r())));

  it('falls back to a free port when the default port is taken, and says so', async () => {
    const host = await startHeadlessHost({ control: fx.control, engine: new Engine(), port: taken, fallbackOnPortInUse: true });
    try {
      expect(host.port).not.toBe(taken);
      expect(host.note).toMatch(new RegExp(`port ${taken} is in use`));
      expect(host.url).toContain(`:${host.port}/?token=`);
      expect((await rpc(host, 'app.info', {})).status).toBe(200);
    } finally {
      await host.close();
    }
  });

  it('fails loudly when an explicitly chosen port is taken', async () => {
    await expect(startHeadlessHost({ control: fx.control, engine: new Engine(), port: taken })).rejects.toThrow(/EADDRINUSE/);
  });
});
