import type { ViewId } from '../../app/views';
import type { SliceCreator } from '../types';
import { initialUiState, type UiState } from './state';

export interface UiActions {
  setView(view: ViewId): void;
  setHelpOpen(open: boolean): void;
  toggleHelp(): void;
}

export type UiSlice = UiState & UiActions;

export const createUiSlice: SliceCreator<UiSlice> = (set) => ({
  ...initialUiState,
  setView: (activeView) => set({ activeView }),
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  toggleHelp: () => set((s) => ({ helpOpen: !s.helpOpen })),
});
