import { Placeholder } from '../../app/Placeholder';

/** Placeholder: replace with the History view (see app/views.ts for its one-line brief). */
export default function HistoryView() {
  return <Placeholder view="history" />;
}
