/** A real Engine + ControlService + WorkspaceSource behind a headless host on port 0, and raw HTTP helpers. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { RecentExchanges } from '../../src-proxy/capture/recent-exchanges.js';
import { ControlService } from '../../src-proxy/control/control-service.js';
import { WorkspaceSource } from '../../src-proxy/control/workspace-source.js';
import { Engine } from '../../src-proxy/engine.js';
import { startHeadlessHost, type HeadlessHost, type HeadlessHostOptions } from '../../src-main/headless/host.js';

export const WORKSPACE = `version: 1
listeners:
  - { name: web, address: 127.0.0.1:0 }
routes:
  - name: hello
    match: { path: /hello }
    respond: { status: 200, body: hi, headers: { content-type: text/plain } }
`;

export interface Fixture {
  engine: Engine;
  control: ControlService;
  host: HeadlessHost;
  gateway: string;
  close(): Promise<void>;
}

export async function startFixture(extra: Partial<HeadlessHostOptions> = {}): Promise<Fixture> {
  const engine = new Engine();
  const workspace = new WorkspaceSource(engine, null, WORKSPACE, 'test.yaml');
  const { plan, issues } = loadWorkspaceText(WORKSPACE, 'test.yaml');
  if (!plan) throw new Error(`bad test workspace: ${JSON.stringify(issues)}`);
  await engine.apply(plan);
  const control = new ControlService({ engine, workspace, history: null, recent: new RecentExchanges(), info: { version: '0.0.0-test', dataDir: '/tmp/none' } });
  const host = await startHeadlessHost({ control, engine, port: 0, log: () => undefined, ...extra });
  const gateway = engine.listeners()[0]!.url;
  return {
    engine,
    control,
    host,
    gateway,
    async close() {
      await host.close();
      workspace.close();
      await engine.stop(0);
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** A raw http.request, so Host and Origin can be anything (fetch forbids setting Host). */
export function raw(
  port: number,
  opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: { host: `127.0.0.1:${port}`, ...opts.headers }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T,>() => JSON.parse(text) as T });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** POST /api/rpc/<method> with the fixture's token unless headers say otherwise. */
export function rpc(host: HeadlessHost, method: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(host.port, {
    method: 'POST',
    path: `/api/rpc/${method}`,
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
