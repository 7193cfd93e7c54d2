/**
 * The cache tests' rig: a real origin server on 127.0.0.1:0 whose answers the
 * test sets per path and which counts what reaches it, and a real gateway
 * (in-process engine) with one route through a `type: cache` policy.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { request } from 'undici';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import type { CachePolicy } from '../../src-proxy/policies/cache.js';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export class Origin {
  port = 0;
  /** Requests per path (query included), in arrival order. */
  readonly seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  private readonly handlers = new Map<string, Handler>();
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();

  /** Answers `path` (without query) with `handler`. */
  on(path: string, handler: Handler): this {
    this.handlers.set(path, handler);
    return this;
  }

  /** How many requests for `url` (path with query) reached the origin. */
  hits(url: string, method?: string): number {
    return this.seen.filter((s) => s.url === url && (method === undefined || s.method === method)).length;
  }

  last(url: string): http.IncomingHttpHeaders {
    const all = this.seen.filter((s) => s.url === url);
    return all[all.length - 1]!.headers;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
      const path = (req.url ?? '/').split('?')[0]!;
      const handler = this.handlers.get(path);
      if (handler === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('no handler');
        return;
      }
      handler(req, res);
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts open connections (the upstream is down). */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface CacheRig {
  origin: Origin;
  gateway: Gateway;
  policy(): CachePolicy;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** `policy` is the YAML flow mapping of the cache policy's fields, e.g. `defaultTtl: 30s`. */
export async function startRig(
  policy = '',
  opts: { origin?: Origin; policies?: string; extraPolicies?: string } = {},
): Promise<CacheRig> {
  const origin = opts.origin ?? new Origin();
  if (origin.port === 0) await origin.start();
  const yaml = `version: 1
listeners:
  - { name: web, address: 127.0.0.1:0, mode: reverse }
routes:
  - name: all
    match: { path: / }
    policies: ${opts.policies ?? '[c]'}
    upstream: origin
upstreams:
  origin:
    targets:
      - { url: http://127.0.0.1:${origin.port} }
policies:
  c: { type: cache${policy ? `, ${policy}` : ''} }
${opts.extraPolicies ?? ''}`;
  const gateway = await startGateway(yaml);
  return {
    origin,
    gateway,
    policy: () => gateway.engine.current().policies.get('c') as CachePolicy,
    get: (path, headers = {}, method = 'GET') => send(gateway.url + path, method, headers),
    async close() {
      await gateway.stop();
      await origin.stop();
    },
  };
}

export async function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const res = await request(url, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: res.statusCode, headers: flat, body: text };
}

/** A handler answering 200 with `body` and `headers`. */
export function reply(body: string, headers: Record<string, string>, status = 200): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.end(body);
  };
}
