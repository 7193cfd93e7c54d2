/**
 * The traffic buffer: a bounded window of the newest exchanges, assembled
 * from `exchange.start` / `routed` / `upstream` / `response` / `complete`
 * (and `websocket.*`) by exchange id. It lives OUTSIDE the main zustand store
 * (see README.md): it is fed whole event batches by a traffic sink and tells
 * its subscribers at most once per animation frame, through a version number
 * (`useSyncExternalStore(buffer.subscribe, buffer.getVersion)`).
 *
 * Rows are mutable objects: a row changes in place as its exchange moves on,
 * and its `rev` and the version change with it. Views render only the visible
 * rows and can skip those whose `rev` did not move (memoised rows).
 */
import type { StreamEvent } from '../client/events-client';
import type { PolicyDecision } from '../../src-proxy/capture/captured-exchange';

export interface TrafficRow {
  id: string;
  /** Arrival order within this buffer (for stable keys and sorting). */
  seq: number;
  /** Bumped on every in-place change: memoised views compare it, as the object itself stays the same. */
  rev: number;
  /** Epoch ms when the request arrived. */
  time: number;
  method: string;
  host: string;
  /** Path and query as the client sent them. */
  url: string;
  /** `url` without the query. */
  path: string;
  listener: string;
  route: string | null;
  upstream: string | null;
  target: string | null;
  attempts: number;
  /** 0 until a response status is known. */
  status: number;
  /** Total duration in ms once complete. */
  duration: number | null;
  bytesIn: number;
  bytesOut: number;
  /** Cache outcome (HIT, MISS, STALE, BYPASS …) from the cache policy's decision; null when no cache policy decided. */
  cache: string | null;
  error: { code: string; message: string } | null;
  aborted: boolean;
  complete: boolean;
  websocket: boolean;
}

export interface TrafficState {
  paused: boolean;
  follow: boolean;
  /** New exchanges that arrived while paused (not shown). */
  missed: number;
  /** Rows pushed out of the window since the last clear (they are in History). */
  evicted: number;
  /** Exchanges seen since the last clear, shown or not. */
  seen: number;
}

export type FrameScheduler = {
  request(cb: () => void): number;
  cancel(handle: number): void;
};

export interface TrafficBufferOptions {
  /** How many exchanges are kept; default 10,000. */
  capacity?: number;
  /** requestAnimationFrame by default (a fake in tests). */
  frames?: FrameScheduler;
}

export interface TrafficBuffer {
  readonly capacity: number;
  /** The sink: feed it every event batch. */
  ingest(batch: readonly StreamEvent[]): void;
  subscribe(listener: () => void): () => void;
  /** Changes (at most once per frame) whenever rows or state changed. */
  getVersion(): number;
  /** Oldest first. A new array after every published change; do not mutate. */
  rows(): readonly TrafficRow[];
  get(id: string): TrafficRow | undefined;
  state(): TrafficState;
  setPaused(paused: boolean): void;
  setFollow(follow: boolean): void;
  clear(): void;
}

function defaultFrames(): FrameScheduler {
  if (typeof requestAnimationFrame === 'function') {
    return { request: (cb) => requestAnimationFrame(cb), cancel: (h) => cancelAnimationFrame(h) };
  }
  return {
    request: (cb) => setTimeout(cb, 16) as unknown as number,
    cancel: (h) => clearTimeout(h as unknown as ReturnType<typeof setTimeout>),
  };
}

const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};

/** The cache policy's verdict among an exchange's decisions (absent on engines or routes without one). */
export function cacheOutcome(decisions: readonly PolicyDecision[] | undefined): string | null {
  return decisions?.find((d) => d.type === 'cache')?.outcome ?? null;
}

