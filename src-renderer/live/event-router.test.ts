import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchListener, EventsClient, StreamEvent, StreamStatus } from '../client/events-client';
import { fakeControl, testStore } from '../store/test-helpers';
import { routeEvents, type TrafficSink } from './event-router';
import { sharedTrafficBuffer } from './traffic-buffer';

function fakeEvents() {
  const batch = new Set<BatchListener>();
  const status = new Set<(s: StreamStatus) => void>();
  const client: Omit<EventsClient, 'status'> & { status: StreamStatus; emit(b: StreamEvent[]): void; setStatus(s: StreamStatus['state']): void } = {
    status: { state: 'idle', attempt: 0, retryAt: null, reason: null },
    start() {},
    stop() {},
    subscribe: (l) => (batch.add(l), () => batch.delete(l)),
    onStatus: (l) => (status.add(l), () => status.delete(l)),
    emit: (b) => batch.forEach((l) => l(b)),
    setStatus(state) {
      client.status = { state, attempt: 0, retryAt: null, reason: null };
      status.forEach((l) => l(client.status));
    },
  };
  return client;
}

const exchange = (id: string): StreamEvent => ({
  type: 'exchange.routed',
  id,
  route: 'r',
  upstream: null,
});

describe('routeEvents', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  it('sends config.applied to the workspace slice and counts dropped batches', () => {
    const store = testStore(fakeControl());
    const onConfigApplied = vi.fn(async () => undefined);
    store.setState({ onConfigApplied });
    const events = fakeEvents();
    routeEvents(events, store, { sinks: new Set() });
    events.emit([exchange('a'), { type: 'config.applied', time: 1, generation: 7, routes: 1, upstreams: 1 }, { type: 'dropped', count: 4 }]);
    expect(onConfigApplied).toHaveBeenCalledWith(7);
    expect(store.getState().droppedEvents).toBe(4);
  });

  it('refreshes upstream status once per burst of health changes', () => {
    const store = testStore(fakeControl());
    const refreshUpstreams = vi.fn(async () => undefined);
    store.setState({ refreshUpstreams });
    const events = fakeEvents();
    routeEvents(events, store, { sinks: new Set(), healthRefreshMs: 100 });
    const health: StreamEvent = { type: 'health.change', time: 1, upstream: 'u', target: 't', healthy: false, wasHealthy: true, source: 'active', reason: 'x' };
    events.emit([health]);
    events.emit([health, health]);
    expect(refreshUpstreams).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(refreshUpstreams).toHaveBeenCalledTimes(1);
  });

  it('hands every batch, whole, to the traffic sinks — and never puts exchanges in the store', () => {
    const store = testStore(fakeControl());
    const seen: number[] = [];
    const sink: TrafficSink = (b) => seen.push(b.length);
    const events = fakeEvents();
    const before = JSON.stringify(Object.keys(store.getState()));
    routeEvents(events, store, { sinks: new Set([sink]) });
    events.emit([exchange('a'), exchange('b')]);
    events.emit([exchange('c')]);
    expect(seen).toEqual([2, 1]);
    expect(JSON.stringify(Object.keys(store.getState()))).toBe(before);
  });

  it('mirrors the stream status and catches up after a reconnect', () => {
    const store = testStore(fakeControl());
    const onConfigApplied = vi.fn(async () => undefined);
    const refreshUpstreams = vi.fn(async () => undefined);
    store.setState({ onConfigApplied, refreshUpstreams, running: { text: '', file: null, generation: 1 } });
    const events = fakeEvents();
    const stop = routeEvents(events, store, { sinks: new Set() });
    events.setStatus('open');
    expect(store.getState().stream.state).toBe('open');
    events.setStatus('reconnecting');
    events.setStatus('open');
    expect(onConfigApplied).toHaveBeenLastCalledWith();
    expect(onConfigApplied).toHaveBeenCalledTimes(2);
    stop();
    events.setStatus('reconnecting');
    expect(store.getState().stream.state).toBe('open');
  });

  it('feeds the shared traffic buffer when routing with the default sinks', () => {
    const store = testStore(fakeControl());
    const events = fakeEvents();
    const stop = routeEvents(events, store);
    events.emit([
      { type: 'exchange.start', id: 'z1', requestId: 'z1', time: 1, listener: 'web', clientAddress: '127.0.0.1', clientPort: 1, method: 'GET', url: '/', host: 'h', httpVersion: '1.1', rawHeaders: [] },
    ]);
    stop();
    expect(sharedTrafficBuffer().get('z1')?.method).toBe('GET');
  });
});
