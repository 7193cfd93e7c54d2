import { Placeholder } from '../../app/Placeholder';

/** Placeholder: replace with the Traffic view (see app/views.ts for its one-line brief). */
export default function TrafficView() {
  return <Placeholder view="traffic" />;
}