export function createTrafficBuffer(opts: TrafficBufferOptions = {}): TrafficBuffer {
  const capacity = Math.max(1, opts.capacity ?? 10_000);
  const frames = opts.frames ?? defaultFrames();
  const listeners = new Set<() => void>();
  const byId = new Map<string, TrafficRow>();
  // The window is list[head..]; evicted rows are dropped from the front in one
  // slice once they make up a whole capacity, not one copy per batch.
  let list: TrafficRow[] = [];
  let head = 0;
  let snapshot: readonly TrafficRow[] = [];
  let snapshotStale = false;
  let version = 0;
  let seq = 0;
  let frame: number | null = null;
  let state: TrafficState = { paused: false, follow: true, missed: 0, evicted: 0, seen: 0 };

  const publish = () => {
    frame = null;
    version += 1;
    for (const l of listeners) {
      try {
        l();
      } catch (err) {
        console.error('traffic subscriber failed', err);
      }
    }
  };
  const changed = () => {
    snapshotStale = true;
    if (frame === null) frame = frames.request(publish);
  };
  /** User actions (pause, follow, clear) show at once: controlled inputs must not lag a frame. */
  const changedNow = () => {
    snapshotStale = true;
    if (frame !== null) frames.cancel(frame);
    publish();
  };

  const ingest = (batch: readonly StreamEvent[]) => {
    let dirty = false;
    let added = false;
    let seen = 0;
    let missed = 0;
    for (const ev of batch) {
      switch (ev.type) {
        case 'exchange.start': {
          seen += 1;
          if (state.paused) {
            missed += 1;
            break;
          }
          if (byId.has(ev.id)) break;
          const row: TrafficRow = {
            id: ev.id,
            seq: ++seq,
            rev: 0,
            time: ev.time,
            method: ev.method,
            host: ev.host,
            url: ev.url,
            path: pathOf(ev.url),
            listener: ev.listener,
            route: null,
            upstream: null,
            target: null,
            attempts: 0,
            status: 0,
            duration: null,
            bytesIn: 0,
            bytesOut: 0,
            cache: null,
            error: null,
            aborted: false,
            complete: false,
            websocket: false,
          };
          byId.set(ev.id, row);
          list.push(row);
          added = dirty = true;
          break;
        }
        case 'exchange.routed': {
          const row = byId.get(ev.id);
          if (!row) break;
          row.route = ev.route;
          row.upstream = ev.upstream;
          row.rev += 1;
          dirty = true;
          break;
        }
        case 'exchange.upstream': {
          const row = byId.get(ev.id);
          if (!row) break;
          row.upstream = ev.upstream;
          row.target = ev.target;
          row.attempts = ev.attempt;
          row.rev += 1;
          dirty = true;
          break;
        }
        case 'exchange.response': {
          const row = byId.get(ev.id);
          if (!row) break;
          row.status = ev.status;
          row.rev += 1;
          dirty = true;
          break;
        }
        case 'exchange.policy': {
          const row = byId.get(ev.id);
          if (!row || ev.decision.type !== 'cache') break;
          row.cache = ev.decision.outcome;
          row.rev += 1;
          dirty = true;
          break;
        }
        case 'exchange.complete': {
          const row = byId.get(ev.id);
          if (!row) break;
          row.cache = cacheOutcome(ev.decisions) ?? row.cache;
          row.status = ev.status;
          row.route = ev.route ?? row.route;
          row.upstream = ev.upstream ?? row.upstream;
          row.target = ev.target ?? row.target;
          row.attempts = ev.attempts;
          row.duration = ev.timings.total;
          row.bytesIn = ev.bytesIn;
          row.bytesOut = ev.bytesOut;
          row.error = ev.error ?? null;
          row.aborted = ev.aborted;
          row.complete = true;
          row.rev += 1;
          dirty = true;
          break;
        }
        case 'websocket.open':
        case 'websocket.close': {
          const row = byId.get(ev.id);
          if (!row) break;
          row.websocket = true;
          if (ev.type === 'websocket.close') {
            if (ev.bytesIn !== undefined) row.bytesIn = ev.bytesIn;
            if (ev.bytesOut !== undefined) row.bytesOut = ev.bytesOut;
          }
          row.rev += 1;
          dirty = true;
          break;
        }
        default:
          break;
      }
    }
    let evicted = 0;
    if (added && list.length - head > capacity) {
      evicted = list.length - head - capacity;
      for (let i = head; i < head + evicted; i++) byId.delete(list[i].id);
      head += evicted;
      if (head >= capacity) {
        list = list.slice(head);
        head = 0;
      }
    }
    if (seen || missed || evicted) {
      state = { ...state, seen: state.seen + seen, missed: state.missed + missed, evicted: state.evicted + evicted };
      dirty = true;
    }
    // While paused the view stays still: updates to shown rows are kept and appear on resume.
    if (dirty && (!state.paused || missed > 0)) changed();
  };

  return {
    capacity,
    ingest,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getVersion: () => version,
    rows() {
      if (snapshotStale && !state.paused) {
        snapshot = list.slice(head);
        snapshotStale = false;
      }
      return snapshot;
    },
    get: (id) => byId.get(id),
    state: () => state,
    setPaused(paused) {
      if (state.paused === paused) return;
      // The view freezes on what it had when paused.
      if (paused && snapshotStale) {
        snapshot = list.slice(head);
        snapshotStale = false;
      }
      state = { ...state, paused, missed: paused ? 0 : state.missed };
      changedNow();
    },
    setFollow(follow) {
      if (state.follow === follow) return;
      state = { ...state, follow };
      changedNow();
    },
    clear() {
      list = [];
      head = 0;
      byId.clear();
      snapshot = [];
      state = { ...state, missed: 0, evicted: 0, seen: 0 };
      changedNow();
    },
  };
}

let shared: TrafficBuffer | null = null;

/** The page's one traffic buffer (the inspector reads it; live/event-router feeds it). */
export function sharedTrafficBuffer(): TrafficBuffer {
  shared ??= createTrafficBuffer();
  return shared;
}
