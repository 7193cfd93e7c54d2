import type { SliceCreator } from '../types';
import { initialDashboardState, type DashboardState, type DashboardWindow } from './state';

export interface DashboardActions {
  setDashboardWindow(seconds: DashboardWindow): void;
}

export type DashboardSlice = DashboardState & DashboardActions;

export const createDashboardSlice: SliceCreator<DashboardSlice> = (set) => ({
  ...initialDashboardState,
  setDashboardWindow: (dashboardWindow) => set({ dashboardWindow }),
});
