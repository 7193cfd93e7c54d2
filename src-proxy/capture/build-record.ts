/** Turns a finished exchange into the record that history and the inspector keep. */
import type { CapturePlan } from '../config/plan.js';
import type { Exchange } from '../pipeline/exchange.js';
import type { CapturedBody, CapturedExchange } from './captured-exchange.js';
import { NO_BODY, mediaType } from './body-collector.js';
import { maskBodyAsync, maskHeaders, maskMessages, maskNeedsDecoding, maskPlainBody, maskUrl } from './mask-secrets.js';
import { REPLAY_HEADER } from './replay-marks.js';

/**
 * The record, or a promise of it when a compressed body has to be
 * decoded to be masked: that work runs in zlib's thread pool, so a
 * compression bomb sent by a client never stalls the event loop.
 */
export function buildRecord(ex: Exchange, timings: CapturedExchange['timings'], capture: CapturePlan): CapturedExchange | Promise<CapturedExchange> {
  // The body captured is the client's, so it is read with the client's headers, not the ones policies rewrote.
  const reqHeaders = ex.clientRawHeaders ?? ex.req.rawHeaders;
  const resHeaders = ex.responseHeaders ?? [];
  const requestBody = ex.requestBody?.result(mediaType(headerIn(reqHeaders, 'content-type')), uploadCutShort(ex)) ?? NO_BODY;
  const responseBody = ex.responseBody?.result(mediaType(headerIn(resHeaders, 'content-type')), responseCutShort(ex)) ?? NO_BODY;
  if (capture.keepSecrets) return recordOf(ex, timings, capture, requestBody, responseBody);
  // A body may end early without being capped: its last bytes may be the start of a JWT.
  const opts = { aborted: ex.aborted || ex.error !== null, cap: capture.maxBodySize };
  if (!maskNeedsDecoding(requestBody, reqHeaders) && !maskNeedsDecoding(responseBody, resHeaders)) {
    return recordOf(ex, timings, capture, maskPlainBody(requestBody, opts.aborted), maskPlainBody(responseBody, opts.aborted));
  }
  const masked = (body: CapturedBody, headers: string[]) => maskBodyAsync(body, headers, opts).catch(() => ({ ...body, bytes: null }));
  return Promise.all([masked(requestBody, reqHeaders), masked(responseBody, resHeaders)]).then(([req, res]) => recordOf(ex, timings, capture, req, res));
}

/**
 * The request body was read (streamed upstream, or by a policy) but not to its
 * end: the client hung up mid-upload, or a 413 stopped reading it. A body
 * nobody read (a policy answered first) has no bytes and is not called cut.
 */
function uploadCutShort(ex: Exchange): boolean {
  if (!ex.hasBody) return false;
  if (ex.bodyTooLarge || ex.error?.code === 'PAYLOAD_TOO_LARGE') return true;
  // bytesIn is set from Content-Length once the body starts streaming upstream, and counted otherwise.
  const read = ex.bytesIn > 0 || (ex.requestBody?.size ?? 0) > 0;
  return read && !ex.req.readableEnded;
}

/** The response head went out but the body never ended (an upstream reset mid-body, a client that left). */
function responseCutShort(ex: Exchange): boolean {
  return ex.responseHeaders !== null && ex.websocketMessages === null && !ex.res.writableEnded;
}

function recordOf(ex: Exchange, timings: CapturedExchange['timings'], capture: CapturePlan, requestBody: CapturedBody, responseBody: CapturedBody): CapturedExchange {
  const keep = capture.keepSecrets;
  const action = ex.route?.action;
  // Built in one literal (no spreads): this runs for every exchange, on the gateway's thread.
  const record: CapturedExchange = {
    id: ex.uid,
    requestId: ex.id,
    startedAt: ex.time,
    duration: timings.total,
    timings,
    clientAddress: ex.clientIp,
    clientPort: ex.clientPort,
    listener: ex.listener.name,
    scheme: ex.scheme,
    httpVersion: ex.req.httpVersion,
    method: ex.method,
    host: ex.host,
    url: keep ? (ex.req.url ?? '') : maskUrl(ex.req.url ?? '', capture.secretQueryParams),
    route: ex.route?.name ?? null,
    upstream: action?.kind === 'proxy' ? action.upstream : null,
    target: ex.target?.url ?? null,
    attempts: ex.attempts,
    status: ex.status,
    requestHeaders: requestHeaders(ex, capture),
    responseHeaders: ex.responseHeaders === null ? [] : keep ? ex.responseHeaders : maskHeaders(ex.responseHeaders, capture.secretHeaders),
    requestBody,
    responseBody,
    policies: ex.decisions ?? [],
    error: ex.error ? { code: ex.error.code, message: ex.error.message } : null,
    aborted: ex.aborted,
    websocket: ex.websocketMessages === null || keep ? ex.websocketMessages : maskMessages(ex.websocketMessages),
    replayOf: ex.replayOf,
    source: ex.replayOf === null ? 'live' : 'replay',
  };
  if (ex.tls) record.tls = ex.tls;
  if (ex.intercepted) record.intercepted = true;
  return record;
}

/** The client's headers as received, less the one-time replay token, masked unless secrets are kept. */
function requestHeaders(ex: Exchange, capture: CapturePlan): string[] {
  let raw = ex.clientRawHeaders ?? ex.req.rawHeaders;
  if (ex.req.headers[REPLAY_HEADER] !== undefined) raw = raw.filter((_, i) => !isReplayHeaderAt(raw, i));
  return capture.keepSecrets ? raw : maskHeaders(raw, capture.secretHeaders);
}

function isReplayHeaderAt(raw: readonly string[], i: number): boolean {
  const nameIndex = i - (i % 2);
  return raw[nameIndex].toLowerCase() === REPLAY_HEADER;
}

function headerIn(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name) return raw[i + 1];
  return undefined;
}

/** Flattens a header object (as written to the client) into raw pairs. */
export function flattenHeaders(headers: Record<string, string | string[] | number | undefined>): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.push(name, item);
    else out.push(name, String(v));
  }
  return out;
}
