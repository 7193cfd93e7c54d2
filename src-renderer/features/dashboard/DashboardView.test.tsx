// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../client/events-client';
import { dashboardAggregator } from '../../live/dashboard-aggregator';
import { StoreProvider } from '../../store';
import { fakeControl, flush, testStore } from '../../store/test-helpers';
import { DashboardView } from './DashboardView';
import { targetStatus } from '../../store/upstreams/test-fixtures';

beforeAll(() => {
  // jsdom has no ResizeObserver; recharts' ResponsiveContainer needs one.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

afterEach(cleanup);

function complete(status: number, total: number): StreamEvent {
  return {
    type: 'exchange.complete',
    id: String(Math.random()),
    // A second ago: the dashboard shows complete seconds only.
    time: Date.now() - 1000,
    status,
    route: 'r',
    upstream: 'pool',
    target: 'http://127.0.0.1:9001',
    attempts: 1,
    timings: { queue: 0, connect: 0, ttfb: 0, total },
    bytesIn: 0,
    bytesOut: 0,
    aborted: false,
  };
}

describe('DashboardView', () => {
  it('shows live totals from the aggregator and switches the window', async () => {
    const store = testStore(fakeControl({ 'upstreams.status': () => ({
        pool: [targetStatus()],
      }) }));
    render(
      <StoreProvider store={store}>
        <DashboardView />
      </StoreProvider>,
    );
    await act(flush);
    const agg = dashboardAggregator();
    act(() => {
      agg.ingest([complete(200, 5), complete(200, 7), complete(503, 40)]);
      agg.publish();
    });
    expect(screen.getByTestId('dash-totals').textContent).toContain('requests3');
    fireEvent.click(screen.getByTestId('dash-window-300'));
    expect(store.getState().dashboardWindow).toBe(300);
    expect(screen.getByTestId('health-timeline').textContent).toContain('pool/http://127.0.0.1:9001');
  });
});
