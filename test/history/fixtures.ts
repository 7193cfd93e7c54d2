/** Records and temp directories for history tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CapturedBody, CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';

export function tempDir(prefix = 'switchyard-history-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const noBody = (): CapturedBody => ({ bytes: null, size: 0, truncated: false, contentType: null });

export function textBody(text: string, contentType = 'application/json'): CapturedBody {
  const bytes = new TextEncoder().encode(text);
  return { bytes, size: bytes.byteLength, truncated: false, contentType };
}

/** Ids that sort like the gateway's: fixed-width, increasing with n. */
export const idFor = (n: number, prefix = 'x'): string => `${prefix}${String(n).padStart(10, '0')}`;

export const BASE_TIME = Date.UTC(2026, 10, 20, 10, 0, 0);

export function makeExchange(n: number, overrides: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    id: idFor(n),
    requestId: `req-${n}`,
    startedAt: BASE_TIME + n * 1000,
    duration: 12.5,
    timings: { queue: 0.5, connect: 1, ttfb: 10, total: 12.5 },
    clientAddress: '127.0.0.1',
    clientPort: 50000 + (n % 1000),
    listener: 'main',
    scheme: 'http',
    httpVersion: '1.1',
    method: 'GET',
    host: 'api.localhost',
    url: `/users/${n}?page=1`,
    route: 'users',
    upstream: 'users',
    target: '127.0.0.1:9001',
    attempts: 1,
    status: 200,
    requestHeaders: ['Host', 'api.localhost', 'Accept', 'application/json'],
    responseHeaders: ['Content-Type', 'application/json', 'Content-Length', '17'],
    requestBody: noBody(),
    responseBody: textBody(`{"user":${n}}`),
    policies: [],
    error: null,
    aborted: false,
    websocket: null,
    replayOf: null,
    source: 'live',
    ...overrides,
  };
}

/** A record of roughly `size` bytes of JSON response body. */
export function sizedExchange(n: number, size: number, overrides: Partial<CapturedExchange> = {}): CapturedExchange {
  const filler = 'abcdefghij klmnopqrst uvwxyz0123 '.repeat(Math.ceil(size / 33)).slice(0, Math.max(0, size - 20));
  return makeExchange(n, { responseBody: textBody(`{"n":${n},"d":"${filler}"}`), ...overrides });
}
