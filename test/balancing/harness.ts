/**
 * Shared harness for the balancing and health integration tests: real
 * upstream servers on 127.0.0.1 (port 0, restartable on the same port), a real
 * gateway built from a workspace YAML string, an undici client, and small load
 * loops. Everything a test starts is registered with a `Harness` and torn down
 * by `harness.close()` in afterEach.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, request, type Dispatcher } from 'undici';
import { stringify } from 'yaml';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { Engine } from '../../src-proxy/engine.js';
import type { EngineEvent } from '../../src-proxy/events.js';

export type BackendHandler = (req: http.IncomingMessage, res: http.ServerResponse, backend: Backend) => void;

/**
 * One upstream server that answers with its own name. Behaviour is mutable:
 * `status`, `delayMs`, `healthStatus`, or a whole custom `handler`.
 */
export class Backend {
  readonly name: string;
  port = 0;
  /** Requests seen, health checks excluded. */
  hits = 0;
  healthHits = 0;
  status = 200;
  delayMs = 0;
  /** Status answered on /health. */
  healthStatus = 200;
  handler: BackendHandler | null;
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(name: string, handler: BackendHandler | null = null) {
    this.name = name;
    this.handler = handler;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Listens on the port it had before (or a free one the first time). */
  start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port }, () => {
        server.off('error', reject);
        this.port = (server.address() as AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  /** Kills the server: stops listening and destroys every open socket (in-flight requests included). */
  kill(): Promise<void> {
    const server = this.server;
    if (server === null) return Promise.resolve();
    this.server = null;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url === '/health') {
      this.healthHits++;
      req.resume();
      res.writeHead(this.healthStatus, { 'content-type': 'text/plain' });
      res.end(this.healthStatus < 400 ? 'ok' : 'sick');
      return;
    }
    this.hits++;
    if (this.handler) {
      this.handler(req, res, this);
      return;
    }
    req.resume();
    const answer = () => {
      if (res.destroyed) return;
      res.writeHead(this.status, { 'content-type': 'text/plain', 'x-backend': this.name });
      res.end(this.name);
    };
    // Answer only once the request body is in, so POST bodies are fully read.
    req.once('end', () => {
      if (this.delayMs > 0) setTimeout(answer, this.delayMs);
      else answer();
    });
  }
}

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface GatewayOptions {
  /** Upstream name → upstream config (as in the YAML). Route `/` goes to the first one. */
  upstreams: Record<string, unknown>;
}

/** The whole workspace as a YAML string: one listener on a free port, one catch-all route. */
export function workspaceYaml(upstream: Record<string, unknown>, name = 'app'): string {
  return stringify({
    version: 1,
    listeners: [{ name: 'web', address: '127.0.0.1:0', mode: 'reverse' }],
    routes: [{ name: 'all', match: { path: '/' }, upstream: name }],
    upstreams: { [name]: upstream },
  });
}

export function planOf(yaml: string) {
  const { plan, issues } = loadWorkspaceText(yaml);
  if (!plan) throw new Error(`workspace did not load:\n${issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n')}`);
  return plan;
}

export class Harness {
  readonly backends: Backend[] = [];
  readonly events: EngineEvent[] = [];
  engine: Engine | null = null;
  url = '';
  private readonly agents: Agent[] = [];
  readonly client: Agent;
  private unsubscribe: (() => void) | null = null;

  constructor() {
    this.client = this.agent();
  }

  /**
   * A client agent (optionally bound to a local source address); closed by `close()`.
   * Note: undici 7 ignores `connect: { localAddress }` (the Client's own
   * `localAddress` option, null by default, overrides it), so the top-level
   * option is the one that binds.
   */
  agent(localAddress?: string): Agent {
    const a = new Agent({ connections: 64, ...(localAddress ? { localAddress } : {}) });
    this.agents.push(a);
    return a;
  }

  async backend(name: string, handler: BackendHandler | null = null): Promise<Backend> {
    const b = new Backend(name, handler);
    await b.start();
    this.backends.push(b);
    return b;
  }

  async backendsNamed(...names: string[]): Promise<Backend[]> {
    return Promise.all(names.map((n) => this.backend(n)));
  }

  /** Starts the engine on `upstream` (as YAML), recording every event. */
  async gateway(upstream: Record<string, unknown>, opts: { record?: boolean } = {}): Promise<Engine> {
    const engine = new Engine();
    this.engine = engine;
    if (opts.record !== false) this.unsubscribe = engine.events.on((e) => this.events.push(e));
    await engine.apply(planOf(workspaceYaml(upstream)));
    this.url = engine.listeners()[0].url;
    return engine;
  }

  /** Applies a new upstream config to the running engine. */
  async reapply(upstream: Record<string, unknown>): Promise<void> {
    await this.engine!.apply(planOf(workspaceYaml(upstream)));
  }

  async get(path = '/', opts: { headers?: Record<string, string>; dispatcher?: Dispatcher; method?: Dispatcher.HttpMethod; body?: string } = {}): Promise<Reply> {
    const res = await request(this.url + path, {
      method: opts.method ?? 'GET',
      headers: opts.headers,
      body: opts.body,
      dispatcher: opts.dispatcher ?? this.client,
    });
    const body = await res.body.text();
    return { status: res.statusCode, body, headers: res.headers };
  }

  /** The recorded events of one type. */
  eventsOf<T extends EngineEvent['type']>(type: T): Extract<EngineEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);
  }

  healthEvents(): Extract<EngineEvent, { type: 'health.change' }>[] {
    return this.eventsOf('health.change');
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.engine?.stop(0);
    await Promise.all(this.agents.map((a) => a.destroy()));
    await Promise.all(this.backends.map((b) => b.kill()));
  }
}

/** Reads the whole upload and answers `METHOD size sha256`, to check a body arrived whole. */
export const hashingHandler: BackendHandler = (req, res) => {
  const hash = createHash('sha256');
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    hash.update(c);
  });
  req.on('end', () => res.end(`${req.method} ${size} ${hash.digest('hex')}`));
};

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Counts answers by body (the backend's name). */
export function tally(bodies: Iterable<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of bodies) out[b] = (out[b] ?? 0) + 1;
  return out;
}

/** Runs `total` calls of `fn` with `concurrency` workers; returns results in completion order. */
export async function load<T>(total: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      out.push(await fn(i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms until it holds, failing after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Share of `name` in a tally. */
export function share(t: Record<string, number>, name: string): number {
  let total = 0;
  for (const k in t) total += t[k];
  return total === 0 ? 0 : (t[name] ?? 0) / total;
}
