/**
 * Everything the pipeline knows about one request/response exchange. It is
 * also the balancer's view of the request (`PickRequest`), parsing cookies and
 * the query only when a balancer asks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { PickRequest } from '../balancers/balancer.js';
import type { BodyCollector } from '../capture/body-collector.js';
import type { PolicyDecision, WebSocketMessage } from '../capture/captured-exchange.js';
import type { ListenerPlan, RoutePlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import type { SwitchyardError } from '../errors.js';
import type { Target } from '../upstream/target.js';
import type { Upstream } from '../upstream/upstream.js';
import { takeHandshakeMs, tlsInfoOf, type TlsConnectionInfo } from '../tls/connection-info.js';
import type { ResponseSink } from './response-sink.js';

export class Exchange implements PickRequest {
  readonly startedAt = performance.now();
  readonly time = Date.now();
  private uidValue: string | null = null;
  readonly clientIp: string;
  readonly clientPort: number;
  /** The X-Request-Id (kept from the client or generated); set by prepare-request. */
  id = '';
  host = '';
  /** The request's authority as sent (host[:port]): an absolute-form target's, else the Host header; set by prepare-request. */
  authority = '';
  path = '/';
  /** Raw query string without '?'. */
  search = '';
  route: RoutePlan | null = null;
  captures: RegExpExecArray | null = null;
  upstream: Upstream | null = null;
  /** The upstream target, or for forward traffic the origin (only its URL is read from here). */
  target: Pick<Target, 'url'> | null = null;
  attempts = 0;
  /** performance.now() marks for timing phases. */
  dispatchedAt = 0;
  sentAt = 0;
  firstByteAt = 0;
  status = 0;
  bytesIn = 0;
  bytesOut = 0;
  error: SwitchyardError | null = null;
  aborted = false;
  /** A chunked request body outgrew the body limit. */
  bodyTooLarge = false;
  /** Body limit set by a policy (body-limit), below the listener's own; null: the listener's. */
  bodyLimit: number | null = null;
  /** The client's raw headers as received, kept when a policy first changes them (capture records these). */
  clientRawHeaders: string[] | null = null;
  /** A request body a policy has replaced (transform): sent upstream instead of the client's stream. */
  bodyOverride: Buffer | null = null;
  /** Capture: set by prepare-request only while a capture sink is attached. */
  capturing = false;
  requestBody: BodyCollector | null = null;
  responseBody: BodyCollector | null = null;
  /** Response headers as written to the client (raw pairs), when capturing. */
  responseHeaders: string[] | null = null;
  /** Where the response is written; null until first needed (see response-sink.ts). */
  sink: ResponseSink | null = null;
  /** Consumer identified by an auth policy (api-key, jwt, basic-auth), for rate limits `by: consumer`. */
  consumer: { readonly name: string; readonly plan: string | null } | null = null;
  /** Decisions of policies (cache status, rate-limit verdict, auth result), in order. */
  decisions: PolicyDecision[] | null = null;
  websocketMessages: WebSocketMessage[] | null = null;
  /** A forward listener decrypted this request from a CONNECT tunnel (HTTPS interception). */
  intercepted = false;
  /** Id of the exchange this request replays, when it is a replay. */
  replayOf: string | null = null;
  /** The client connection's TLS handshake time, on the connection's first request only. */
  readonly tlsHandshakeMs: number | undefined;
  /**
   * TLS version, SNI and ALPN of the client connection (null for plain HTTP).
   * Read up front: an HTTP/2 request reaches its socket through its stream,
   * which no longer leads there once the stream has closed.
   */
  readonly tls: TlsConnectionInfo | null;
  private cookies: Map<string, string> | null = null;
  private queryParams: URLSearchParams | null = null;
  /** The `search` that `queryParams` was parsed from: policies rewrite it (api-key, jwt and transform remove or change parameters). */
  private parsedSearch = '';

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly listener: ListenerPlan,
    readonly state: EngineState,
  ) {
    this.clientIp = normaliseIp(req.socket.remoteAddress ?? '');
    this.clientPort = req.socket.remotePort ?? 0;
    this.tlsHandshakeMs = takeHandshakeMs(req.socket);
    this.tls = tlsInfoOf(req.socket);
  }

  get scheme(): 'http' | 'https' {
    return this.tls !== null || this.intercepted ? 'https' : 'http';
  }

  /** Unique, time-ordered exchange id (history key); made on first use, which only events and capture need. */
  get uid(): string {
    return (this.uidValue ??= nextExchangeId());
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }

  cookie(name: string): string | undefined {
    if (this.cookies === null) {
      this.cookies = new Map();
      const raw = this.req.headers.cookie;
      if (raw) {
        for (const part of raw.split(';')) {
          const eq = part.indexOf('=');
          if (eq > 0) this.cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
        }
      }
    }
    return this.cookies.get(name);
  }

  query(name: string): string | undefined {
    if (this.queryParams === null || this.parsedSearch !== this.search) {
      this.queryParams = new URLSearchParams(this.search);
      this.parsedSearch = this.search;
    }
    return this.queryParams.get(name) ?? undefined;
  }

  /** Whether the client sent (or announced) a request body. */
  get hasBody(): boolean {
    const h = this.req.headers;
    return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
  }
}

/**
 * Exchange ids sort by creation time and are unique: 9 base-36 digits of
 * milliseconds, a per-process random tag (so two runs in the same millisecond
 * differ), and a counter within the millisecond.
 */
const processTag = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0');
let counter = 0;
let lastMs = 0;
let prefix = '';
export function nextExchangeId(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    counter = 0;
    prefix = now.toString(36).padStart(9, '0') + processTag;
  }
  const n = counter++;
  return prefix + (n < 36 ? '000' : n < 1296 ? '00' : n < 46656 ? '0' : '') + n.toString(36);
}

/** "::ffff:127.0.0.1" → "127.0.0.1", so IPv4 clients look the same on dual-stack sockets. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
