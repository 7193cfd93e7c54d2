// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../client/events-client';
import { cacheOutcome, createTrafficBuffer, type FrameScheduler, type TrafficBuffer } from '../../live/traffic-buffer';
import { TrafficView } from './TrafficView';

afterEach(cleanup);

function setup() {
  const queue: (() => void)[] = [];
  const frames: FrameScheduler = { request: (cb) => queue.push(cb), cancel: () => undefined };
  const buffer = createTrafficBuffer({ frames });
  const flush = () => act(() => queue.splice(0).forEach((cb) => cb()));
  render(<TrafficView buffer={buffer} control={null} />);
  return { buffer, flush };
}

const start = (id: string, url: string): StreamEvent => ({
  type: 'exchange.start',
  id,
  requestId: id,
  time: 0,
  listener: 'web',
  clientAddress: '127.0.0.1',
  clientPort: 1,
  method: 'GET',
  url,
  host: 'h',
  httpVersion: '1.1',
  rawHeaders: [],
});

describe('TrafficView', () => {
  it('counts rows, filters them, and shows a bad term inline', () => {
    const { buffer, flush } = setup();
    buffer.ingest([start('a', '/orders'), start('b', '/health')]);
    flush();
    expect(screen.getByTestId('traffic-count').textContent).toBe('2 exchanges');
    fireEvent.change(screen.getByTestId('traffic-filter'), { target: { value: '-path:/health' } });
    expect(screen.getByTestId('traffic-count').textContent).toBe('1 of 2');
    fireEvent.change(screen.getByTestId('traffic-filter'), { target: { value: 'status:5x' } });
    expect(screen.getByTestId('traffic-filter-error').textContent).toMatch(/"status" expects/);
    // The last good filter stays in force while the text is wrong.
    expect(screen.getByTestId('traffic-count').textContent).toBe('1 of 2');
    fireEvent.change(screen.getByTestId('traffic-filter'), { target: { value: '' } });
  });

  it('pause counts what arrives; clear empties; follow toggles the buffer flag', () => {
    const { buffer, flush } = setup();
    buffer.ingest([start('a', '/x')]);
    flush();
    fireEvent.click(screen.getByTestId('traffic-pause'));
    flush();
    buffer.ingest([start('b', '/y'), start('c', '/z')]);
    flush();
    expect(screen.getByTestId('traffic-count').textContent).toBe('1 exchanges · paused, 2 new not shown');
    fireEvent.click(screen.getByTestId('traffic-pause'));
    fireEvent.click(screen.getByTestId('traffic-clear'));
    flush();
    expect(screen.getByTestId('traffic-count').textContent).toBe('0 exchanges');
    fireEvent.click(screen.getByTestId('traffic-follow'));
    flush();
    expect(buffer.state().follow).toBe(false);
  });
});

describe('memoised rows', () => {
  it('show in-place updates of a row, keep its DOM node, and move as one window', () => {
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 });
    try {
      const { buffer, flush } = setup();
      buffer.ingest([start('a', '/one'), start('b', '/two')]);
      flush();
      const rowA = document.querySelector('[data-id="a"]')!;
      expect(rowA.querySelector('.c-status')?.textContent).toBe('…');
      // The row object changes in place: only its rev tells the memoised row to render again.
      buffer.ingest([{ type: 'exchange.response', id: 'a', status: 503, headers: {} }]);
      flush();
      const after = document.querySelector('[data-id="a"]')!;
      expect(after).toBe(rowA);
      expect(after.querySelector('.c-status')?.textContent).toBe('503');
      expect(document.querySelector('[data-id="b"] .c-status')?.textContent).toBe('…');
      // Rows carry no position of their own; the window holding them does.
      expect((rowA as HTMLElement).style.transform).toBe('');
      expect(rowA.parentElement?.classList.contains('traffic-window')).toBe(true);
    } finally {
      Reflect.deleteProperty(HTMLElement.prototype, 'clientHeight');
    }
  });
});

