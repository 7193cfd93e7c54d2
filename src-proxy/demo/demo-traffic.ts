/** A gentle stream of requests through the demo gateway, so the workbench has something to show. */
import { request } from 'undici';

const PATHS: [method: string, path: string][] = [
  ['GET', '/api/catalog/items'],
  ['GET', '/api/catalog/items/42'],
  ['GET', '/api/orders'],
  ['POST', '/api/orders'],
  ['GET', '/ping'],
  ['GET', '/api/missing'],
];

export function startDemoTraffic(baseUrl: string, perSecond = 2): () => void {
  const timer = setInterval(() => {
    const [method, path] = PATHS[Math.floor(Math.random() * PATHS.length)];
    request(baseUrl + path, {
      method: method as 'GET' | 'POST',
      headers: { 'user-agent': 'switchyard-demo-traffic', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: method === 'POST' ? JSON.stringify({ item: 42, quantity: 1 }) : undefined,
    })
      .then((res) => res.body.dump())
      .catch(() => undefined);
  }, 1000 / perSecond);
  timer.unref();
  return () => clearInterval(timer);
}
