/**
 * The control API as a hostile client or a failing environment sees it:
 * wrong argument types on every method, and a config.apply whose listener
 * port another process holds. Answers must be 4xx problems (never a 500),
 * carry no token, and leave the running config alone.
 */
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_METHODS } from '../../src-proxy/control/control-service.js';
import { startHeadlessHost } from '../../src-main/headless/host.js';
import { rpc, startFixture, WORKSPACE, type Fixture } from './helpers.js';

let fx: Fixture;
const logs: string[] = [];
beforeAll(async () => {
  fx = await startFixture({ log: (m) => logs.push(m) });
});
afterAll(async () => {
  await fx.close();
});

describe('control API: hostile arguments', () => {
  it('every method answers wrong argument shapes with a 4xx problem, never a 500, never the token', async () => {
    const shapes: unknown[] = [[], 'text', 42, true, { zzz: 1 }, { text: 5, id: {}, ids: 'x', query: [], upstream: 1, key: null, har: 7, a: 1, b: [] }];
    for (const method of CONTROL_METHODS) {
      for (const args of shapes) {
        const res = await rpc(fx.host, method, JSON.stringify(args));
        // history is off in the fixture: its methods may answer 404 instead of 400.
        expect([400, 404], `${method} ${JSON.stringify(args)} → ${res.status} ${res.text}`).toContain(res.status);
        expect(res.headers['content-type']).toBe('application/problem+json');
        expect(res.text).not.toContain(fx.host.token);
      }
    }
    expect(logs).toEqual([]);
  });
});

describe('session token', () => {
  it('an empty token is refused at start (it would match the empty sub-protocol token "switchyard.token.")', async () => {
    await expect(startHeadlessHost({ control: fx.control, engine: fx.engine, port: 0, token: '' })).rejects.toThrow('the session token must not be empty');
    await expect(startHeadlessHost({ control: fx.control, engine: fx.engine, port: 0, token: '  ' })).rejects.toThrow('the session token must not be empty');
  });
});

describe('control API: config.apply that cannot bind', () => {
  it('a port taken by another process is a 400 CONFIG_INVALID problem with the located issue; the old config keeps serving', async () => {
    const squatter = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const generation = fx.engine.current().generation;
      const text = WORKSPACE.replace('127.0.0.1:0', `127.0.0.1:${port}`);
      const res = await rpc(fx.host, 'config.apply', { text });
      expect(res.status).toBe(400);
      const body = res.json<{ code: string; detail: string; issues: { line: number; column: number; message: string }[] }>();
      expect(body.code).toBe('CONFIG_INVALID');
      expect(body.detail).toMatch(new RegExp(`^test\\.yaml:3:27 listener "web" cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use`));
      expect(body.issues).toMatchObject([{ line: 3, column: 27, message: expect.stringContaining('EADDRINUSE') }]);
      expect(res.text).not.toContain(fx.host.token);
      expect(fx.engine.current().generation).toBe(generation);
      expect((await rpc(fx.host, 'config.get', {})).json<{ text: string }>().text).toBe(WORKSPACE);
      expect(await (await fetch(`${fx.gateway}/hello`)).text()).toBe('hi');
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });
});