describe('cache column', () => {
  const complete = (id: string, decisions?: { policy: string; type: string; outcome: string }[]): StreamEvent => ({
    type: 'exchange.complete',
    id,
    time: 1,
    status: 200,
    route: 'r',
    upstream: null,
    target: null,
    attempts: 1,
    timings: { queue: 0, connect: 0, ttfb: 1, total: 2 },
    bytesIn: 0,
    bytesOut: 5,
    aborted: false,
    ...(decisions ? { decisions } : {}),
  });

  it('shows the cache policy outcome, and nothing where there is none', () => {
    // jsdom does no layout: give the scroller a height so rows render.
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 });
    try {
      const { buffer, flush } = setup();
      buffer.ingest([
        start('a', '/cached'),
        start('b', '/plain'),
        start('c', '/live'),
        complete('a', [
          { policy: 'keys', type: 'api-key', outcome: 'ok' },
          { policy: 'short-cache', type: 'cache', outcome: 'HIT' },
        ]),
        complete('b'),
        { type: 'exchange.policy', id: 'c', decision: { policy: 'short-cache', type: 'cache', outcome: 'MISS' } },
      ]);
      flush();
      const cacheOf = (id: string) => document.querySelector(`[data-id="${id}"] .c-cache`)?.textContent;
      expect(cacheOf('a')).toBe('HIT');
      expect(cacheOf('b')).toBe('');
      expect(cacheOf('c')).toBe('MISS');
    } finally {
      // The override shadows Element.prototype's getter; removing it restores jsdom's.
      Reflect.deleteProperty(HTMLElement.prototype, 'clientHeight');
    }
  });

  it('reads the cache decision by type', () => {
    expect(cacheOutcome(undefined)).toBeNull();
    expect(cacheOutcome([{ policy: 'x', type: 'rate-limit', outcome: 'allowed' }])).toBeNull();
    expect(cacheOutcome([{ policy: 'c', type: 'cache', outcome: 'STALE' }])).toBe('STALE');
  });

  it('shows bidi overrides and zero-width characters in live rows as <U+…> markers', () => {
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 });
    try {
      const { buffer, flush } = setup();
      const event = { ...start('a', '/files/\u202Egpj.exe'), host: 'pay\u200Bpal.example' } as StreamEvent;
      buffer.ingest([event]);
      flush();
      const row = document.querySelector('[data-id="a"]')!;
      expect(row.querySelector('.c-path')!.textContent).toBe('/files/<U+202E>gpj.exe');
      expect(row.querySelector('.c-path')!.getAttribute('title')).toBe('/files/<U+202E>gpj.exe');
      expect(row.querySelector('.c-host')!.textContent).toBe('pay<U+200B>pal.example');
    } finally {
      Reflect.deleteProperty(HTMLElement.prototype, 'clientHeight');
    }
  });
});

function bufferWithRows(): TrafficBuffer {
  const queue: (() => void)[] = [];
  const frames: FrameScheduler = { request: (cb) => queue.push(cb), cancel: () => undefined };
  const buffer = createTrafficBuffer({ frames });
  buffer.ingest([start('a', '/one'), start('b', '/two')]);
  queue.splice(0).forEach((cb) => cb());
  return buffer;
}

describe('TrafficView selection', () => {
  // The virtualiser renders rows only into a scroller with a height.
  beforeAll(() => Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 }));
  afterAll(() => delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight);

  it('keeps the open exchange across a visit to another view', () => {
    const buffer = bufferWithRows();
    const first = render(<TrafficView buffer={buffer} control={null} />);
    act(() => {
      fireEvent.click(document.querySelector('[data-id="b"]')!);
    });
    expect(screen.getByTestId('exchange-detail')).toBeTruthy();
    // Switching views unmounts the view; coming back mounts a new one on the same buffer.
    first.unmount();
    render(<TrafficView buffer={buffer} control={null} />);
    expect(screen.getByTestId('exchange-detail')).toBeTruthy();
    expect(document.querySelector('[data-id="b"]')!.getAttribute('aria-selected')).toBe('true');
  });

  it('starts without a selection on another buffer, and forgets a closed one', () => {
    const buffer = bufferWithRows();
    const first = render(<TrafficView buffer={buffer} control={null} />);
    act(() => {
      fireEvent.click(document.querySelector('[data-id="a"]')!);
    });
    fireEvent.keyDown(screen.getByTestId('traffic-list'), { key: 'Escape' });
    first.unmount();
    const second = render(<TrafficView buffer={buffer} control={null} />);
    expect(screen.queryByTestId('exchange-detail')).toBeNull();
    second.unmount();
    render(<TrafficView buffer={bufferWithRows()} control={null} />);
    expect(screen.queryByTestId('exchange-detail')).toBeNull();
  });
});
