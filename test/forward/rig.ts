/**
 * Forward-proxy test rig: an Engine (temp data dir, so the local CA lives
 * there) with capture attached, origins on loopback (plain HTTP, and HTTPS
 * with certificates from a throw-away CA made by the openssl binary), and
 * curl run as a real proxy client.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import type { Plan } from '../../src-proxy/config/plan.js';
import { Engine } from '../../src-proxy/engine.js';
import { waitFor } from '../helpers/gateway.js';

const run = promisify(execFile);

export function planOf(yaml: string): Plan {
  const { plan, issues } = loadWorkspaceText(yaml, 'forward-test.yaml');
  const errors = issues.filter((i) => i.severity === 'error');
  if (!plan || errors.length > 0) throw new Error(`workspace does not load:\n${errors.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n')}`);
  return plan;
}

export interface ProxyRig {
  engine: Engine;
  dataDir: string;
  records: CapturedExchange[];
  portOf(name: string): number;
  record(match: (r: CapturedExchange) => boolean, what?: string): Promise<CapturedExchange>;
  close(): Promise<void>;
}

export async function startProxy(yaml: string): Promise<ProxyRig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'swy-forward-'));
  const engine = new Engine({ dataDir });
  const records: CapturedExchange[] = [];
  engine.capture.add((r) => records.push(r));
  await engine.apply(planOf(yaml));
  return {
    engine,
    dataDir,
    records,
    portOf(name) {
      const l = engine.listeners().find((x) => x.name === name);
      if (!l?.served) throw new Error(`listener "${name}" is not bound`);
      return l.port;
    },
    async record(match, what = 'captured record') {
      await waitFor(() => records.some(match), 5000, what);
      return records.find(match)!;
    },
    async close() {
      await engine.stop(0);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Origin {
  port: number;
  /** Requests seen: method, url, headers and body text. */
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** Answers `origin <method> <url> body=<body>`; /ws upgrades to a WebSocket echo. */
function handler(seen: Origin['seen'], label: string): http.RequestListener {
  return (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'text/plain', 'x-origin': label });
      res.end(`${label} ${req.method} ${req.url} body=${body}`);
    });
  };
}

async function listenTracked(server: http.Server | https.Server, seen: Origin['seen']): Promise<Origin> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${String(data)}`)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

export function startHttpOrigin(): Promise<Origin> {
  const seen: Origin['seen'] = [];
  return listenTracked(http.createServer(handler(seen, 'plain-origin')), seen);
}

export interface OriginPki {
  dir: string;
  caPath: string;
  certPath: string;
  keyPath: string;
}

/** A CA and a leaf (for localhost and 127.0.0.1 unless told), made with the openssl binary. */
export async function makeOriginPki(subjectAltName = 'DNS:localhost,IP:127.0.0.1'): Promise<OriginPki> {
  const dir = mkdtempSync(join(tmpdir(), 'swy-origin-pki-'));
  const p = (f: string) => join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=Forward Test Origin CA']);
  await run('openssl', ['req', ...ec, '-keyout', p('leaf.key'), '-out', p('leaf.csr'), '-subj', '/CN=localhost']);
  writeFileSync(p('ext.cnf'), `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('leaf.pem'), '-days', '2', '-extfile', p('ext.cnf')]);
  return { dir, caPath: p('ca.pem'), certPath: p('leaf.pem'), keyPath: p('leaf.key') };
}

export async function startHttpsOrigin(pki: OriginPki): Promise<Origin> {
  const { readFileSync } = await import('node:fs');
  const seen: Origin['seen'] = [];
  const server = https.createServer({ cert: readFileSync(pki.certPath), key: readFileSync(pki.keyPath) }, handler(seen, 'tls-origin'));
  return listenTracked(server, seen);
}

export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function curl(args: string[]): Promise<CurlResult> {
  try {
    const { stdout, stderr } = await run('curl', ['-sS', '--max-time', '10', ...args], { maxBuffer: 10 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A port that was free a moment ago (the OS picks it; nothing is hard-coded). */
export async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
