/**
 * The engine's typed event stream: the feed for capture, history, the inspector
 * and the dashboard. Emitting is free when nobody listens: producers check
 * `bus.active` before building an event object.
 */
import type { PolicyDecision } from './capture/captured-exchange.js';
import type { TlsConnectionInfo } from './tls/connection-info.js';

export interface TimingPhases {
  /** Gateway time before the upstream call was dispatched (parsing, routing, policies). */
  queue: number;
  /** Waiting for an upstream connection (pool wait + TCP/TLS connect). */
  connect: number;
  /** Request sent → first response byte from the upstream. */
  ttfb: number;
  /** Request received → response finished (or failed). */
  total: number;
  /** The client connection's TLS handshake; only on the first request of a TLS connection. */
  tls?: number;
}

/**
 * `id` in exchange events is the gateway's own unique, time-ordered exchange id
 * (the history key); `requestId` is the X-Request-Id, which a client may set
 * and may repeat.
 */
export interface ExchangeStartEvent {
  type: 'exchange.start';
  id: string;
  requestId: string;
  time: number;
  listener: string;
  clientAddress: string;
  clientPort: number;
  method: string;
  url: string;
  host: string;
  httpVersion: string;
  /** Raw header pairs as received: [name, value, name, value, …]. */
  rawHeaders: string[];
  /** A forward listener decrypted this request from a CONNECT tunnel (HTTPS interception). */
  intercepted?: boolean;
  scheme?: 'http' | 'https';
  /** TLS version, SNI and ALPN of the client connection, when it is TLS. */
  tls?: TlsConnectionInfo;
}

export interface ExchangeRoutedEvent {
  type: 'exchange.routed';
  id: string;
  route: string;
  upstream: string | null;
}

export interface ExchangeUpstreamEvent {
  type: 'exchange.upstream';
  id: string;
  upstream: string;
  target: string;
  attempt: number;
  /** Why an earlier attempt was abandoned, when this is a retry. */
  retryReason?: string;
}

export interface ExchangeResponseEvent {
  type: 'exchange.response';
  id: string;
  status: number;
  headers: Record<string, string | string[]>;
}

/** A policy took a decision (cache status, rate-limit verdict, auth result…). */
export interface ExchangePolicyEvent {
  type: 'exchange.policy';
  id: string;
  decision: PolicyDecision;
}

export interface ExchangeCompleteEvent {
  type: 'exchange.complete';
  id: string;
  time: number;
  status: number;
  route: string | null;
  upstream: string | null;
  target: string | null;
  attempts: number;
  timings: TimingPhases;
  bytesIn: number;
  bytesOut: number;
  error?: { code: string; message: string };
  /** The client went away before the response finished. */
  aborted: boolean;
  /** Decisions of the route's policies, in order (absent when none). */
  decisions?: PolicyDecision[];
}

export interface WebSocketEvent {
  type: 'websocket.open' | 'websocket.close';
  id: string;
  time: number;
  route: string;
  target: string;
  bytesIn?: number;
  bytesOut?: number;
}

/**
 * One health input of a target changed; `healthy` is the target's availability afterwards and
 * `wasHealthy` before (equal when the change did not flip it, e.g. a check failing on an ejected target).
 */
export interface HealthChangeEvent {
  type: 'health.change';
  time: number;
  upstream: string;
  target: string;
  healthy: boolean;
  wasHealthy: boolean;
  /** active = health check, passive = outlier detection, manual = drained/enabled by hand. */
  source: 'active' | 'passive' | 'manual';
  reason: string;
}

export interface ConfigAppliedEvent {
  type: 'config.applied';
  time: number;
  generation: number;
  routes: number;
  upstreams: number;
}

export type EngineEvent =
  | ExchangeStartEvent
  | ExchangeRoutedEvent
  | ExchangeUpstreamEvent
  | ExchangeResponseEvent
  | ExchangePolicyEvent
  | ExchangeCompleteEvent
  | WebSocketEvent
  | HealthChangeEvent
  | ConfigAppliedEvent;

export type EventListener = (event: EngineEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  /** True when at least one listener is attached; producers skip building events otherwise. */
  active = false;

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    this.active = true;
    return () => {
      this.listeners.delete(listener);
      this.active = this.listeners.size > 0;
    };
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A consumer's bug must never break the request path.
      }
    }
  }
}
