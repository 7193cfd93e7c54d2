/**
 * The demo's upstream services, started in-process on free loopback ports so
 * that `switchyard serve` with no config shows real traffic at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoService {
  name: string;
  url: string;
  close(): Promise<void>;
}

/** Per service: base latency and jitter in ms. */
const PROFILES: Record<string, { latency: number; jitter: number }> = {
  'catalog-a': { latency: 2, jitter: 8 },
  'catalog-b': { latency: 5, jitter: 15 },
  'orders-fast': { latency: 3, jitter: 5 },
  'orders-slow': { latency: 60, jitter: 120 },
};

export async function startDemoService(name: string): Promise<DemoService> {
  const profile = PROFILES[name] ?? { latency: 5, jitter: 10 };
  let served = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      served++;
      const body = Buffer.concat(chunks).toString('utf8');
      setTimeout(() => {
        const payload = JSON.stringify({
          service: name,
          served,
          method: req.method,
          path: req.url,
          forwardedFor: req.headers['x-forwarded-for'] ?? null,
          requestId: req.headers['x-request-id'] ?? null,
          ...(body ? { echo: body.slice(0, 1024) } : {}),
        });
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end(payload);
      }, profile.latency + Math.random() * profile.jitter);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Replaces every `{{demo:NAME}}` with the URL of a started service of that name. */
export async function instantiateDemo(template: string): Promise<{ text: string; services: DemoService[] }> {
  const names = [...new Set([...template.matchAll(/\{\{demo:([a-z0-9-]+)\}\}/g)].map((m) => m[1]))];
  const services = await Promise.all(names.map(startDemoService));
  const byName = new Map(services.map((s) => [s.name, s.url]));
  return { text: template.replace(/\{\{demo:([a-z0-9-]+)\}\}/g, (_, n: string) => byName.get(n) as string), services };
}
