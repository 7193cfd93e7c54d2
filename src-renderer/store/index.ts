/**
 * The main store. One slice per feature, each in its own folder with
 * `state.ts` (shape + initial values), `actions.ts` (the slice creator) and
 * `selectors.ts`. To add a slice: create the folder, add its type to
 * `AppState` in types.ts and its creator below.
 *
 * High-rate traffic (the inspector's exchanges, the dashboard's samples) must
 * NOT go through here: a store update re-runs every subscribed selector, and
 * 2,000 exchanges/s would make typing in the editor stutter. Those live in a
 * separate buffer fed by src-renderer/live/ (see its README).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createConnectionSlice } from './connection/actions';
import { createDashboardSlice } from './dashboard/actions';
import { createDesignerSlice } from './designer/actions';
import { createExportSlice } from './export/actions';
import { createHistorySlice } from './history/actions';
import { createListenersSlice } from './listeners/actions';
import { createSettingsSlice } from './settings/actions';
import type { AppState, StoreDeps } from './types';
import { createUiSlice } from './ui/actions';
import { createUpstreamsSlice } from './upstreams/actions';
import { createWorkspaceSlice } from './workspace/actions';

export type { AppState, StoreDeps };
export type AppStore = StoreApi<AppState>;

export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createUiSlice(set, get, deps),
    ...createConnectionSlice(set, get, deps),
    ...createWorkspaceSlice(set, get, deps),
    ...createUpstreamsSlice(set, get, deps),
    ...createDesignerSlice(set, get, deps),
    ...createListenersSlice(set, get, deps),
    ...createDashboardSlice(set, get, deps),
    ...createHistorySlice(set, get, deps),
    ...createExportSlice(set, get, deps),
    ...createSettingsSlice(set, get, deps),
  }));
}

export { StoreProvider, useAppStore, useAppStoreApi } from './react';
