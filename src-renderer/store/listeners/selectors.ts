import type { AppState } from '../types';

export const selectListenerList = (s: AppState) => s.listenerList;
export const selectListenersStatus = (s: AppState) => s.listenersStatus;
export const selectListenersError = (s: AppState) => s.listenersError;
export const selectListenersGeneration = (s: AppState) => s.listenersGeneration;

/**
 * Why the engine does not serve each listener, from the warnings of the last
 * apply made from this page (`listener "name" is not served: reason`).
 * Keyed by listener name; empty when no apply happened here yet.
 */
export function unservedReasons(warnings: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of warnings) {
    const m = /^listener "([^"]+)" is not served: (.+)$/.exec(w);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}
