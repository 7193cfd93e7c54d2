/**
 * TLS test rig: a gateway with its own data dir (so the local CA lives in a temp
 * dir), an echo upstream, and helpers to run curl/openssl against it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { Engine } from '../../src-proxy/engine.js';

export const run = promisify(execFile);

export interface TlsGateway {
  engine: Engine;
  dataDir: string;
  portOf(name: string): number;
  apply(yaml: string): Promise<string[]>;
  stop(): Promise<void>;
}

export function planOf(yaml: string) {
  const { plan, issues } = loadWorkspaceText(yaml, 'test.yaml');
  const errors = issues.filter((i) => i.severity === 'error');
  if (!plan || errors.length > 0) throw new Error(`workspace does not load:\n${errors.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n')}`);
  return plan;
}

export async function startTlsGateway(yaml: string, dataDir?: string): Promise<TlsGateway> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'sy-tls-')));
  const engine = new Engine({ dataDir: dir });
  const gw: TlsGateway = {
    engine,
    dataDir: dir,
    portOf(name) {
      const l = engine.listeners().find((x) => x.name === name);
      if (!l?.served) throw new Error(`listener "${name}" is not served`);
      return l.port;
    },
    async apply(text) {
      return (await engine.apply(planOf(text))).warnings;
    },
    async stop() {
      await engine.stop(0);
      if (dataDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
  await gw.apply(yaml);
  return gw;
}

export interface Echo {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An upstream answering JSON with what it received (method, url, headers, body length). */
export async function startEcho(handler?: http.RequestListener): Promise<Echo> {
  const server = http.createServer(
    handler ??
      ((req, res) => {
        let bytes = 0;
        req.on('data', (c: Buffer) => (bytes += c.length));
        req.on('end', () => {
          const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBytes: bytes, httpVersion: req.httpVersion });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        });
      }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A reverse-proxy workspace: one TLS listener (local CA unless `tls` is given) routing / to `upstream`. */
export function tlsWorkspace(upstream: string, opts: { http2?: boolean; tls?: string; extraListeners?: string } = {}): string {
  return `
version: 1
listeners:
  - name: secure
    address: 127.0.0.1:0
    tls:
${opts.tls ?? '      certificates: local-ca'}
    http2: ${opts.http2 ?? true}
${opts.extraListeners ?? ''}
upstreams:
  app:
    targets:
      - url: ${upstream}
routes:
  - name: all
    match: { path: / }
    upstream: app
`;
}
