import type { ListenerInfo } from '../../client/contract';

export interface ListenersState {
  /** What `listeners.list` returned last (the running config's listeners). */
  listenerList: ListenerInfo[];
  listenersStatus: 'idle' | 'loading' | 'ready' | 'error';
  listenersError: string | null;
  /** The running config generation the list belongs to. */
  listenersGeneration: number | null;
}

export const initialListenersState: ListenersState = {
  listenerList: [],
  listenersStatus: 'idle',
  listenersError: null,
  listenersGeneration: null,
};
