// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RpcError } from '../../client/types';
import { StoreProvider } from '../../store';
import type { HistoryItem } from '../../store/history/state';
import { fakeControl, testStore, type FakeControl } from '../../store/test-helpers';
import { errorSpan, statsLine } from './history-format';
import { HistoryView } from './HistoryView';

afterEach(cleanup);

// jsdom does no layout: give the list's scroller a height so the virtualiser renders rows
// (the override shadows Element.prototype's getter; deleting it restores jsdom's).
beforeAll(() => Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 520 }));
afterAll(() => Reflect.deleteProperty(HTMLElement.prototype, 'clientHeight'));

const item = (i: number): HistoryItem =>
  ({
    id: `x${i}`,
    requestId: `x${i}`,
    startedAt: Date.now() - i * 1000,
    method: 'GET',
    scheme: 'http',
    host: 'api.localhost',
    path: `/items/${i}`,
    url: `/items/${i}`,
    status: i % 7 === 0 ? 503 : 200,
    route: 'catalog',
    upstream: 'catalog',
    target: 'http://127.0.0.1:9001',
    client: '127.0.0.1',
    listener: 'web',
    duration: 2.5,
    reqSize: 0,
    resSize: 2048,
    cacheStatus: i === 0 ? 'HIT' : null,
  }) as HistoryItem;

const STATS = {
  writer: { enqueued: 30, written: 30, droppedBodies: 0, droppedRecords: 2, failedRecords: 0, pendingBatches: 0, queuedRecords: 0, queuedBytes: 0, retentionDeleted: 0, lastError: null },
  store: { rows: 30, bytes: 40960, fileSize: 81920, freePages: 0, pageSize: 4096, unindexed: 0 },
};

/** 30 rows served in pages of `page` (the store asks for more; the fake caps it, like a short history). */
function historyControl(page = 10, count = 30): FakeControl {
  let rows = Array.from({ length: count }, (_, i) => item(i));
  return fakeControl({
    'history.search': (args) => {
      if (String(args.query).includes('stauts')) {
        throw new RpcError('Unknown field "stauts"', { code: 'BAD_REQUEST', status: 400, extensions: { position: 11, length: 6 } });
      }
      const start = args.cursor ? Number(args.cursor) : 0;
      const items = rows.slice(start, start + page);
      return { items, nextCursor: start + page < rows.length ? String(start + page) : null, ...(args.withTotal ? { total: rows.length } : {}) };
    },
    'history.stats': () => STATS,
    'history.delete': (args) => {
      const gone = new Set(args.ids as string[]);
      const before = rows.length;
      rows = rows.filter((r) => !gone.has(r.id));
      return { deleted: before - rows.length };
    },
    'history.clear': () => {
      const deleted = rows.length;
      rows = [];
      return { deleted };
    },
    'history.get': (args) => ({
      ...item(Number(String(args.id).slice(1))),
      timings: { queue: 0, connect: 0, ttfb: 1, total: 2 },
      requestHeaders: ['host', 'api.localhost'],
      responseHeaders: ['content-type', 'text/plain'],
      requestBody: { base64: '', size: 0, truncated: false, contentType: null },
      responseBody: { base64: btoa('hello'), size: 5, truncated: false, contentType: 'text/plain' },
      policies: [],
      error: null,
      websocket: null,
    }),
  });
}

function setup(control: FakeControl = historyControl()) {
  const store = testStore(control);
  render(
    <StoreProvider store={store}>
      <HistoryView control={control} />
    </StoreProvider>,
  );
  return { store, control };
}

