import { Placeholder } from '../../app/Placeholder';

/** Placeholder: replace with the Upstreams view (see app/views.ts for its one-line brief). */
export default function UpstreamsView() {
  return <Placeholder view="upstreams" />;
}
