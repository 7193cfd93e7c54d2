// The Dashboard view (lazy chunk: recharts loads with it).
export { DashboardView as default } from './DashboardView';
