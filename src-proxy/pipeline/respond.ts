/** Answers the gateway writes itself: fixed responses, redirects and problems. */
import { toProblem, type SwitchyardError } from '../errors.js';
import { expandTemplate } from '../router/rewrite.js';
import type { Exchange } from './exchange.js';
import { responseSink, type ResponseHeaders, type ResponseSink } from './response-sink.js';

/** Writes a complete response from the gateway through the exchange's sink (so response policies apply). */
export function sendFixed(ex: Exchange, status: number, headers: Readonly<ResponseHeaders>, body: Buffer): void {
  sendFixedTo(responseSink(ex), ex, status, headers, body);
}

/** sendFixed into a given sink: a response policy answering instead of what it wraps. */
export function sendFixedTo(sink: ResponseSink, ex: Exchange, status: number, headers: Readonly<ResponseHeaders>, body: Buffer): void {
  sink.head(status, { ...headers, 'content-length': String(body.length), 'x-request-id': ex.id });
  if (ex.method !== 'HEAD' && status !== 204 && status !== 304 && body.length > 0) sink.write(body);
  sink.end();
}

export function sendRedirect(ex: Exchange, to: string, status: number): void {
  const location = expandTemplate(to, ex.captures, { path: ex.path, query: ex.search ? '?' + ex.search : '', host: ex.host });
  sendFixed(ex, status, { location }, Buffer.alloc(0));
}

/** A problem for an exchange, written like any gateway answer; once the response has started, the connection is cut. */
export function sendExchangeProblem(ex: Exchange, err: SwitchyardError): void {
  const sink = responseSink(ex);
  if (sink.headSent) {
    sink.destroy();
    return;
  }
  sendProblemTo(sink, ex, err);
}

/** A problem written into a given sink (see sendFixedTo); the exchange records it as its error. */
export function sendProblemTo(sink: ResponseSink, ex: Exchange, err: SwitchyardError): void {
  ex.error = err;
  const { headers, body } = problemResponse(err, ex.id);
  sendFixedTo(sink, ex, err.status, headers, body);
}

function problemResponse(err: SwitchyardError, requestId: string): { headers: Record<string, string>; body: Buffer } {
  const body = Buffer.from(JSON.stringify(toProblem(err, requestId || undefined)));
  const headers: Record<string, string> = {
    ...err.headers,
    'content-type': 'application/problem+json',
    'content-length': String(body.length),
    'cache-control': 'no-store',
    ...(requestId ? { 'x-request-id': requestId } : {}),
  };
  return { headers, body };
}
