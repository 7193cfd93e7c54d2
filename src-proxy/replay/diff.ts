/**
 * Compare two exchanges: status, request line, routing, headers (added,
 * removed, changed), bodies (JSON structurally, text by line, binary by hash),
 * and how timings and sizes moved from a to b.
 */
import type { CapturedBody, CapturedExchange } from '../capture/captured-exchange.js';
import { readableBodyAsync } from '../capture/content-coding.js';
import { REPLAY_HEADER } from '../capture/replay-marks.js';
import type { TimingPhases } from '../events.js';
import { diffBodies, type BodyDiff, type BodyDiffOptions } from './body-diff.js';
import { diffHeaders, type HeaderDiff } from './header-diff.js';
import { diffMessages, type WebSocketDiff } from './message-diff.js';

export type { MessageDifference, WebSocketDiff } from './message-diff.js';

type CommonPhase = Exclude<keyof TimingPhases, 'tls'>;

export interface ValueDiff<T> {
  same: boolean;
  a: T;
  b: T;
}

export interface Delta {
  a: number;
  b: number;
  /** b − a. */
  delta: number;
}

export interface ExchangeDiff {
  a: string;
  b: string;
  /** Status, error code, request line, headers, bodies and WebSocket messages all equal (timings, ids and routing not counted). */
  same: boolean;
  status: ValueDiff<number>;
  request: {
    method: ValueDiff<string>;
    url: ValueDiff<string>;
    host: ValueDiff<string>;
    headers: HeaderDiff;
    body: BodyDiff;
  };
  response: {
    headers: HeaderDiff;
    body: BodyDiff;
  };
  routing: {
    route: ValueDiff<string | null>;
    upstream: ValueDiff<string | null>;
    target: ValueDiff<string | null>;
  };
  error: ValueDiff<string | null>;
  /** The messages of upgraded connections, in order; null when neither exchange is one. */
  websocket: WebSocketDiff | null;
  /** The phases every exchange has (the TLS handshake is only on a connection's first request). */
  timing: Record<CommonPhase, Delta>;
  size: { request: Delta; response: Delta };
}

export interface DiffOptions extends BodyDiffOptions {
  /** Header names left out of the header comparison (e.g. date, x-request-id); the replay mark always is. */
  ignoreHeaders?: string[];
}

function value<T>(a: T, b: T): ValueDiff<T> {
  return { same: a === b, a, b };
}

function delta(a: number, b: number): Delta {
  return { a, b, delta: b - a };
}

/** The four bodies of a diff as compared: by what they say, not by how they were compressed. */
interface Bodies {
  a: { request: CapturedBody; response: CapturedBody };
  b: { request: CapturedBody; response: CapturedBody };
}

/** Bodies are decoded in zlib's thread pool: the control API compares beside a running gateway. */
export async function diffExchanges(a: CapturedExchange, b: CapturedExchange, opts: DiffOptions = {}): Promise<ExchangeDiff> {
  const read = async (x: CapturedExchange) => {
    const [request, response] = await Promise.all([readableBodyAsync(x.requestBody, x.requestHeaders), readableBodyAsync(x.responseBody, x.responseHeaders)]);
    return { request: request.body, response: response.body };
  };
  const [ra, rb] = await Promise.all([read(a), read(b)]);
  return diffWith(a, b, { a: ra, b: rb }, opts);
}

function diffWith(a: CapturedExchange, b: CapturedExchange, bodies: Bodies, opts: DiffOptions): ExchangeDiff {
  // The gateway's replay mark is in the captured request of every replay: never a difference that matters.
  const ignore = [...(opts.ignoreHeaders ?? []), REPLAY_HEADER];
  const status = value(a.status, b.status);
  const method = value(a.method, b.method);
  const url = value(a.url, b.url);
  const host = value(a.host, b.host);
  const requestHeaders = diffHeaders(a.requestHeaders, b.requestHeaders, { ignore });
  const responseHeaders = diffHeaders(a.responseHeaders, b.responseHeaders, { ignore });
  const requestBody = diffBodies(bodies.a.request, bodies.b.request, opts);
  const responseBody = diffBodies(bodies.a.response, bodies.b.response, opts);
  const error = value(a.error?.code ?? null, b.error?.code ?? null);
  const websocket = diffMessages(a.websocket, b.websocket);
  const phases: CommonPhase[] = ['queue', 'connect', 'ttfb', 'total'];
  return {
    a: a.id,
    b: b.id,
    same:
      status.same &&
      error.same &&
      method.same &&
      url.same &&
      host.same &&
      requestHeaders.same &&
      responseHeaders.same &&
      requestBody.same &&
      responseBody.same &&
      (websocket?.same ?? true),
    status,
    request: { method, url, host, headers: requestHeaders, body: requestBody },
    response: { headers: responseHeaders, body: responseBody },
    routing: { route: value(a.route, b.route), upstream: value(a.upstream, b.upstream), target: value(a.target, b.target) },
    error,
    websocket,
    timing: Object.fromEntries(phases.map((p) => [p, delta(a.timings[p], b.timings[p])])) as Record<CommonPhase, Delta>,
    size: { request: delta(a.requestBody.size, b.requestBody.size), response: delta(a.responseBody.size, b.responseBody.size) },
  };
}
