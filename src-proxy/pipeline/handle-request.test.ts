import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../test/helpers/gateway.js';
import { SwitchyardError } from '../errors.js';
import { Exchange } from './exchange.js';
import { runExchange } from './handle-request.js';

let gw: Gateway;
let server: http.Server;
let url: string;

beforeAll(async () => {
  gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: 127.0.0.1:0, mode: reverse }
routes:
  - { name: all, match: { path: / }, respond: { status: 200, body: ok } }
`);
  const state = gw.engine.current();
  const listener = state.plan.listeners[0];
  // A step that fails with a problem whose own header node refuses to write (a character above U+00FF).
  server = http.createServer((req, res) => {
    runExchange(new Exchange(req, res, listener, state), () => {
      throw new SwitchyardError('UNAUTHORIZED', 'no', { headers: { 'www-authenticate': 'Basic realm="李"' } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await gw.stop();
});

it('answers a 500 problem, not silence, when the problem head itself cannot be written', async () => {
  const res = await request(url, { headersTimeout: 5000, bodyTimeout: 5000 });
  expect(res.statusCode).toBe(500);
  expect(res.headers['www-authenticate']).toBeUndefined();
  const problem = (await res.body.json()) as { code: string };
  expect(problem.code).toBe('INTERNAL');
});
