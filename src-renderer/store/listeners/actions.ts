import { describeError } from '../errors';
import type { SliceCreator } from '../types';
import { initialListenersState, type ListenersState } from './state';

export interface ListenersActions {
  /** Fetch `listeners.list` (after an apply the addresses, modes and served flags may change). */
  refreshListeners(): Promise<void>;
}

export type ListenersSlice = ListenersState & ListenersActions;

export const createListenersSlice: SliceCreator<ListenersSlice> = (set, get, deps) => {
  let inflight: Promise<void> | null = null;
  return {
    ...initialListenersState,
    refreshListeners() {
      if (!deps.control) {
        set({ listenersStatus: 'error', listenersError: 'Not connected to a Switchyard host.' });
        return Promise.resolve();
      }
      const control = deps.control;
      const generation = get().running?.generation ?? null;
      if (get().listenersStatus !== 'ready') set({ listenersStatus: 'loading' });
      inflight ??= control
        .call('listeners.list')
        .then(
          (listenerList) => set({ listenerList, listenersStatus: 'ready', listenersError: null, listenersGeneration: generation }),
          (err: unknown) => set({ listenersStatus: 'error', listenersError: describeError(err).message }),
        )
        .finally(() => {
          inflight = null;
        });
      return inflight;
    },
  };
};
