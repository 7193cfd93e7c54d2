/**
 * One example workspace served four ways at once: Switchyard in-process, and
 * real nginx, HAProxy and Caddy running its exported configs. Every target
 * URL of the example is replaced by a live echo upstream on a loopback port
 * (named after the port it replaces), each listener by a free port, and
 * certificate files by a generated pair, so the four gateways differ only in
 * the engine. Requests in the tests go to the first listener.
 */
import http from 'node:http';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import type { ExportResult, TranslationNote } from '../../src-proxy/export/exporter.js';
import { exportCaddy } from '../../src-proxy/export/caddy.js';
import { exportHaproxy } from '../../src-proxy/export/haproxy.js';
import { exportNginx, NGINX_PATHS } from '../../src-proxy/export/nginx.js';
import { nginxHtpasswdFiles } from '../../src-proxy/export/shared/nginx-policies.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import {
  caddyEnv,
  certPair,
  compile,
  exampleText,
  freePort,
  localiseCaddy,
  localiseHaproxy,
  localiseNginx,
  removeDir,
  startEngine,
  tempDir,
  useCertificate,
  type Running,
} from './engines.js';

export const GATEWAYS = ['switchyard', 'nginx', 'haproxy', 'caddy'] as const;
export type GatewayName = (typeof GATEWAYS)[number];

/** What an echo upstream saw, as it answers it. */
export interface Echo {
  server: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface EchoServer extends Started<http.Server> {
  name: string;
}

export interface Fleet {
  /** Port of the first listener. */
  port: Record<GatewayName, number>;
  /** Ports of every listener, in file order. */
  ports: Record<GatewayName, number[]>;
  notes: Record<Exclude<GatewayName, 'switchyard'>, TranslationNote[]>;
  upstreams: Map<string, EchoServer>;
  stop(): Promise<void>;
}

/** Answers every request with an Echo as JSON, and echoes WebSocket messages after a greeting. */
async function startEcho(name: string): Promise<EchoServer> {
  const started = await startServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ server: name, method: req.method ?? '', url: req.url ?? '', headers: req.headers } satisfies Echo);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  started.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ server: name, url: req.url }));
      ws.on('message', (data) => ws.send(`echo:${String(data)}`));
    });
  });
  return Object.assign(started, { name });
}

