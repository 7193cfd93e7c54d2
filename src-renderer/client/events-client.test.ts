import { describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  createWebSocketEventsClient,
  eventsUrl,
  type StreamStatus,
  type Timers,
  type WebSocketLike,
} from './events-client';

/** A WebSocket stand-in the test drives by hand. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed: { code?: number; reason?: string } | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  message(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
    this.readyState = 3;
  }
}

/** Manual clock: timers run only when the test advances time. */
function fakeTimers() {
  let now = 1_000;
  let seq = 0;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    setTimeout(fn, ms) {
      const id = ++seq;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(h) {
      pending.delete(h as number);
    },
    now: () => now,
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= now) {
        pending.delete(id);
        t.fn();
      }
    }
  };
  return { timers, advance, pending };
}

function setup(token = 'tok-123') {
  FakeSocket.all = [];
  const clock = fakeTimers();
  const client = createWebSocketEventsClient({
    url: 'ws://127.0.0.1:7878/api/events',
    token,
    createSocket: (url, protocols) => new FakeSocket(url, protocols),
    timers: clock.timers,
    random: () => 0.5, // no jitter
    backoff: { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.2 },
  });
  const statuses: StreamStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  return { client, clock, statuses, last: () => FakeSocket.all[FakeSocket.all.length - 1] };
}

describe('backoffDelay', () => {
  it('grows exponentially up to the maximum, with bounded jitter', () => {
    const o = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.2 };
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, o, () => 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000]);
    expect(backoffDelay(1, o, () => 0)).toBe(400);
    expect(backoffDelay(1, o, () => 1)).toBe(600);
  });
});

describe('WebSocket events client', () => {
  it('connects with the token as a sub-protocol and reports open', () => {
    const { client, last, statuses } = setup();
    client.start();
    expect(last().url).toBe('ws://127.0.0.1:7878/api/events');
    expect(last().protocols).toEqual(['switchyard.token.tok-123']);
    expect(client.status.state).toBe('connecting');
    last().open();
    expect(client.status).toEqual({ state: 'open', attempt: 0, retryAt: null, reason: null });
    expect(statuses.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('falls back to ?token= when the token cannot be a sub-protocol', () => {
    const { client, last } = setup('a b/c');
    client.start();
    expect(last().url).toBe('ws://127.0.0.1:7878/api/events?token=a%20b%2Fc');
    expect(last().protocols).toEqual([]);
  });

  it('delivers each JSON array as one batch and ignores anything else', () => {
    const { client, last } = setup();
    const batches: unknown[] = [];
    client.subscribe((b) => batches.push(b));
    client.start();
    last().open();
    last().message([{ type: 'config.applied', generation: 2, time: 1, routes: 1, upstreams: 1 }]);
    last().message('not json');
    last().message({ type: 'not-an-array' });
    last().message([]);
    last().message([{ type: 'dropped', count: 3 }]);
    expect(batches).toEqual([[{ type: 'config.applied', generation: 2, time: 1, routes: 1, upstreams: 1 }], [{ type: 'dropped', count: 3 }]]);
  });

  it('reconnects with growing delays, and resets the backoff after a successful open', () => {
    const { client, last, clock } = setup();
    client.start();
    last().drop();
    expect(client.status).toMatchObject({ state: 'reconnecting', attempt: 1, retryAt: 1_000 + 100 });
    expect(FakeSocket.all).toHaveLength(1);
    clock.advance(99);
    expect(FakeSocket.all).toHaveLength(1);
    clock.advance(1);
    expect(FakeSocket.all).toHaveLength(2);

    last().drop();
    expect(client.status).toMatchObject({ attempt: 2 });
    clock.advance(200);
    expect(FakeSocket.all).toHaveLength(3);
    last().drop();
    clock.advance(400);
    expect(FakeSocket.all).toHaveLength(4);

    last().open();
    expect(client.status.attempt).toBe(0);
    last().drop(1001, 'server going away');
    expect(client.status).toMatchObject({ state: 'reconnecting', attempt: 1, reason: 'server going away' });
    clock.advance(100);
    expect(FakeSocket.all).toHaveLength(5);
  });

  it('caps the delay at the maximum', () => {
    const { client, last, clock } = setup();
    client.start();
    for (let i = 0; i < 8; i++) {
      last().drop();
      const delay = client.status.retryAt! - clock.timers.now();
      expect(delay).toBeLessThanOrEqual(1_000);
      clock.advance(delay);
    }
    expect(client.status.retryAt).toBeNull();
    expect(FakeSocket.all).toHaveLength(9);
  });

  it('stops cleanly: closes the socket, cancels a pending retry, and never reconnects', () => {
    const { client, last, clock } = setup();
    client.start();
    const first = last();
    first.open();
    client.stop();
    expect(first.closed).toEqual({ code: 1000, reason: 'client stopped' });
    expect(client.status.state).toBe('idle');
    first.drop(); // a late close event from the old socket
    clock.advance(10_000);
    expect(FakeSocket.all).toHaveLength(1);

    client.start();
    last().drop();
    client.stop();
    clock.advance(10_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it('survives a socket constructor that throws', () => {
    FakeSocket.all = [];
    const clock = fakeTimers();
    let fail = true;
    const client = createWebSocketEventsClient({
      url: 'ws://x/api/events',
      token: 't',
      timers: clock.timers,
      random: () => 0.5,
      backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 },
      createSocket: (url, p) => {
        if (fail) throw new Error('blocked by CSP');
        return new FakeSocket(url, p);
      },
    });
    client.start();
    expect(client.status).toMatchObject({ state: 'reconnecting', reason: 'blocked by CSP' });
    fail = false;
    clock.advance(100);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('keeps delivering to other listeners when one throws', () => {
    const { client, last } = setup();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const got: number[] = [];
    client.subscribe(() => {
      throw new Error('boom');
    });
    client.subscribe((b) => got.push(b.length));
    client.start();
    last().message([{ type: 'dropped', count: 1 }]);
    expect(got).toEqual([1]);
    spy.mockRestore();
  });
});

describe('eventsUrl', () => {
  it('uses ws: or wss: on the page host', () => {
    expect(eventsUrl({ protocol: 'http:', host: '127.0.0.1:7878' })).toBe('ws://127.0.0.1:7878/api/events?coalesce=1');
    expect(eventsUrl({ protocol: 'https:', host: 'localhost:1' })).toBe('wss://localhost:1/api/events?coalesce=1');
  });
});
