/**
 * Replay: resend a captured request, as it was or edited, either through the
 * gateway (to a listener, so the same route, policies and balancing apply,
 * and the gateway records the new exchange linked to the original) or
 * straight to a chosen target (this module records that exchange itself).
 *
 * The new exchange's id: through the gateway, the replay token is found in the
 * `exchange.start` event (see gateway-link.ts), so the id is known for sure
 * before the response arrives; a fresh X-Request-Id is sent as well (unless
 * the edit sets one) and returned as `requestId`. Direct, the id is the one
 * this module gives the record.
 */
import { randomUUID } from 'node:crypto';
import type { CapturedBody, CapturedExchange } from '../capture/captured-exchange.js';
import { maskBody, maskHeaders, maskUrl } from '../capture/mask-secrets.js';
import { REPLAY_HEADER } from '../capture/replay-marks.js';
import type { Engine } from '../engine.js';
import type { TimingPhases } from '../events.js';
import { nextExchangeId } from '../pipeline/exchange.js';
import { hostName } from '../pipeline/steps/prepare-request.js';
import { buildReplayRequest, type ReplayEdit, type ReplayRequest } from './build-request.js';
import { DEFAULT_CAPTURE } from './capture-defaults.js';
import { buildDirectRecord } from './direct-record.js';
import { ReplayError } from './errors.js';
import { bodyHasMaskedJwtAsync } from './masked-body.js';
import { watchReplay } from './gateway-link.js';
import { requestAuthority } from './raw-headers.js';
import { failureOf, sendRequest, type SendResult } from './send.js';
import { reachableUrl } from './listener-origin.js';

export interface ReplayOptions {
  edit?: ReplayEdit;
  /** Through the gateway (the default): send to this listener instead of the one the original came in on. */
  listener?: string;
  /** Direct: send straight to this http(s) origin (e.g. "http://127.0.0.1:9001") instead of through the gateway. */
  target?: string;
  /** Direct only: keep the original Host header instead of the target's host:port. */
  keepHost?: boolean;
  /** Leave out headers whose captured values were masked, instead of failing. */
  dropMasked?: boolean;
  /** Default 5 s. */
  connectTimeoutMs?: number;
  /** From sending until the response has finished; default 30 s. */
  timeoutMs?: number;
  /** Direct https only: skip certificate verification (never the default). */
  insecure?: boolean;
}

export interface ReplayDeps {
  engine: Pick<Engine, 'listeners' | 'capture' | 'events' | 'current'>;
  /** Masking and body cap for what direct mode records; by default the running plan's (or the defaults without one). */
  capture?: typeof DEFAULT_CAPTURE;
}

export interface ReplayResult {
  /** Exchange id of the new exchange (its history key); null only if the gateway emitted no start event for it. */
  id: string | null;
  /** X-Request-Id the replay was sent with. */
  requestId: string;
  replayOf: string;
  mode: 'gateway' | 'direct';
  /** The listener the replay went to (gateway mode). */
  listener: string | null;
  /** Where it was sent: listener or target origin, plus path. */
  url: string;
  /** The request as sent (secrets masked as capture masks them). */
  request: { method: string; path: string; headers: string[]; bodySize: number };
  /** Headers of the original left out because their values were masked (dropMasked). */
  droppedHeaders: string[];
  status: number;
  statusText: string;
  responseHeaders: string[];
  /** Kept up to the capture cap; secrets masked as capture masks them. */
  responseBody: CapturedBody;
  /** As the replayer measured them (queue is 0). */
  timings: TimingPhases;
  /** Gateway mode, from the gateway's completion event (null when it did not arrive in time). */
  gateway: { route: string | null; upstream: string | null; target: string | null; attempts: number; error: { code: string; message: string } | null } | null;
  /** Direct mode: the record handed to capture. */
  record: CapturedExchange | null;
}

/** Methods whose bodyless requests still announce an empty body (node would otherwise send them chunked). */
const BODY_EXPECTED = new Set(['POST', 'PUT', 'PATCH']);

export async function replayExchange(original: CapturedExchange, options: ReplayOptions, deps: ReplayDeps): Promise<ReplayResult> {
  if (options.target !== undefined && options.listener !== undefined) {
    throw new ReplayError('INVALID_TARGET', 'Give either a listener (through the gateway) or a target (direct), not both.');
  }
  // Decoding a compressed body to look for masks is zlib's work, kept off the gateway's thread.
  const bodyMasked = options.edit?.body === undefined ? await bodyHasMaskedJwtAsync(original.requestBody, original.requestHeaders) : false;
  const request = buildReplayRequest(original, options.edit ?? {}, { dropMasked: options.dropMasked, bodyMasked });
  const capture = deps.capture ?? capturePlan(deps.engine);
  return options.target === undefined
    ? replayThroughGateway(original, request, options, deps, capture)
    : replayDirect(original, request, options.target, options, deps, capture);
}

