import { Placeholder } from '../../app/Placeholder';

/** Placeholder: replace with the Dashboard view (see app/views.ts for its one-line brief). */
export default function DashboardView() {
  return <Placeholder view="dashboard" />;
}