describe('HistoryView', () => {
  it('loads pages as the end of the list comes into view and stops after the last page', async () => {
    const { control } = setup();
    await waitFor(() => expect(screen.getByTestId('history-count').textContent).toBe('30 of 30 loaded (all)'));
    const searches = control.calls.filter((c) => c.method === 'history.search');
    expect(searches.map((c) => (c.args as { cursor?: string }).cursor ?? null)).toEqual([null, '10', '20']);
    expect(screen.getAllByRole('row').length).toBeGreaterThan(20);
    expect(screen.getByTestId('history-stats').textContent).toBe('30 exchanges stored · 40 KB (file 80 KB) · 2 dropped');
  });

  it('does not fetch the next page while the end is far out of view', async () => {
    const { control } = setup(historyControl(200, 1000));
    await screen.findByText('200 of 1,000 loaded');
    await new Promise((r) => setTimeout(r, 50));
    expect(control.calls.filter((c) => c.method === 'history.search')).toHaveLength(1);
  });

  it('shows where a query is wrong', async () => {
    setup();
    await screen.findByText('30 of 30 loaded (all)');
    fireEvent.change(screen.getByTestId('history-filter'), { target: { value: 'method:GET stauts:5xx' } });
    fireEvent.submit(screen.getByRole('search'));
    const err = await screen.findByTestId('history-filter-error');
    expect(err.textContent).toContain('Unknown field "stauts"');
    expect(err.querySelector('mark')?.textContent).toBe('stauts');
    expect(err.textContent).toContain('(column 12)');
  });

  it('asks before clearing, and clears only when confirmed', async () => {
    const { control } = setup();
    await screen.findByText('30 of 30 loaded (all)');
    fireEvent.click(screen.getByTestId('history-clear'));
    expect(screen.getByTestId('history-confirm').textContent).toContain('(30)');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('history-confirm')).toBeNull();
    expect(control.calls.some((c) => c.method === 'history.clear')).toBe(false);

    fireEvent.click(screen.getByTestId('history-clear'));
    fireEvent.click(screen.getByTestId('history-confirm-yes'));
    await screen.findByTestId('history-empty');
    expect(control.calls.filter((c) => c.method === 'history.clear')).toHaveLength(1);
    expect(screen.getByTestId('history-notice').textContent).toContain('Cleared history (30 exchanges).');
  });

  it('deletes the ticked rows once confirmed, and leaves the focus on the list (or the query box once it is empty)', async () => {
    const { control } = setup();
    await screen.findByText('30 of 30 loaded (all)');
    fireEvent.click(screen.getByLabelText('Select GET /items/4'));
    fireEvent.click(screen.getByLabelText('Select GET /items/5'));
    const del = screen.getByTestId('history-delete');
    del.focus();
    fireEvent.click(del);
    expect(screen.getByTestId('history-confirm').textContent).toContain('Delete 2 exchanges?');
    fireEvent.click(screen.getByTestId('history-confirm-yes'));
    await screen.findByText('28 of 28 loaded (all)');
    expect(control.calls.find((c) => c.method === 'history.delete')?.args).toEqual({ ids: ['x4', 'x5'] });
    expect(screen.queryByText('/items/4')).toBeNull();
    expect(screen.getByTestId('history-notice').textContent).toContain('Deleted 2 exchanges.');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('history-list')));

    fireEvent.click(screen.getByTestId('history-select-all'));
    screen.getByTestId('history-delete').focus();
    fireEvent.click(screen.getByTestId('history-delete'));
    fireEvent.click(screen.getByTestId('history-confirm-yes'));
    await screen.findByTestId('history-empty');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('history-filter')));
  });

  it('opens a row in the detail pane and ticks rows for export', async () => {
    const createObjectURL = vi.fn(() => 'blob:x');
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const control = historyControl(30);
    control.on('history.exportHar', () => ({ log: { version: '1.2', creator: { name: 'Switchyard', version: '1' }, entries: [{}] } }));
    setup(control);
    await screen.findByText('30 of 30 loaded (all)');
    fireEvent.click(screen.getByText('/items/3'));
    await screen.findByText('hello');
    expect(control.calls.some((c) => c.method === 'history.get' && (c.args as { id: string }).id === 'x3')).toBe(true);

    expect((screen.getByTestId('history-export-selection') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByLabelText('Select GET /items/4'));
    await act(async () => {
      fireEvent.click(screen.getByTestId('history-export-selection'));
    });
    await waitFor(() => expect(click).toHaveBeenCalled());
    expect(control.calls.find((c) => c.method === 'history.exportHar')?.args).toEqual({ ids: ['x4'] });
    click.mockRestore();
  });
});

describe('history formatting', () => {
  it('splits the query around the error and words the stats', () => {
    expect(errorSpan('a:b c:d', 4, 3)).toEqual(['a:b ', 'c:d', '']);
    expect(errorSpan('abc', 3, 0)).toEqual(['abc', ' ', '']);
    expect(errorSpan('abc', null, null)).toBeNull();
    expect(statsLine({ ...STATS, writer: { ...STATS.writer, droppedRecords: 0 } } as never)).toMatch(/· no drops$/);
    expect(statsLine({ ...STATS, store: { ...STATS.store, unindexed: 1200 } } as never)).toMatch(/· newest 1,200 not yet found by free text \(indexing\)$/);
  });
});
