/**
 * The engine's event stream, transport-neutral. Consumers subscribe to
 * *batches* (arrays), never to single events, so high-rate traffic costs one
 * callback per batch rather than one per request.
 *
 * - Browser mode: a WebSocket to `/api/events` (token as the sub-protocol
 *   `switchyard.token.<token>`), reconnecting with exponential backoff.
 * - Desktop mode: batches from main through the preload bridge
 *   (ipc-events-client.ts).
 */
import type { EngineEvent } from '../../src-proxy/events';

/** Sent by the host when this client fell behind and batches were dropped. */
export interface DroppedNotice {
  type: 'dropped';
  count: number;
}

export type StreamEvent = EngineEvent | DroppedNotice;
export type BatchListener = (batch: readonly StreamEvent[]) => void;

export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unavailable';

export interface StreamStatus {
  state: StreamState;
  /** Consecutive failed attempts since the last successful connection. */
  attempt: number;
  /** When the next reconnect is scheduled (epoch ms), while reconnecting. */
  retryAt: number | null;
  /** A human explanation for `unavailable` or the last failure. */
  reason: string | null;
}

export interface EventsClient {
  start(): void;
  stop(): void;
  readonly status: StreamStatus;
  /** Every batch, in order. Returns the unsubscribe function. */
  subscribe(listener: BatchListener): () => void;
  onStatus(listener: (status: StreamStatus) => void): () => void;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** 0..1: share of the delay that is randomised (spreads reconnect storms). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.2 };

/** Delay before reconnect attempt number `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.max(0, attempt - 1));
  const spread = base * opts.jitter;
  return Math.round(base - spread + random() * 2 * spread);
}

/** The part of the WebSocket constructor we use (a fake in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface WebSocketEventsOptions {
  /** ws:// or wss:// URL of `/api/events`. */
  url: string;
  token: string;
  createSocket?: WebSocketFactory;
  backoff?: BackoffOptions;
  timers?: Timers;
  random?: () => number;
}

export const TOKEN_PROTOCOL_PREFIX = 'switchyard.token.';
/** RFC 7230 token characters: what a sub-protocol name may contain. */
const TOKEN_CHARS = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The events URL for a page served by the headless host: the coalesced stream
 * (a live view needs an exchange's progress only while it is in flight).
 */
export function eventsUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events?coalesce=1`;
}

abstract class BaseEventsClient implements EventsClient {
  protected readonly batchListeners = new Set<BatchListener>();
  protected readonly statusListeners = new Set<(s: StreamStatus) => void>();
  status: StreamStatus = { state: 'idle', attempt: 0, retryAt: null, reason: null };

  abstract start(): void;
  abstract stop(): void;

  subscribe(listener: BatchListener): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  onStatus(listener: (status: StreamStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  protected setStatus(next: StreamStatus): void {
    this.status = next;
    for (const l of this.statusListeners) l(next);
  }

  protected deliver(batch: readonly StreamEvent[]): void {
    for (const l of this.batchListeners) {
      try {
        l(batch);
      } catch (err) {
        // One broken consumer must not starve the others.
        console.error('events listener failed', err);
      }
    }
  }
}

class WebSocketEventsClient extends BaseEventsClient {
  private socket: WebSocketLike | null = null;
  private retryTimer: unknown = null;
  private running = false;
  private attempt = 0;
  private readonly createSocket: WebSocketFactory;
  private readonly backoff: BackoffOptions;
  private readonly timers: Timers;
  private readonly random: () => number;

  constructor(private readonly opts: WebSocketEventsOptions) {
    super();
    this.createSocket = opts.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as WebSocketLike);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.timers = opts.timers ?? realTimers;
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.open();
  }

  stop(): void {
    this.running = false;
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onopen = s.onmessage = s.onclose = s.onerror = null;
      s.close(1000, 'client stopped');
    }
    this.setStatus({ state: 'idle', attempt: 0, retryAt: null, reason: null });
  }

  private open(): void {
    this.retryTimer = null;
    let url = this.opts.url;
    const protocols: string[] = [];
    // Browsers cannot set headers on a WebSocket: the token rides as a sub-protocol where it can.
    if (TOKEN_CHARS.test(this.opts.token)) protocols.push(TOKEN_PROTOCOL_PREFIX + this.opts.token);
    else url += `${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(this.opts.token)}`;

    this.setStatus({ state: this.attempt === 0 ? 'connecting' : 'reconnecting', attempt: this.attempt, retryAt: null, reason: this.status.reason });
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(url, protocols);
    } catch (err) {
      this.scheduleReconnect(err instanceof Error ? err.message : String(err));
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.setStatus({ state: 'open', attempt: 0, retryAt: null, reason: null });
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket || typeof ev.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (Array.isArray(parsed) && parsed.length > 0) this.deliver(parsed as StreamEvent[]);
    };
    socket.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!this.running) return;
      this.scheduleReconnect(ev.reason || `connection closed (${ev.code})`);
    };
  }

  private scheduleReconnect(reason: string): void {
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, this.backoff, this.random);
    this.setStatus({ state: 'reconnecting', attempt: this.attempt, retryAt: this.timers.now() + delay, reason });
    this.retryTimer = this.timers.setTimeout(() => {
      if (this.running) this.open();
    }, delay);
  }
}

export function createWebSocketEventsClient(opts: WebSocketEventsOptions): EventsClient {
  return new WebSocketEventsClient(opts);
}

class UnavailableEventsClient extends BaseEventsClient {
  constructor(private readonly reason: string) {
    super();
  }
  start(): void {
    this.setStatus({ state: 'unavailable', attempt: 0, retryAt: null, reason: this.reason });
  }
  stop(): void {
    this.setStatus({ state: 'idle', attempt: 0, retryAt: null, reason: null });
  }
}

/** For hosts without an event transport. */
export function unavailableEventsClient(reason: string): EventsClient {
  return new UnavailableEventsClient(reason);
}
