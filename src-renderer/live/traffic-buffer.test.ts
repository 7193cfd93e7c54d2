import { describe, expect, it, vi } from 'vitest';
import type { StreamEvent } from '../client/events-client';
import { createTrafficBuffer, type FrameScheduler } from './traffic-buffer';

function fakeFrames() {
  const queue = new Map<number, () => void>();
  let next = 1;
  const frames: FrameScheduler & { flush(): void; pending(): number } = {
    request(cb) {
      queue.set(next, cb);
      return next++;
    },
    cancel(h) {
      queue.delete(h);
    },
    flush() {
      const cbs = [...queue.values()];
      queue.clear();
      cbs.forEach((cb) => cb());
    },
    pending: () => queue.size,
  };
  return frames;
}

const start = (id: string, url = '/orders?x=1'): StreamEvent => ({
  type: 'exchange.start',
  id,
  requestId: `r-${id}`,
  time: 1000,
  listener: 'web',
  clientAddress: '127.0.0.1',
  clientPort: 5000,
  method: 'GET',
  url,
  host: 'api.localhost',
  httpVersion: '1.1',
  rawHeaders: [],
});
const complete = (id: string, status = 200): StreamEvent => ({
  type: 'exchange.complete',
  id,
  time: 1010,
  status,
  route: 'orders',
  upstream: 'orders',
  target: 'http://127.0.0.1:9001',
  attempts: 1,
  timings: { queue: 1, connect: 2, ttfb: 3, total: 10 },
  bytesIn: 0,
  bytesOut: 42,
  aborted: false,
});

describe('traffic buffer', () => {
  it('merges start / routed / upstream / response / complete by id into one row', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames });
    b.ingest([start('a'), { type: 'exchange.routed', id: 'a', route: 'orders', upstream: 'orders' }]);
    b.ingest([
      { type: 'exchange.upstream', id: 'a', upstream: 'orders', target: 'http://t1', attempt: 1 },
      { type: 'exchange.response', id: 'a', status: 201, headers: {} },
    ]);
    frames.flush();
    const [row] = b.rows();
    expect(row).toMatchObject({ id: 'a', method: 'GET', path: '/orders', url: '/orders?x=1', route: 'orders', target: 'http://t1', status: 201, complete: false, duration: null });
    b.ingest([complete('a', 201), { type: 'websocket.open', id: 'a', time: 1, route: 'orders', target: 't' }]);
    frames.flush();
    expect(b.rows()).toHaveLength(1);
    expect(b.rows()[0]).toMatchObject({ complete: true, duration: 10, bytesOut: 42, websocket: true, target: 'http://127.0.0.1:9001' });
  });

  it('ignores events for exchanges it never saw start, and other event types', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames });
    b.ingest([complete('ghost'), { type: 'config.applied', time: 1, generation: 2, routes: 1, upstreams: 1 }]);
    frames.flush();
    expect(b.rows()).toEqual([]);
  });

  it('keeps only the newest `capacity` exchanges', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames, capacity: 3 });
    b.ingest(['1', '2', '3', '4', '5'].map((id) => start(id)));
    frames.flush();
    expect(b.rows().map((r) => r.id)).toEqual(['3', '4', '5']);
    expect(b.get('1')).toBeUndefined();
    expect(b.state().evicted).toBe(2);
    // Evicted exchanges' later events are ignored; kept ones still merge.
    b.ingest([complete('1'), complete('5', 503)]);
    frames.flush();
    expect(b.rows().map((r) => r.status)).toEqual([0, 0, 503]);
  });

  it('slides the window across many batches, ids and order intact', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames, capacity: 3 });
    // 10 batches of 2 rows: several front evictions and more than one compaction of the backing list.
    for (let n = 0; n < 10; n++) b.ingest([start(`x${2 * n}`), start(`x${2 * n + 1}`)]);
    frames.flush();
    expect(b.rows().map((r) => r.id)).toEqual(['x17', 'x18', 'x19']);
    expect(b.state().evicted).toBe(17);
    expect(b.get('x16')).toBeUndefined();
    expect(b.get('x17')?.id).toBe('x17');
    b.ingest([complete('x17', 418), start('x20')]);
    frames.flush();
    expect(b.rows().map((r) => `${r.id}:${r.status}`)).toEqual(['x18:0', 'x19:0', 'x20:0']);
    b.clear();
    b.ingest([start('y')]);
    frames.flush();
    expect(b.rows().map((r) => r.id)).toEqual(['y']);
  });

  it('bumps a row\'s rev on each in-place change, and only that row\'s', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames });
    b.ingest([start('a'), start('b')]);
    frames.flush();
    const [a, bRow] = b.rows();
    expect([a.rev, bRow.rev]).toEqual([0, 0]);
    b.ingest([{ type: 'exchange.response', id: 'a', status: 200, headers: {} }, complete('a')]);
    frames.flush();
    expect(b.get('a')).toBe(a);
    expect(a.rev).toBe(2);
    expect(bRow.rev).toBe(0);
    b.ingest([{ type: 'exchange.policy', id: 'b', decision: { policy: 'c', type: 'cache', outcome: 'HIT' } }]);
    expect(bRow.rev).toBe(1);
  });

  it('publishes at most once per animation frame', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames });
    const listener = vi.fn();
    b.subscribe(listener);
    const v0 = b.getVersion();
    b.ingest([start('a')]);
    b.ingest([start('b')]);
    b.ingest([complete('a')]);
    expect(listener).not.toHaveBeenCalled();
    expect(frames.pending()).toBe(1);
    frames.flush();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(b.getVersion()).toBe(v0 + 1);
    frames.flush();
    expect(listener).toHaveBeenCalledTimes(1);
    // The snapshot is stable between frames (useSyncExternalStore needs that).
    expect(b.rows()).toBe(b.rows());
  });

  it('pause: new exchanges are counted, not shown; resume shows what arrives next', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames });
    b.ingest([start('a')]);
    b.setPaused(true);
    frames.flush();
    b.ingest([start('b'), start('c'), complete('a')]);
    frames.flush();
    expect(b.rows().map((r) => r.id)).toEqual(['a']);
    expect(b.state()).toMatchObject({ paused: true, missed: 2, seen: 3 });
    b.setPaused(false);
    b.ingest([start('d')]);
    frames.flush();
    expect(b.rows().map((r) => r.id)).toEqual(['a', 'd']);
    // The update to a row already shown arrived while paused and is kept.
    expect(b.rows()[0].complete).toBe(true);
  });

  it('clear empties the window and the counters; follow is a buffer flag', () => {
    const frames = fakeFrames();
    const b = createTrafficBuffer({ frames, capacity: 1 });
    b.ingest([start('a'), start('b')]);
    frames.flush();
    b.clear();
    frames.flush();
    expect(b.rows()).toEqual([]);
    expect(b.state()).toMatchObject({ missed: 0, evicted: 0, seen: 0 });
    b.ingest([complete('b')]);
    frames.flush();
    expect(b.rows()).toEqual([]);
    expect(b.state().follow).toBe(true);
    b.setFollow(false);
    expect(b.state().follow).toBe(false);
  });
});
