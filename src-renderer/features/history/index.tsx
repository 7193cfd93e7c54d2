import { useControl } from '../../shared/exchange-detail/control-context';
import { HistoryView } from './HistoryView';

/** The stored exchanges: search, page, open, export and import HAR, delete. */
export default function HistoryRoute() {
  return <HistoryView control={useControl()} />;
}
