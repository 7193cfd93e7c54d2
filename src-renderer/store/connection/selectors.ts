import type { AppState } from '../types';

export const selectMode = (s: AppState) => s.mode;
export const selectConnectError = (s: AppState) => s.connectError;
export const selectStream = (s: AppState) => s.stream;
export const selectAppInfo = (s: AppState) => s.appInfo;

/** One word for the status bar. */
export function streamLabel(s: AppState): string {
  switch (s.stream.state) {
    case 'open':
      return 'Live';
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting':
      return s.stream.attempt > 0 ? `Reconnecting (attempt ${s.stream.attempt})` : 'Reconnecting…';
    case 'unavailable':
      return 'No live events';
    case 'idle':
      return 'Offline';
  }
}
