/**
 * One exchange as capture records it and history stores it. Headers are kept
 * as raw pairs (order, casing and repeats preserved); secrets are already
 * masked by the time a record is built, unless the workspace keeps them.
 */
import type { TimingPhases } from '../events.js';
import type { TlsConnectionInfo } from '../tls/connection-info.js';

export interface CapturedBody {
  /** The first `cap` bytes (all of them when not truncated); null when there was no body. */
  bytes: Uint8Array | null;
  /** The true size in bytes, however much was kept. */
  size: number;
  truncated: boolean;
  /** Media type from Content-Type, lower case without parameters, or null. */
  contentType: string | null;
}

export interface PolicyDecision {
  /** The policy's name under `policies:`. */
  policy: string;
  /** Its type, e.g. cache, rate-limit, api-key. */
  type: string;
  /** e.g. cache: HIT | MISS | STALE | BYPASS; rate-limit: allowed | limited; auth: ok | missing | invalid. */
  outcome: string;
  detail?: string;
}

export interface WebSocketMessage {
  /** Milliseconds since the epoch. */
  time: number;
  direction: 'client' | 'upstream';
  opcode: 'text' | 'binary' | 'close' | 'ping' | 'pong';
  /** Payload up to the cap (text as UTF-8 bytes). */
  data: Uint8Array;
  size: number;
  truncated: boolean;
  /** permessage-deflate, not decoded (cut earlier in the connection, corrupt, too large): data is kept as sent, unless secrets are masked (then it is dropped). */
  compressed?: boolean;
  /** permessage-deflate, decoded: data is the payload as the application sent it, `size` the bytes on the wire. */
  inflated?: boolean;
}

export interface CapturedExchange {
  /** Unique, time-ordered exchange id. */
  id: string;
  /** X-Request-Id as sent upstream. */
  requestId: string;
  /** Milliseconds since the epoch when the request arrived. */
  startedAt: number;
  /** Total duration in ms (timings.total). */
  duration: number;
  timings: TimingPhases;
  clientAddress: string;
  clientPort: number;
  listener: string;
  /** http | https. */
  scheme: string;
  /** A forward listener decrypted this exchange from a CONNECT tunnel (HTTPS interception). */
  intercepted?: boolean;
  /** TLS version, SNI and ALPN of the client connection, when it was TLS. */
  tls?: TlsConnectionInfo;
  httpVersion: string;
  method: string;
  host: string;
  /** Path and query as the client sent them. */
  url: string;
  route: string | null;
  upstream: string | null;
  target: string | null;
  attempts: number;
  /** 0 when no response status was produced (client aborted before one). */
  status: number;
  requestHeaders: string[];
  responseHeaders: string[];
  requestBody: CapturedBody;
  responseBody: CapturedBody;
  policies: PolicyDecision[];
  error: { code: string; message: string } | null;
  aborted: boolean;
  websocket: WebSocketMessage[] | null;
  /** Id of the exchange this one replays, when it is a replay. */
  replayOf: string | null;
  /** Where the record came from. */
  source: 'live' | 'replay' | 'import';
}
