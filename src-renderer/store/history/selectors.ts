import type { AppState } from '../types';

export const selectHistoryQuery = (s: AppState) => s.historyQuery;
export const selectHistoryItems = (s: AppState) => s.historyItems;
export const selectHistoryTotal = (s: AppState) => s.historyTotal;
export const selectHistoryStatus = (s: AppState) => s.historyStatus;
export const selectHistoryError = (s: AppState) => s.historyError;
export const selectHistorySelection = (s: AppState) => s.historySelection;
export const selectHistoryOpen = (s: AppState) => s.historyOpen;
export const selectHistoryStats = (s: AppState) => s.historyStats;
export const selectHistoryNotice = (s: AppState) => s.historyNotice;
/** More pages exist beyond what is loaded. */
export const selectHistoryHasMore = (s: AppState) => s.historyCursor !== null;
