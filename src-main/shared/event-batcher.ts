/**
 * Engine events in batches, for any transport (the headless WebSocket, the
 * Electron IPC channel): every event is serialised once as it arrives and
 * sent as one JSON array per batch, every 100 ms or at 500 events, whichever
 * comes first; the same string goes to every sink.
 *
 * The EventBus is subscribed only while at least one sink is attached, so
 * producers skip building events when nobody watches. A sink that reads
 * slower than events arrive is not allowed to grow memory: above a
 * high-water mark of buffered bytes its batches are dropped (counted), and
 * once it has drained below a low-water mark it first gets
 * `[{"type":"dropped","count":N}]`, then the stream resumes.
 *
 * With `coalesce`, an exchange's progress events (routed, upstream, response,
 * policy) are held until the batch is sent and left out if its
 * `exchange.complete` arrived meanwhile: that event carries all they said
 * (route, upstream, target, attempts, status, decisions). Under load most
 * exchanges start and end within one batch, so a live view receives two
 * events per exchange instead of five or more (the workbench asks for this).
 */
import type { EngineEvent, EventListener } from '../../src-proxy/events.js';

export interface EventSource {
  on(listener: EventListener): () => void;
}

/** The part of a WebSocket the batcher needs (a fake in unit tests). */
export interface EventSink {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
}

export interface BatchOptions {
  /** Longest an event waits before it is sent. */
  flushMs?: number;
  /** A batch is sent at once when it reaches this many events. */
  maxBatch?: number;
  /** Buffered bytes above which a client's batches are dropped. */
  highWater?: number;
  /** Buffered bytes below which a dropping client resumes. */
  lowWater?: number;
  /** Leave out progress events superseded by an `exchange.complete` in the same batch (see above). */
  coalesce?: boolean;
}

/** Events whose content `exchange.complete` repeats. */
const PROGRESS = new Set<EngineEvent['type']>(['exchange.routed', 'exchange.upstream', 'exchange.response', 'exchange.policy']);

const OPEN = 1;

interface ClientState {
  dropping: boolean;
  dropped: number;
}

export class EventBatcher {
  private readonly clients = new Map<EventSink, ClientState>();
  private unsubscribe: (() => void) | null = null;
  private parts: string[] = [];
  /** coalesce: progress events by exchange id, serialised at flush unless their exchange completed. */
  private held = new Map<string, EngineEvent[]>();
  private heldCount = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly highWater: number;
  private readonly lowWater: number;
  private readonly coalesce: boolean;

  constructor(
    private readonly source: EventSource,
    opts: BatchOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 100;
    this.maxBatch = opts.maxBatch ?? 500;
    this.highWater = opts.highWater ?? 4 * 1024 * 1024;
    this.lowWater = opts.lowWater ?? 1024 * 1024;
    this.coalesce = opts.coalesce ?? false;
  }

  get size(): number {
    return this.clients.size;
  }

  /** True while the EventBus is subscribed. */
  get subscribed(): boolean {
    return this.unsubscribe !== null;
  }

  add(sink: EventSink): void {
    this.clients.set(sink, { dropping: false, dropped: 0 });
    if (this.unsubscribe === null) this.unsubscribe = this.source.on(this.onEvent);
  }

  remove(sink: EventSink): void {
    this.clients.delete(sink);
    if (this.clients.size === 0) this.stop();
  }

  close(): void {
    this.clients.clear();
    this.stop();
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.parts = [];
    this.held = new Map();
    this.heldCount = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly onEvent = (event: EngineEvent): void => {
    if (this.coalesce && 'id' in event) {
      if (PROGRESS.has(event.type)) {
        const list = this.held.get(event.id);
        if (list === undefined) this.held.set(event.id, [event]);
        else list.push(event);
        this.heldCount++;
        return this.parts.length + this.heldCount >= this.maxBatch ? this.flush() : this.arm();
      }
      if (event.type === 'exchange.complete') {
        const superseded = this.held.get(event.id);
        if (superseded !== undefined) {
          this.held.delete(event.id);
          this.heldCount -= superseded.length;
        }
      }
    }
    this.parts.push(JSON.stringify(event));
    if (this.parts.length + this.heldCount >= this.maxBatch) this.flush();
    else this.arm();
  };

  private arm(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.flushMs);
    this.timer.unref();
  }

  /** Sends what is pending (and any due `dropped` markers). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.heldCount > 0) {
      // Exchanges still in flight: their progress so far, after their start event.
      for (const list of this.held.values()) for (const e of list) this.parts.push(JSON.stringify(e));
      this.held = new Map();
      this.heldCount = 0;
    }
    const count = this.parts.length;
    const payload = count > 0 ? `[${this.parts.join(',')}]` : '';
    this.parts = [];
    let stillDropping = false;
    for (const [sink, state] of this.clients) {
      if (sink.readyState !== OPEN) continue;
      const buffered = sink.bufferedAmount;
      if (state.dropping) {
        if (buffered > this.lowWater) {
          state.dropped += count;
          stillDropping = true;
          continue;
        }
        state.dropping = false;
        if (state.dropped > 0) sink.send(JSON.stringify([{ type: 'dropped', count: state.dropped }]));
        state.dropped = 0;
      } else if (count > 0 && buffered > this.highWater) {
        state.dropping = true;
        state.dropped += count;
        stillDropping = true;
        continue;
      }
      if (count > 0) sink.send(payload);
    }
    // A dropping client must learn what it missed even if no new events come.
    if (stillDropping) this.arm();
  }
}
