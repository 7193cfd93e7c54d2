import { Placeholder } from '../../app/Placeholder';

/** Placeholder: replace with the Export view (see app/views.ts for its one-line brief). */
export default function ExportView() {
  return <Placeholder view="export" />;
}
