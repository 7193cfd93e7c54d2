/**
 * For the access policies' tests (api-key, jwt, basic-auth, rate-limit, cors,
 * ip-filter): an echo upstream (answers JSON {method, url, headers}), a real
 * engine in front of it with the given policies and routes, capture records
 * collected, and a request helper.
 */
import http from 'node:http';
import { request } from 'undici';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';

export interface Echo {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The upstream's echo, when the request got through. */
  echo: Echo | null;
  json(): Record<string, unknown>;
}

export interface AccessRig {
  gw: Gateway;
  upstream: Started<http.Server>;
  hits(): number;
  records: CapturedExchange[];
  send(path: string, headers?: Record<string, string>, method?: string, url?: string): Promise<Answer>;
  /** The capture record of a response (by its X-Request-Id); capture completes just after the response. */
  record(a: Answer): Promise<CapturedExchange>;
  stop(): Promise<void>;
}

export async function startAccessRig(policies: string, routes: string, upstreamHeaders: Record<string, string> = {}): Promise<AccessRig> {
  let hits = 0;
  const upstream = await startServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', ...upstreamHeaders });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
    });
  });
  const gw = await startGateway(`
version: 1
listeners: [{ name: web, address: 127.0.0.1:0 }]
policies:
${policies}
routes:
${routes}
upstreams:
  app: { targets: [{ url: ${upstream.url} }] }
`);
  const records: CapturedExchange[] = [];
  gw.engine.capture.add((r) => records.push(r));

  const send = async (path: string, headers: Record<string, string> = {}, method = 'GET', url = gw.url): Promise<Answer> => {
    const res = await request(url + path, { method, headers });
    const text = await res.body.text();
    const fromUpstream = res.headers['content-type'] === 'application/json';
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      echo: fromUpstream ? (JSON.parse(text) as Echo) : null,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  };
  const record = async (a: Answer): Promise<CapturedExchange> => {
    const id = a.headers['x-request-id'];
    for (let i = 0; i < 100; i++) {
      const r = records.find((x) => x.requestId === id);
      if (r) return r;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no capture record for ${String(id)}`);
  };
  return {
    gw,
    upstream,
    hits: () => hits,
    records,
    send,
    record,
    stop: async () => {
      await gw.stop();
      await upstream.close();
    },
  };
}
