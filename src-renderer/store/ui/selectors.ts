import type { AppState } from '../types';

export const selectActiveView = (s: AppState) => s.activeView;
export const selectHelpOpen = (s: AppState) => s.helpOpen;
