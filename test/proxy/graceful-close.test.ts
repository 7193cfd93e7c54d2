/**
 * A graceful stop (Ctrl-C in `serve`) lets in-flight requests finish, and
 * then closes their connections: their responses must say `Connection: close`
 * rather than promise a keep-alive the gateway is about to break (a client
 * reusing the connection would send its next request into a closing socket).
 * Real engine, real upstream, raw clients, all on 127.0.0.1 port 0.
 */
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import { startTlsGateway } from '../tls/rig.js';
import type http from 'node:http';

let upstream: Started<http.Server>;

beforeAll(async () => {
  upstream = await startServer((req, res) => {
    req.resume();
    setTimeout(() => res.end('slow'), 400);
  });
});

afterAll(async () => {
  await upstream?.close();
});

/** Sends one keep-alive request on `socket` and collects everything until the gateway closes it. */
function collect(socket: net.Socket | tls.TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('close', () => resolve(data));
    socket.on('error', () => undefined);
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

describe('graceful stop', () => {
  for (const scheme of ['http', 'https'] as const) {
    it(`an in-flight ${scheme} request finishes with Connection: close, not keep-alive`, async () => {
      const listener = scheme === 'https' ? '{ name: web, address: "127.0.0.1:0", tls: { certificates: local-ca } }' : '{ name: web, address: "127.0.0.1:0" }';
      const gw = await startTlsGateway(`
version: 1
listeners:
  - ${listener}
upstreams:
  up: { targets: [{ url: "${upstream.url}" }] }
routes:
  - { name: all, match: { path: / }, upstream: up }
`);
      const port = gw.portOf('web');
      const socket =
        scheme === 'https' ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }) : net.connect(port, '127.0.0.1');
      const answer = collect(socket);
      await sleep(150); // the request is with the upstream
      const stopped = gw.engine.stop(5_000);
      const text = await answer;
      await stopped;
      await gw.stop().catch(() => undefined);
      expect(text).toMatch(/^HTTP\/1\.1 200/);
      expect(text.toLowerCase()).toContain('connection: close');
      expect(text.toLowerCase()).not.toContain('keep-alive');
      expect(text.endsWith('slow')).toBe(true);
    });
  }
});
