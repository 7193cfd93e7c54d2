import type { AppState } from '../types';

export const selectDashboardWindow = (s: AppState) => s.dashboardWindow;