async function replayThroughGateway(
  original: CapturedExchange,
  request: ReplayRequest,
  options: ReplayOptions,
  deps: ReplayDeps,
  capture: typeof DEFAULT_CAPTURE,
): Promise<ReplayResult> {
  const { engine } = deps;
  const listener = pickListener(engine, options.listener, original);
  const origin = reachableUrl(listener.url);

  const token = engine.capture.replays.issue(original.id);
  const { headers, requestId } = finalHeaders(request, [REPLAY_HEADER, token]);
  const link = watchReplay(engine.events, token);
  let sent: SendResult;
  try {
    // The listener is this engine's own, on this machine: its certificate (often from the local CA, which
    // this process need not trust) is not what a replay tests, and SNI names the host as the original's did.
    const servername = hostName(requestAuthority(headers, original.host));
    sent = await sendRequest({ ...sendInput(origin, request, headers, options, capture), insecure: true, servername });
  } catch (err) {
    link.stop();
    // The gateway may have started (and will record) the exchange before the failure.
    if (err instanceof ReplayError) err.exchangeId = link.id;
    throw err;
  }
  const done = await link.completion(2000);
  link.stop();
  return {
    id: link.id,
    requestId,
    replayOf: original.id,
    mode: 'gateway',
    listener: listener.name,
    url: origin.origin + request.path,
    request: describeRequest(request, withoutHeader(headers, REPLAY_HEADER), capture),
    droppedHeaders: request.droppedMasked,
    ...describeResponse(sent, capture),
    gateway:
      done === null
        ? null
        : { route: done.route, upstream: done.upstream, target: done.target, attempts: done.attempts, error: done.error ?? null },
    record: null,
  };
}

async function replayDirect(
  original: CapturedExchange,
  request: ReplayRequest,
  targetText: string,
  options: ReplayOptions,
  deps: ReplayDeps,
  capture: typeof DEFAULT_CAPTURE,
): Promise<ReplayResult> {
  const target = parseTarget(targetText);
  if (!request.hostEdited && !options.keepHost) {
    const i = request.headers.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === 'host');
    if (i !== -1) request.headers[i + 1] = target.host;
  }
  const { headers, requestId } = finalHeaders(request, null);
  const id = nextExchangeId();
  const base = {
    id,
    requestId,
    replayOf: original.id,
    target,
    method: request.method,
    path: request.path,
    requestHeaders: headers,
    requestBody: request.body,
    capture,
  };
  let sent: SendResult;
  try {
    sent = await sendRequest(sendInput(target, request, headers, options, capture));
  } catch (err) {
    const failure = failureOf(err);
    if (failure !== null && capture.enabled) {
      const record = buildDirectRecord({
        ...base,
        startedAt: failure.startedAt,
        timings: failure.timings,
        localAddress: failure.localAddress,
        localPort: failure.localPort,
        httpVersion: '1.1',
        status: failure.status,
        responseHeaders: failure.responseHeaders,
        responseBody: null,
        error: { code: failure.error.code, message: failure.error.message },
      });
      deps.engine.capture.record(record);
      failure.error.exchangeId = id;
    }
    throw err;
  }
  const record = buildDirectRecord({
    ...base,
    startedAt: sent.startedAt,
    timings: sent.timings,
    localAddress: sent.localAddress,
    localPort: sent.localPort,
    httpVersion: sent.httpVersion,
    status: sent.status,
    responseHeaders: sent.responseHeaders,
    responseBody: sent.responseBody,
    error: null,
  });
  if (capture.enabled) deps.engine.capture.record(record);
  return {
    id,
    requestId,
    replayOf: original.id,
    mode: 'direct',
    listener: null,
    url: target.origin + request.path,
    request: describeRequest(request, headers, capture),
    droppedHeaders: request.droppedMasked,
    ...describeResponse(sent, capture, record),
    gateway: null,
    record,
  };
}

