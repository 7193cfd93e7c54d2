// The Routes view (lazy chunk: Monaco loads with it).
export { RoutesView as default } from './RoutesView';
