import type { AppState } from '../types';

export const selectListenerList = (s: AppState) => s.listenerList;
export const selectListenersStatus = (s: AppState) => s.listenersStatus;
export const selectListenersError = (s: AppState) => s.listenersError;
export const selectListenersGeneration = (s: AppState) => s.listenersGeneration;
