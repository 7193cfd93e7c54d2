// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../client/events-client';
import { createTrafficBuffer, type FrameScheduler, type TrafficBuffer } from '../../live/traffic-buffer';
import { TrafficView } from './TrafficView';

afterEach(cleanup);
// The virtualiser renders rows only into a scroller with a height.
beforeAll(() => Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 }));
afterAll(() => delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight);

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

function bufferWithRows(): TrafficBuffer {
  const queue: (() => void)[] = [];
  const frames: FrameScheduler = { request: (cb) => queue.push(cb), cancel: () => undefined };
  const buffer = createTrafficBuffer({ frames });
  buffer.ingest([start('a', '/one'), start('b', '/two')]);
  queue.splice(0).forEach((cb) => cb());
  return buffer;
}

describe('TrafficView selection', () => {
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
