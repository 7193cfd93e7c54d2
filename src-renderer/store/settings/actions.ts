import { fetchCaInfo } from '../../features/settings/ca-info';
import { describeError } from '../errors';
import type { SliceCreator } from '../types';
import { initialSettingsState, type SettingsState } from './state';

export interface SettingsActions {
  /** Fetch `ca.info`; a host without it leaves caStatus 'unavailable'. */
  loadCaInfo(): Promise<void>;
}

export type SettingsSlice = SettingsState & SettingsActions;

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set, get, deps) => {
  let inflight: Promise<void> | null = null;
  return {
    ...initialSettingsState,
    loadCaInfo() {
      if (!deps.control) {
        set({ caStatus: 'error', caError: 'Not connected to a Switchyard host.' });
        return Promise.resolve();
      }
      const control = deps.control;
      if (get().caStatus !== 'ready') set({ caStatus: 'loading' });
      inflight ??= fetchCaInfo(control)
        .then(
          (caInfo) => set(caInfo ? { caInfo, caStatus: 'ready', caError: null } : { caInfo: null, caStatus: 'unavailable', caError: null }),
          (err: unknown) => set({ caStatus: 'error', caError: describeError(err).message }),
        )
        .finally(() => {
          inflight = null;
        });
      return inflight;
    },
  };
};