export async function startFleet(example: string, opts: { engines?: readonly Exclude<GatewayName, 'switchyard'>[] } = {}): Promise<Fleet> {
  const engines = opts.engines ?? (['nginx', 'haproxy', 'caddy'] as const);
  const source = await exampleText(example);
  const upstreams = new Map<string, EchoServer>();
  for (const m of source.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)) {
    if (!upstreams.has(m[1])) upstreams.set(m[1], await startEcho(m[1]));
  }
  const dir = await tempDir(`swy-fleet-${example}-`);
  let withUpstreams = source.replace(/http:\/\/127\.0\.0\.1:(\d+)/g, (_, p: string) => upstreams.get(p)!.url);
  if (withUpstreams.includes('cert:')) withUpstreams = useCertificate(withUpstreams, await certPair(dir, 'workspace'));
  const listeners = [...withUpstreams.matchAll(/address: 127\.0\.0\.1:\d+/g)].length;
  /** The workspace with its listeners on these ports, in file order. */
  const listenAt = (ports: number[]) => {
    let i = 0;
    return withUpstreams.replace(/address: 127\.0\.0\.1:\d+/g, () => `address: "127.0.0.1:${ports[i++]}"`);
  };

  const running: Running[] = [];
  let gateway: Gateway | null = null;
  const stop = async () => {
    await Promise.all(running.map((r) => r.stop()));
    await gateway?.stop();
    await Promise.all([...upstreams.values()].map((u) => u.close()));
    await removeDir(dir);
  };
  try {
    gateway = await startGateway(listenAt(new Array<number>(listeners).fill(0)));
    const port = { switchyard: gateway.port } as Record<GatewayName, number>;
    const all = { switchyard: gateway.engine.listeners().map((l) => l.port) } as Record<GatewayName, number[]>;
    const notes = {} as Fleet['notes'];
    for (const engine of engines) {
      const ports: number[] = [];
      for (let i = 0; i < listeners; i++) ports.push(await freePort());
      const p = ports[0];
      const plan = compile(listenAt(ports));
      const d = path.join(dir, engine);
      await mkdir(d, { recursive: true });
      let result: ExportResult;
      if (engine === 'nginx') {
        result = exportNginx(plan, { includeSecrets: true });
        const conf = path.join(d, 'nginx.conf');
        await writeFile(conf, await localiseNginx(result.text, d, []));
        for (const f of nginxHtpasswdFiles(plan, { includeSecrets: true })) {
          await writeFile(f.path.replace(NGINX_PATHS.etc, path.join(d, 'etc')), f.content);
        }
        running.push(await startEngine('nginx', ['-c', conf, '-e', path.join(d, 'error.log'), '-g', 'daemon off;'], p));
      } else if (engine === 'haproxy') {
        result = exportHaproxy(plan, { includeSecrets: true });
        const cfg = path.join(d, 'haproxy.cfg');
        await writeFile(cfg, await localiseHaproxy(result.text, d, []));
        running.push(await startEngine('haproxy', ['-f', cfg, '-db'], p));
      } else {
        result = exportCaddy(plan, { includeSecrets: true });
        const file = path.join(d, 'Caddyfile');
        await writeFile(file, await localiseCaddy(result.text, d));
        running.push(await startEngine('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], p, caddyEnv(d)));
      }
      port[engine] = p;
      all[engine] = ports;
      notes[engine] = result.notes;
    }
    return { port, ports: all, notes, upstreams, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The echo, when an upstream answered. */
  echo: Echo | null;
}

export interface Req {
  method?: string;
  path: string;
  host?: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

/** One request on a fresh connection (no keep-alive, so no state carries between gateways' requests). */
export function send(port: number, req: Req): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: '127.0.0.1', port, method: req.method ?? 'GET', path: req.path, agent: false, headers: { host: req.host ?? 'localhost', ...req.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let echo: Echo | null = null;
          if (String(res.headers['content-type']).startsWith('application/json')) {
            try {
              const parsed = JSON.parse(body) as Partial<Echo>;
              if (typeof parsed.server === 'string') echo = parsed as Echo;
            } catch {
              echo = null;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, echo });
        });
      },
    );
    r.setTimeout(10_000, () => r.destroy(new Error(`timeout: ${req.method ?? 'GET'} ${req.path}`)));
    r.on('error', (e: NodeJS.ErrnoException) => {
      // A gateway may answer (413) and close before the whole body is sent.
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') return;
      reject(e);
    });
    r.end(req.body);
  });
}

/** The parts of an exchange every gateway must agree on. */
export function observed(a: Answer): Record<string, unknown> {
  const h = a.echo?.headers ?? {};
  return {
    status: a.status,
    location: a.headers.location,
    upstream: a.echo?.server ?? null,
    method: a.echo?.method ?? null,
    url: a.echo?.url ?? null,
    host: h.host,
    'x-forwarded-for': h['x-forwarded-for'],
    'x-forwarded-proto': h['x-forwarded-proto'],
    'x-forwarded-host': h['x-forwarded-host'],
    'x-real-ip': h['x-real-ip'],
    forwarded: h.forwarded,
    // Generated ids differ by engine (declared); a client's id must pass through.
    'x-request-id': a.echo && h['x-request-id'] === 'req-fixed-1' ? h['x-request-id'] : a.echo ? 'generated' : undefined,
    'x-api-key': h['x-api-key'],
    body: a.echo ? undefined : a.status === 200 ? a.body : undefined,
  };
}
