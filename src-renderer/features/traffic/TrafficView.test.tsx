// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../client/events-client';
import { createTrafficBuffer, type FrameScheduler } from '../../live/traffic-buffer';
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