function pickListener(engine: ReplayDeps['engine'], named: string | undefined, original: CapturedExchange) {
  const originalListener = original.listener;
  const served = engine.listeners().filter((l) => l.served && l.mode === 'reverse');
  const names = served.map((l) => l.name).join(', ') || 'none';
  if (named !== undefined) {
    const l = served.find((x) => x.name === named);
    if (!l) throw new ReplayError('NO_LISTENER', `There is no running listener "${named}" (running: ${names}).`);
    return l;
  }
  const same = served.find((x) => x.name === originalListener);
  if (same) return same;
  // An exchange that did not come in on a listener (imported, replayed direct) goes to the only one there is.
  if (originalListener === '' && served.length === 1) return served[0];
  const forward = engine.listeners().find((x) => x.name === originalListener && x.served && x.mode !== 'reverse');
  if (forward !== undefined) {
    throw new ReplayError(
      'NO_LISTENER',
      `The exchange came in on forward-proxy listener "${originalListener}", which has no routes to replay through; replay it directly to its origin (target ${original.scheme}://${requestAuthority(original.requestHeaders, original.host)}) or choose a listener (running: ${names}).`,
    );
  }
  throw new ReplayError(
    'NO_LISTENER',
    originalListener === ''
      ? `The exchange did not come in on a listener; choose one to replay it through (running: ${names}), or replay it directly to a target.`
      : `The exchange came in on listener "${originalListener}", which is not running; choose a listener (running: ${names}) or a target.`,
  );
}

function parseTarget(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ReplayError('INVALID_TARGET', `"${text}" is not a URL; give an http(s) origin such as http://127.0.0.1:8080.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ReplayError('INVALID_TARGET', `The target "${text}" must start with http:// or https://.`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new ReplayError('INVALID_TARGET', `The target "${text}" must be an origin only (scheme, host, port); edit the URL to change the path.`);
  }
  return url;
}

/** Request headers plus X-Request-Id (fresh unless the edit set one), the replay mark and Content-Length. */
function finalHeaders(request: ReplayRequest, mark: [string, string] | null): { headers: string[]; requestId: string } {
  const headers = request.headers.slice();
  let requestId: string;
  if (request.requestIdEdited) {
    const i = headers.findIndex((h, j) => j % 2 === 0 && h.toLowerCase() === 'x-request-id');
    requestId = i === -1 ? '' : headers[i + 1];
  } else {
    requestId = randomUUID();
    headers.push('X-Request-Id', requestId);
  }
  if (mark !== null) headers.push(mark[0], mark[1]);
  if (request.body !== null) headers.push('Content-Length', String(request.body.length));
  else if (BODY_EXPECTED.has(request.method.toUpperCase())) headers.push('Content-Length', '0');
  return { headers, requestId };
}

function withoutHeader(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() !== name) out.push(raw[i], raw[i + 1]);
  return out;
}

function sendInput(origin: URL, request: ReplayRequest, headers: string[], options: ReplayOptions, capture: typeof DEFAULT_CAPTURE) {
  return {
    origin,
    method: request.method,
    path: request.path,
    headers,
    body: request.body,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    timeoutMs: options.timeoutMs ?? 30_000,
    bodyCap: capture.maxBodySize,
    insecure: options.insecure,
  };
}

function describeRequest(request: ReplayRequest, headers: string[], capture: typeof DEFAULT_CAPTURE): ReplayResult['request'] {
  return {
    method: request.method,
    path: capture.keepSecrets ? request.path : maskUrl(request.path, capture.secretQueryParams),
    headers: capture.keepSecrets ? headers : maskHeaders(headers, capture.secretHeaders),
    bodySize: request.body?.length ?? 0,
  };
}

/** The response as the caller sees it: masked, or as `record` (direct mode) already masked it. */
function describeResponse(sent: SendResult, capture: typeof DEFAULT_CAPTURE, record?: CapturedExchange) {
  const keep = capture.keepSecrets;
  return {
    status: sent.status,
    statusText: sent.statusText,
    responseHeaders: record?.responseHeaders ?? (keep ? sent.responseHeaders : maskHeaders(sent.responseHeaders, capture.secretHeaders)),
    responseBody: record?.responseBody ?? (keep ? sent.responseBody : maskBody(sent.responseBody, sent.responseHeaders, { cap: capture.maxBodySize })),
    timings: sent.timings,
  };
}

function capturePlan(engine: ReplayDeps['engine']): typeof DEFAULT_CAPTURE {
  try {
    return engine.current().plan.capture;
  } catch {
    return DEFAULT_CAPTURE;
  }
}
