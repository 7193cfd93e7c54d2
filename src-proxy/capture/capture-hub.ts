/**
 * Where finished exchanges go when something wants them (history, the live
 * inspector's detail cache). Like the event bus, it costs nothing while no
 * sink is attached: the pipeline does not even collect bodies then.
 */
import type { CapturedExchange } from './captured-exchange.js';
import { ReplayMarks } from './replay-marks.js';

export type CaptureSink = (exchange: CapturedExchange) => void;

export class CaptureHub {
  private readonly sinks = new Set<CaptureSink>();
  active = false;
  /** Tokens that tie replayed requests to the exchanges they replay. */
  readonly replays = new ReplayMarks();

  add(sink: CaptureSink): () => void {
    this.sinks.add(sink);
    this.active = true;
    return () => {
      this.sinks.delete(sink);
      this.active = this.sinks.size > 0;
    };
  }

  /** Records on their way: being masked off the event loop (see buildRecord), WebSocket messages being inflated. */
  private readonly pending = new Set<Promise<void>>();

  /** Records to build at the end of this turn of the event loop (see recordSoon). */
  private soon: (() => CapturedExchange | Promise<CapturedExchange>)[] = [];

  /**
   * Builds a record once the current I/O callbacks are done, together with the
   * others finished meanwhile. Building and masking records one after the other
   * keeps their code and data warm: under load (bench proxy-throughput, history
   * off) capture's share of the gateway's thread dropped from ~25 to ~12 µs per
   * request, together with the leaner buildRecord, compared with building each
   * record in the middle of its own request's callbacks. `build` reads the
   * exchange, which is over by then (its response finished or its connection closed).
   */
  recordSoon(build: () => CapturedExchange | Promise<CapturedExchange>): void {
    this.soon.push(build);
    if (this.soon.length === 1) setImmediate(this.buildSoon);
  }

  private readonly buildSoon = (): void => {
    const builds = this.soon;
    this.soon = [];
    for (const build of builds) {
      try {
        this.record(build());
      } catch {
        // A record that cannot be built is lost alone; the others still go.
      }
    }
  };

  /** Hands a record to every sink; a promised one when it is ready (a failed one is dropped). */
  record(exchange: CapturedExchange | Promise<CapturedExchange>): void {
    if (exchange instanceof Promise) this.track(exchange.then((x) => this.deliver(x)));
    else this.deliver(exchange);
  }

  /** Work that will end in a record: settled() waits for it too. */
  track(work: Promise<unknown>): void {
    const p: Promise<void> = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves once every record handed over so far has reached the sinks (before history closes). */
  async settled(): Promise<void> {
    this.buildSoon();
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  private deliver(exchange: CapturedExchange): void {
    for (const sink of this.sinks) {
      try {
        sink(exchange);
      } catch {
        // A sink's failure must never reach the request path.
      }
    }
  }
}
