import type { ResultOf } from '../../client/contract';

export type HistoryItem = ResultOf<'history.search'>['items'][number];
export type HistoryStats = ResultOf<'history.stats'>;

/** A failed search; `position`/`length` point at the offending part of the query when the engine says where. */
export interface HistoryQueryError {
  message: string;
  position: number | null;
  length: number | null;
}

export interface HistoryState {
  /** The query the list shows (applied with searchHistory). */
  historyQuery: string;
  /** Loaded rows, newest first; grows a page at a time. */
  historyItems: HistoryItem[];
  /** Opaque cursor of the next (older) page; null when the last page is loaded. */
  historyCursor: string | null;
  /** Rows matching the query in all of history (from withTotal), null until known. */
  historyTotal: number | null;
  historyStatus: 'idle' | 'loading' | 'loading-more' | 'ready' | 'error';
  historyError: HistoryQueryError | null;
  /** Ids ticked for export or delete. */
  historySelection: string[];
  /** The exchange open in the detail pane. */
  historyOpen: string | null;
  historyStats: HistoryStats | null;
  /** The outcome of the last action (import, delete, clear, export) for the status line. */
  historyNotice: { kind: 'info' | 'error'; text: string } | null;
}

export const HISTORY_PAGE = 200;

export const initialHistoryState: HistoryState = {
  historyQuery: '',
  historyItems: [],
  historyCursor: null,
  historyTotal: null,
  historyStatus: 'idle',
  historyError: null,
  historySelection: [],
  historyOpen: null,
  historyStats: null,
  historyNotice: null,
};
