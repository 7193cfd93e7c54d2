import { RpcError } from '../../client/types';
import { describeError } from '../errors';
import type { SliceCreator } from '../types';
import { HISTORY_PAGE, initialHistoryState, type HistoryQueryError, type HistoryState } from './state';

export interface HarFile {
  fileName: string;
  text: string;
}

export interface HistoryActions {
  /** Run `query` from the first (newest) page, with the total count. */
  searchHistory(query: string): Promise<void>;
  /** Append the next page; a no-op on the last page or while a page is loading. */
  loadMoreHistory(): Promise<void>;
  /** Re-run the current query (after an import, delete or clear). */
  refreshHistory(): Promise<void>;
  toggleHistorySelected(id: string): void;
  /** Tick every loaded row, or untick all. */
  setHistorySelection(ids: string[]): void;
  openHistoryExchange(id: string | null): void;
  loadHistoryStats(): Promise<void>;
  /** `history.delete` of the ticked rows. */
  deleteHistorySelection(): Promise<void>;
  /** `history.clear`: every stored exchange. The view asks for confirmation first. */
  clearHistory(): Promise<void>;
  /** HAR of the ticked rows ('selection') or of the current search ('search'); null when it failed (see historyNotice). */
  exportHistoryHar(scope: 'selection' | 'search'): Promise<HarFile | null>;
  /** `history.importHar` with the text of a .har file, then refresh. */
  importHistoryHar(text: string): Promise<void>;
  dismissHistoryNotice(): void;
}

export type HistorySlice = HistoryState & HistoryActions;

const NOT_CONNECTED = 'Not connected to a Switchyard host.';
/** Upper bound of a HAR export of a whole search (the method's own maximum is 100,000). */
export const HAR_SEARCH_LIMIT = 10_000;

function queryError(err: unknown): HistoryQueryError {
  const { message } = describeError(err);
  const ext = err instanceof RpcError ? err.extensions : {};
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { message, position: num(ext.position), length: num(ext.length) };
}

function harFileName(scope: 'selection' | 'search', now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replaceAll(':', '-');
  return `switchyard-${scope === 'selection' ? 'selection' : 'history'}-${stamp}.har`;
}

export const createHistorySlice: SliceCreator<HistorySlice> = (set, get, deps) => {
  // Each search gets a number; answers to an older search (or page of it) are dropped.
  let generation = 0;

  const fail = (text: string) => set({ historyNotice: { kind: 'error', text } });

  return {
    ...initialHistoryState,

    async searchHistory(query) {
      const control = deps.control;
      if (!control) {
        set({ historyStatus: 'error', historyError: { message: NOT_CONNECTED, position: null, length: null } });
        return;
      }
      const mine = ++generation;
      set({ historyQuery: query, historyStatus: 'loading', historyError: null });
      try {
        const page = await control.call('history.search', { query, limit: HISTORY_PAGE, withTotal: true });
        if (mine !== generation) return;
        const ids = new Set(page.items.map((x) => x.id));
        set({
          historyItems: page.items,
          historyCursor: page.nextCursor,
          historyTotal: page.total ?? null,
          historyStatus: 'ready',
          // Keep ticks only for rows still in the list.
          historySelection: get().historySelection.filter((id) => ids.has(id)),
        });
      } catch (err) {
        if (mine !== generation) return;
        set({ historyStatus: 'error', historyError: queryError(err) });
      }
    },

    async loadMoreHistory() {
      const { historyCursor: cursor, historyStatus: status, historyQuery: query } = get();
      const control = deps.control;
      if (!control || cursor === null || status === 'loading' || status === 'loading-more') return;
      const mine = generation;
      set({ historyStatus: 'loading-more' });
      try {
        const page = await control.call('history.search', { query, limit: HISTORY_PAGE, cursor });
        if (mine !== generation) return;
        const seen = new Set(get().historyItems.map((x) => x.id));
        set({
          historyItems: [...get().historyItems, ...page.items.filter((x) => !seen.has(x.id))],
          historyCursor: page.nextCursor,
          historyStatus: 'ready',
        });
      } catch (err) {
        if (mine !== generation) return;
        set({ historyStatus: 'error', historyError: queryError(err) });
      }
    },

    refreshHistory() {
      void get().loadHistoryStats();
      return get().searchHistory(get().historyQuery);
    },

    toggleHistorySelected(id) {
      const sel = get().historySelection;
      set({ historySelection: sel.includes(id) ? sel.filter((x) => x !== id) : [...sel, id] });
    },

    setHistorySelection(ids) {
      set({ historySelection: ids });
    },

    openHistoryExchange(id) {
      set({ historyOpen: id });
    },

    async loadHistoryStats() {
      if (!deps.control) return;
      try {
        set({ historyStats: await deps.control.call('history.stats') });
      } catch {
        // Stats are informative only; the list reports real failures.
        set({ historyStats: null });
      }
    },

    async deleteHistorySelection() {
      const ids = get().historySelection;
      if (!deps.control) return fail(NOT_CONNECTED);
      if (ids.length === 0) return;
      try {
        const { deleted } = await deps.control.call('history.delete', { ids });
        const gone = new Set(ids);
        set({
          historySelection: [],
          historyOpen: gone.has(get().historyOpen ?? '') ? null : get().historyOpen,
          historyNotice: { kind: 'info', text: `Deleted ${deleted.toLocaleString()} exchange${deleted === 1 ? '' : 's'}.` },
        });
        await get().refreshHistory();
      } catch (err) {
        fail(`Delete failed: ${describeError(err).message}`);
      }
    },

    async clearHistory() {
      if (!deps.control) return fail(NOT_CONNECTED);
      try {
        const { deleted } = await deps.control.call('history.clear');
        set({ historySelection: [], historyOpen: null, historyNotice: { kind: 'info', text: `Cleared history (${deleted.toLocaleString()} exchanges).` } });
        await get().refreshHistory();
      } catch (err) {
        fail(`Clear failed: ${describeError(err).message}`);
      }
    },

    async exportHistoryHar(scope) {
      if (!deps.control) {
        fail(NOT_CONNECTED);
        return null;
      }
      const ids = get().historySelection;
      if (scope === 'selection' && ids.length === 0) {
        fail('Tick the exchanges to export first.');
        return null;
      }
      try {
        const har =
          scope === 'selection'
            ? await deps.control.call('history.exportHar', { ids })
            : await deps.control.call('history.exportHar', { query: get().historyQuery, limit: HAR_SEARCH_LIMIT });
        const count = har.log.entries.length;
        set({ historyNotice: { kind: 'info', text: `Exported ${count.toLocaleString()} exchange${count === 1 ? '' : 's'} as HAR.` } });
        return { fileName: harFileName(scope), text: JSON.stringify(har, null, 2) };
      } catch (err) {
        fail(`HAR export failed: ${describeError(err).message}`);
        return null;
      }
    },

    async importHistoryHar(text) {
      if (!deps.control) return fail(NOT_CONNECTED);
      try {
        const result = await deps.control.call('history.importHar', { har: text });
        const warn = result.warnings.length > 0 ? ` ${result.warnings.length} warning(s): ${result.warnings.slice(0, 3).join('; ')}` : '';
        set({ historyNotice: { kind: 'info', text: `Imported ${result.imported.toLocaleString()} exchange${result.imported === 1 ? '' : 's'}.${warn}` } });
        await get().refreshHistory();
      } catch (err) {
        fail(`HAR import failed: ${describeError(err).message}`);
      }
    },

    dismissHistoryNotice() {
      set({ historyNotice: null });
    },
  };
};
