/** The dashboard's UI choices. Its numbers live outside the store (live/dashboard-aggregator.ts). */
export type DashboardWindow = 60 | 300 | 900;

export const DASHBOARD_WINDOWS: readonly { seconds: DashboardWindow; label: string }[] = [
  { seconds: 60, label: '1 min' },
  { seconds: 300, label: '5 min' },
  { seconds: 900, label: '15 min' },
];

export interface DashboardState {
  dashboardWindow: DashboardWindow;
}

export const initialDashboardState: DashboardState = {
  dashboardWindow: 60,
};
