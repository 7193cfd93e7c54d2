import type { StoreApi } from 'zustand/vanilla';
import type { ControlClient } from '../client/contract';
import type { ConnectionSlice } from './connection/actions';
import type { DashboardSlice } from './dashboard/actions';
import type { DesignerSlice } from './designer/actions';
import type { ExportSlice } from './export/actions';
import type { HistorySlice } from './history/actions';
import type { ListenersSlice } from './listeners/actions';
import type { SettingsSlice } from './settings/actions';
import type { UiSlice } from './ui/actions';
import type { UpstreamsSlice } from './upstreams/actions';
import type { WorkspaceSlice } from './workspace/actions';

/**
 * The main store: one slice per feature. Everything here changes at human
 * speed (clicks, keystrokes, polls). High-rate traffic (exchange events) does
 * NOT belong here: see src-renderer/live/README.md.
 */
export type AppState = UiSlice & ConnectionSlice & WorkspaceSlice & UpstreamsSlice & DesignerSlice & ListenersSlice & DashboardSlice & HistorySlice & ExportSlice & SettingsSlice;

export interface StoreDeps {
  /** Null when no host could be reached (no token): actions become no-ops that report why. */
  control: ControlClient | null;
  /** localStorage in the app; an in-memory Storage in tests; null where storage is unavailable. */
  storage: Storage | null;
  /** Debounce of the engine validation while typing. */
  validateDelayMs?: number;
}

export type SetState = StoreApi<AppState>['setState'];
export type GetState = () => AppState;

/** A slice: its state and actions, built with the store's set/get and the injected services. */
export type SliceCreator<T> = (set: SetState, get: GetState, deps: StoreDeps) => T;
