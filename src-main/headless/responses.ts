/** Response helpers shared by the API, the static files and the upgrade path. */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { SwitchyardError, toProblem, type ErrorCode } from '../../src-proxy/errors.js';

/** Sent on every response, API and static alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** An RFC 9457 problem plus the response headers that go with it. */
export interface HttpProblem {
  body: { type: string; title: string; status: number; detail: string; code: string; requestId?: string };
  headers?: Record<string, string>;
}

export function errorProblem(err: SwitchyardError, requestId?: string): HttpProblem {
  return { body: toProblem(err, requestId), headers: err.headers };
}

export function problem(code: ErrorCode, detail?: string, headers?: Record<string, string>, requestId?: string): HttpProblem {
  return errorProblem(new SwitchyardError(code, detail, { headers }), requestId);
}

export function sendProblem(res: ServerResponse, p: HttpProblem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(p.body);
  res.writeHead(p.body.status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/problem+json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(p.body.requestId ? { 'X-Request-Id': p.body.requestId } : {}),
    ...p.headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value === undefined ? null : value);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/**
 * Refuses a WebSocket upgrade with a problem response written on the raw
 * socket (there is no ServerResponse on the 'upgrade' path).
 */
export function rejectUpgrade(socket: Duplex, p: HttpProblem): void {
  const body = JSON.stringify(p.body);
  const head = [
    `HTTP/1.1 ${p.body.status} ${STATUS_CODES[p.body.status] ?? 'Error'}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...Object.entries({ ...SECURITY_HEADERS, ...p.headers }).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  socket.once('error', () => undefined);
  socket.once('finish', () => socket.destroy());
  socket.end(`${head}\r\n\r\n${body}`);
}
