/** Hand-made capture records for replay, diff, curl and HAR tests. */
import type { CapturedBody, CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';

export const noBody = (): CapturedBody => ({ bytes: null, size: 0, truncated: false, contentType: null });

export function bytesBody(bytes: Uint8Array | string, contentType: string | null): CapturedBody {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  return { bytes: b, size: b.length, truncated: false, contentType };
}

let n = 0;
export function record(overrides: Partial<CapturedExchange> = {}): CapturedExchange {
  n++;
  return {
    id: `t${String(n).padStart(12, '0')}`,
    requestId: `req-${n}`,
    startedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678) + n,
    duration: 12.25,
    timings: { queue: 0.25, connect: 1.5, ttfb: 8, total: 12.25 },
    clientAddress: '127.0.0.1',
    clientPort: 50123,
    listener: 'web',
    scheme: 'http',
    httpVersion: '1.1',
    method: 'GET',
    host: 'api.localhost',
    url: '/items?page=2',
    route: 'api',
    upstream: 'pool',
    target: 'http://127.0.0.1:9001',
    attempts: 1,
    status: 200,
    requestHeaders: ['Host', 'api.localhost:8080', 'Accept', 'application/json', 'User-Agent', 'test/1'],
    responseHeaders: ['Content-Type', 'application/json', 'Content-Length', '11'],
    requestBody: noBody(),
    responseBody: bytesBody('{"ok":true}', 'application/json'),
    policies: [],
    error: null,
    aborted: false,
    websocket: null,
    replayOf: null,
    source: 'live',
    ...overrides,
  };
}
