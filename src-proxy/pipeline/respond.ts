/** Answers the gateway writes itself: fixed responses, redirects and problems. */
import type { ServerResponse } from 'node:http';
import { toProblem, type SwitchyardError } from '../errors.js';
import { flattenHeaders } from '../capture/build-record.js';
import { expandTemplate } from '../router/rewrite.js';
import type { Exchange } from './exchange.js';

export function sendFixed(ex: Exchange, status: number, headers: Readonly<Record<string, string>>, body: Buffer): void {
  const res = ex.res;
  const out = { ...headers, 'content-length': String(body.length), 'x-request-id': ex.id };
  res.writeHead(status, out);
  ex.status = status;
  if (ex.capturing) ex.responseHeaders = flattenHeaders(out);
  if (ex.method === 'HEAD' || status === 204 || status === 304) res.end();
  else {
    ex.bytesOut = body.length;
    ex.responseBody?.add(body);
    res.end(body);
  }
}

export function sendRedirect(ex: Exchange, to: string, status: number): void {
  const location = expandTemplate(to, ex.captures, { path: ex.path, query: ex.search ? '?' + ex.search : '', host: ex.host });
  sendFixed(ex, status, { location }, Buffer.alloc(0));
}

/**
 * Writes an RFC 9457 problem. If the response has already started, the only
 * honest signal left is to cut the connection, so the client sees a truncated
 * response instead of a wrong one.
 */
export function sendProblem(res: ServerResponse, err: SwitchyardError, requestId: string, method: string): { headers: Record<string, string>; body: Buffer } | null {
  if (res.headersSent) {
    res.destroy();
    return null;
  }
  const body = Buffer.from(JSON.stringify(toProblem(err, requestId || undefined)));
  const headers: Record<string, string> = {
    ...err.headers,
    'content-type': 'application/problem+json',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    ...(requestId ? { 'x-request-id': requestId } : {}),
  };
  res.writeHead(err.status, headers);
  res.end(method === 'HEAD' ? undefined : body);
  return { headers, body };
}

/** sendProblem for an exchange: the problem is what the client got, so capture records it. */
export function sendExchangeProblem(ex: Exchange, err: SwitchyardError): void {
  const sent = sendProblem(ex.res, err, ex.id, ex.method);
  if (sent === null) return;
  ex.status = err.status;
  if (ex.capturing) {
    ex.responseHeaders = flattenHeaders(sent.headers);
    if (ex.method !== 'HEAD') ex.responseBody?.add(sent.body);
  }
}
