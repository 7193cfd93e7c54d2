/**
 * A whole runtime as `switchyard serve` runs it (startRuntime: engine,
 * capture, history on a temp data dir, control service) in front of real
 * upstreams, plus a plain HTTP client that sends exactly the raw headers it
 * is given.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { WebSocketServer } from 'ws';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import type { WireExchange } from '../../src-proxy/control/wire.js';
import { startRuntime, type Runtime } from '../../src-proxy/runtime.js';
import { waitFor } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';

export const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFubiJ9.c2lnbmF0dXJlLXBhcnQtXzEy';

/** 0..255 twice, then a JWT-looking run of bytes: binary bodies are never masked. */
export const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)), Buffer.from(JWT)]);

/** Deterministic text of `n` bytes (so a kept prefix can be compared exactly). */
export const patternText = (n: number): string => {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `line ${i} of the pattern text\n`;
  return s.slice(0, n);
};

export interface AppUpstream extends Started<http.Server> {
  /** Every request the app saw: method, url, raw headers and body. */
  seen: { method: string; url: string; rawHeaders: string[]; body: Buffer }[];
}

/**
 * The application behind the gateway:
 *   /json     → JSON echo of the request (query and body text) with two Set-Cookie headers
 *   /binary   → BINARY (application/octet-stream)
 *   /big?n=N  → N bytes of patternText (text/plain)
 *   /slow?ms= → waits, then a small JSON answer
 *   /echo     → the request body back, with the request's content type
 *   /zstd-echo → the request body back as it came, labelled `Content-Encoding: zstd`
 *   /cut-token → the start of a JSON body whose JWT is cut off by a reset (header and claims sent)
 *   anything else → 200 "ok"
 */
export async function startApp(): Promise<AppUpstream> {
  const seen: AppUpstream['seen'] = [];
  const started = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body });
      const url = new URL(req.url ?? '/', 'http://app');
      switch (url.pathname) {
        case '/json': {
          const out = JSON.stringify({ method: req.method, query: url.search, body: body.toString('utf8'), word: 'zebracorn' });
          res.writeHead(200, [
            'Content-Type', 'application/json; charset=utf-8',
            'Set-Cookie', 'sid=s3cr3t-value; Path=/; HttpOnly; SameSite=Lax',
            'Set-Cookie', 'theme=dark',
            'X-App', 'json',
          ]);
          res.end(out);
          return;
        }
        case '/gzip-json': {
          // Decodes a gzip upload and answers gzip-encoded JSON that carries it back.
          const upload = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.end(gzipSync(JSON.stringify({ echoed: upload.toString('utf8') })));
          return;
        }
        case '/not-gzip':
          // Says gzip, sends plain text: the viewer must say so, not show garbage.
          res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
          res.end('plain words');
          return;
        case '/binary':
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BINARY.length });
          res.end(BINARY);
          return;
        case '/big': {
          const text = patternText(Number(url.searchParams.get('n') ?? 10_000));
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(text);
          return;
        }
        case '/slow':
          setTimeout(() => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ slow: true }));
          }, Number(url.searchParams.get('ms') ?? 50));
          return;
        case '/zstd-echo':
          res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'content-encoding': 'zstd' });
          res.end(body);
          return;
        case '/echo':
          res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' });
          res.end(body);
          return;
        case '/cut-token':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
          res.write(`{"token":"${JWT.slice(0, JWT.lastIndexOf('.'))}`, () => setTimeout(() => res.destroy(), 20));
          return;
        default:
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
      }
    });
  });
  return Object.assign(started, { seen });
}

/** A WebSocket echo server (text stays text, binary stays binary). */
export async function startWsEcho(): Promise<Started<http.Server>> {
  const up = await startServer((_req, res) => res.end('not a websocket'));
  const wss = new WebSocketServer({ noServer: true });
  up.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  return up;
}

/** A URL where nothing listens (connects are refused). */
export async function closedUrl(): Promise<string> {
  const gone = await startServer(() => undefined);
  await gone.close();
  return gone.url;
}

export interface RuntimeRig {
  runtime: Runtime;
  dataDir: string;
  /** Base URL of the first listener. */
  url: string;
  port: number;
  /** Every record capture produced, in order. */
  records: CapturedExchange[];
  call<T = unknown>(method: string, args?: unknown): Promise<T>;
  /** Waits for the captured record of the request sent with this X-Request-Id. */
  record(requestId: string, timeoutMs?: number): Promise<CapturedExchange>;
  close(): Promise<void>;
}

export async function startRuntimeRig(yaml: string, dataDir: string): Promise<RuntimeRig> {
  const runtime = await startRuntime({ text: yaml, file: null, label: 'capture-test.yaml', dataDir, version: '0.0.0-test' });
  const records: CapturedExchange[] = [];
  runtime.engine.capture.add((r) => records.push(r));
  const first = runtime.engine.listeners()[0]!;
  return {
    runtime,
    dataDir,
    url: first.url,
    port: first.port,
    records,
    call: async <T,>(method: string, args: unknown = {}) => (await runtime.control.call(method, args)) as T,
    async record(requestId, timeoutMs = 5000) {
      await waitFor(() => records.some((r) => r.requestId === requestId), timeoutMs, `captured record ${requestId}`);
      return records.find((r) => r.requestId === requestId)!;
    },
    close: () => runtime.close(0),
  };
}

export interface SentResponse {
  status: number;
  rawHeaders: string[];
  body: Buffer;
}

/** One request on its own connection, with exactly these raw header pairs (Host included). */
export function send(
  port: number,
  opts: { method?: string; path: string; headers: string[]; body?: Buffer | string },
): Promise<SentResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Values of a header (case-insensitive) in raw pairs, in order. */
export function headerValues(raw: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === name.toLowerCase()) out.push(raw[i + 1]);
  return out;
}

/** The pairs of `raw` whose names are among `names` (case-insensitive), order kept. */
export function pairsNamed(raw: readonly string[], names: readonly string[]): string[] {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (wanted.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
}

export const fromBase64 = (b64: string | null): Buffer | null => (b64 === null ? null : Buffer.from(b64, 'base64'));

export type { WireExchange };
