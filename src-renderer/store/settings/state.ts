import type { CaInfo } from '../../features/settings/ca-info';

export interface SettingsState {
  /** The local CA (shared by Settings and the Listeners view's forward-proxy help). */
  caInfo: CaInfo | null;
  /** unavailable: this host has no `ca.info` (no local CA in this engine). */
  caStatus: 'idle' | 'loading' | 'ready' | 'unavailable' | 'error';
  caError: string | null;
}

export const initialSettingsState: SettingsState = {
  caInfo: null,
  caStatus: 'idle',
  caError: null,
};
