import { describe, expect, it } from 'vitest';
import { RpcError } from '../../client/types';
import { fakeControl, testStore } from '../test-helpers';
import { HISTORY_PAGE, type HistoryItem } from './state';

const item = (id: string): HistoryItem => ({
  id,
  requestId: id,
  startedAt: 1_700_000_000_000,
  method: 'GET',
  scheme: 'http',
  host: 'api.localhost',
  path: `/x/${id}`,
  url: `/x/${id}`,
  status: 200,
  route: 'r',
  upstream: 'u',
  target: 't',
  client: '127.0.0.1',
  listener: 'web',
  duration: 3,
  reqSize: 0,
  resSize: 10,
  cacheStatus: null,
} as HistoryItem);

/** A fake history of `n` rows, paged by a numeric cursor like the real keyset cursor. */
function pagedHistory(n: number) {
  const all = Array.from({ length: n }, (_, i) => item(`x${i}`));
  return fakeControl({
    'history.search': (args) => {
      const start = args.cursor ? Number(args.cursor) : 0;
      const limit = args.limit as number;
      const items = all.slice(start, start + limit);
      const next = start + limit < all.length ? String(start + limit) : null;
      return { items, nextCursor: next, ...(args.withTotal ? { total: all.length } : {}) };
    },
  });
}

describe('history slice', () => {
  it('searches with the total, appends pages, and stops at the last one', async () => {
    const control = pagedHistory(HISTORY_PAGE * 2 + 5);
    const store = testStore(control);
    await store.getState().searchHistory('status:2xx');
    expect(store.getState()).toMatchObject({ historyStatus: 'ready', historyTotal: HISTORY_PAGE * 2 + 5, historyQuery: 'status:2xx' });
    expect(store.getState().historyItems).toHaveLength(HISTORY_PAGE);
    expect(control.calls[0]).toEqual({ method: 'history.search', args: { query: 'status:2xx', limit: HISTORY_PAGE, withTotal: true } });

    await store.getState().loadMoreHistory();
    await store.getState().loadMoreHistory();
    expect(store.getState().historyItems).toHaveLength(HISTORY_PAGE * 2 + 5);
    expect(store.getState().historyCursor).toBeNull();
    expect(control.calls.at(-1)?.args).toEqual({ query: 'status:2xx', limit: HISTORY_PAGE, cursor: String(HISTORY_PAGE * 2) });

    const before = control.calls.length;
    await store.getState().loadMoreHistory();
    expect(control.calls.length).toBe(before);
  });

  it('drops the answer of a search that a newer one replaced', async () => {
    let release: (v: unknown) => void = () => undefined;
    const control = fakeControl({
      'history.search': (args) =>
        args.query === 'slow' ? new Promise((r) => (release = r)) : { items: [item('new')], nextCursor: null, total: 1 },
    });
    const store = testStore(control);
    const slow = store.getState().searchHistory('slow');
    await store.getState().searchHistory('fast');
    release({ items: [item('old')], nextCursor: null, total: 1 });
    await slow;
    expect(store.getState().historyItems.map((x) => x.id)).toEqual(['new']);
    expect(store.getState().historyQuery).toBe('fast');
  });

  it('keeps the position of a query error', async () => {
    const control = fakeControl({
      'history.search': () => {
        throw new RpcError('unknown field "stauts"', { code: 'BAD_REQUEST', status: 400, extensions: { position: 7, length: 6 } });
      },
    });
    const store = testStore(control);
    await store.getState().searchHistory('method:GET stauts:5xx');
    expect(store.getState().historyError).toEqual({ message: 'unknown field "stauts"', position: 7, length: 6 });
    expect(store.getState().historyStatus).toBe('error');
  });

  it('deletes the selection and refreshes; clear empties', async () => {
    let rows = [item('a'), item('b'), item('c')];
    const control = fakeControl({
      'history.search': () => ({ items: rows, nextCursor: null, total: rows.length }),
      'history.stats': () => ({ writer: {}, store: { rows: rows.length } }),
      'history.delete': (args) => {
        const ids = args.ids as string[];
        rows = rows.filter((r) => !ids.includes(r.id));
        return { deleted: ids.length };
      },
      'history.clear': () => {
        const deleted = rows.length;
        rows = [];
        return { deleted };
      },
    });
    const store = testStore(control);
    await store.getState().searchHistory('');
    store.getState().toggleHistorySelected('a');
    store.getState().toggleHistorySelected('c');
    store.getState().toggleHistorySelected('c');
    store.getState().toggleHistorySelected('b');
    store.getState().openHistoryExchange('b');
    await store.getState().deleteHistorySelection();
    expect(control.calls.find((c) => c.method === 'history.delete')?.args).toEqual({ ids: ['a', 'b'] });
    expect(store.getState()).toMatchObject({ historySelection: [], historyOpen: null, historyTotal: 1 });
    expect(store.getState().historyNotice?.text).toBe('Deleted 2 exchanges.');

    await store.getState().clearHistory();
    expect(store.getState().historyItems).toEqual([]);
    expect(store.getState().historyNotice?.text).toBe('Cleared history (1 exchanges).');
  });

  it('exports HAR of the selection or of the search, and imports HAR then refreshes', async () => {
    const har = { log: { version: '1.2', creator: { name: 'Switchyard', version: '1' }, entries: [{}, {}] } };
    const control = fakeControl({
      'history.search': () => ({ items: [item('a')], nextCursor: null, total: 1 }),
      'history.stats': () => null,
      'history.exportHar': () => har,
      'history.importHar': () => ({ imported: 2, ids: ['p', 'q'], warnings: [] }),
    });
    const store = testStore(control);
    await store.getState().searchHistory('host:api');
    expect(await store.getState().exportHistoryHar('selection')).toBeNull();
    expect(store.getState().historyNotice?.kind).toBe('error');

    store.getState().toggleHistorySelected('a');
    const file = await store.getState().exportHistoryHar('selection');
    expect(JSON.parse(file!.text)).toEqual(har);
    expect(file!.fileName).toMatch(/^switchyard-selection-.*\.har$/);
    await store.getState().exportHistoryHar('search');
    expect(control.calls.filter((c) => c.method === 'history.exportHar').map((c) => c.args)).toEqual([{ ids: ['a'] }, { query: 'host:api', limit: 10_000 }]);

    const searches = control.calls.filter((c) => c.method === 'history.search').length;
    await store.getState().importHistoryHar('{"log":{}}');
    expect(control.calls.find((c) => c.method === 'history.importHar')?.args).toEqual({ har: '{"log":{}}' });
    expect(store.getState().historyNotice?.text).toBe('Imported 2 exchanges.');
    expect(control.calls.filter((c) => c.method === 'history.search').length).toBe(searches + 1);
  });
});
