import { Placeholder } from '../../app/Placeholder';

/** Placeholder: replace with the Listeners view (see app/views.ts for its one-line brief). */
export default function ListenersView() {
  return <Placeholder view="listeners" />;
}
