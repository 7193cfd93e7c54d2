import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent, EventListener } from '../../src-proxy/events.js';
import { EventBatcher, type EventSink } from '../../src-main/headless/events-socket.js';

class FakeSource {
  listener: EventListener | null = null;
  on(listener: EventListener) {
    this.listener = listener;
    return () => {
      this.listener = null;
    };
  }
  emit(n: number) {
    for (let i = 0; i < n; i++) this.listener?.({ type: 'config.applied', time: i, generation: i, routes: 0, upstreams: 0 } as EngineEvent);
  }
}

class FakeSink implements EventSink {
  bufferedAmount = 0;
  readyState = 1;
  sent: unknown[][] = [];
  send(data: string) {
    this.sent.push(JSON.parse(data) as unknown[]);
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EventBatcher', () => {
  it('subscribes with the first client and unsubscribes with the last', () => {
    const source = new FakeSource();
    const b = new EventBatcher(source);
    const a = new FakeSink();
    const c = new FakeSink();
    expect(source.listener).toBeNull();
    b.add(a);
    b.add(c);
    expect(source.listener).not.toBeNull();
    b.remove(a);
    expect(source.listener).not.toBeNull();
    b.remove(c);
    expect(source.listener).toBeNull();
  });

  it('flushes after 100 ms, or at once at 500 events', () => {
    const source = new FakeSource();
    const b = new EventBatcher(source);
    const sink = new FakeSink();
    b.add(sink);
    source.emit(3);
    expect(sink.sent).toHaveLength(0);
    vi.advanceTimersByTime(99);
    expect(sink.sent).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(sink.sent).toEqual([[expect.anything(), expect.anything(), expect.anything()]]);

    sink.sent = [];
    source.emit(1200);
    expect(sink.sent.map((m) => m.length)).toEqual([500, 500]);
    vi.advanceTimersByTime(100);
    expect(sink.sent.map((m) => m.length)).toEqual([500, 500, 200]);
  });

  it('drops batches for a slow client and tells it how many once it catches up', () => {
    const source = new FakeSource();
    const b = new EventBatcher(source, { highWater: 1000, lowWater: 100 });
    const slow = new FakeSink();
    const fast = new FakeSink();
    b.add(slow);
    b.add(fast);

    slow.bufferedAmount = 5000;
    source.emit(500); // dropped for slow
    source.emit(500); // dropped for slow
    expect(slow.sent).toHaveLength(0);
    expect(fast.sent).toHaveLength(2);

    slow.bufferedAmount = 500; // below high water but above low water: still dropping
    source.emit(500);
    expect(slow.sent).toHaveLength(0);

    slow.bufferedAmount = 0; // caught up, no new events: the marker still comes
    vi.advanceTimersByTime(100);
    expect(slow.sent).toEqual([[{ type: 'dropped', count: 1500 }]]);

    source.emit(2);
    vi.advanceTimersByTime(100);
    expect(slow.sent[1]).toHaveLength(2);
    expect(fast.sent.map((m) => m.length)).toEqual([500, 500, 500, 2]);
  });

  it('skips clients that are not open', () => {
    const source = new FakeSource();
    const b = new EventBatcher(source);
    const sink = new FakeSink();
    sink.readyState = 2;
    b.add(sink);
    source.emit(500);
    expect(sink.sent).toHaveLength(0);
  });

  it('coalesced: leaves out progress superseded by a completion in the same batch, keeps the rest in order', () => {
    const source = new FakeSource();
    const b = new EventBatcher(source, { coalesce: true });
    const sink = new FakeSink();
    b.add(sink);
    const ev = (e: Record<string, unknown>) => source.listener?.(e as unknown as EngineEvent);
    ev({ type: 'exchange.start', id: 'a' });
    ev({ type: 'exchange.start', id: 'b' });
    ev({ type: 'exchange.routed', id: 'a', route: 'r' });
    ev({ type: 'exchange.routed', id: 'b', route: 'r' });
    ev({ type: 'exchange.upstream', id: 'a' });
    ev({ type: 'exchange.response', id: 'a', status: 200 });
    ev({ type: 'exchange.policy', id: 'b', decision: { type: 'cache', outcome: 'MISS' } });
    ev({ type: 'exchange.complete', id: 'a', status: 200 });
    ev({ type: 'health.change', target: 't' });
    vi.advanceTimersByTime(100);
    // a completed: only start and complete; b is still in flight: its progress follows, in order.
    expect(sink.sent[0].map((e) => `${(e as { type: string }).type} ${(e as { id?: string }).id ?? ''}`)).toEqual([
      'exchange.start a',
      'exchange.start b',
      'exchange.complete a',
      'health.change ',
      'exchange.routed b',
      'exchange.policy b',
    ]);
    // The next batch: b completes; nothing held over.
    ev({ type: 'exchange.complete', id: 'b', status: 200 });
    vi.advanceTimersByTime(100);
    expect(sink.sent[1]).toEqual([{ type: 'exchange.complete', id: 'b', status: 200 }]);
  });

  it('coalesced: held events count towards the 500-event batch', () => {
    const source = new FakeSource();
    const b = new EventBatcher(source, { coalesce: true });
    const sink = new FakeSink();
    b.add(sink);
    for (let i = 0; i < 250; i++) {
      source.listener?.({ type: 'exchange.start', id: `x${i}` } as unknown as EngineEvent);
      source.listener?.({ type: 'exchange.routed', id: `x${i}` } as unknown as EngineEvent);
    }
    expect(sink.sent).toHaveLength(1);
    expect(sink.sent[0]).toHaveLength(500);
  });

  it('without coalesce, every event is sent', () => {
    const source = new FakeSource();
    const b = new EventBatcher(source);
    const sink = new FakeSink();
    b.add(sink);
    source.listener?.({ type: 'exchange.routed', id: 'a' } as unknown as EngineEvent);
    source.listener?.({ type: 'exchange.complete', id: 'a' } as unknown as EngineEvent);
    vi.advanceTimersByTime(100);
    expect(sink.sent[0]).toHaveLength(2);
  });
});
