import { Icon } from './icons';
import { viewById, type ViewId } from './views';

/** What a view shows until it is built. */
export function Placeholder({ view }: { view: ViewId }) {
  const v = viewById(view);
  return (
    <section className="placeholder" data-testid={`view-${view}`}>
      <h1>
        <Icon name={v.icon} size={22} /> {v.title}
      </h1>
      <p>{v.description}</p>
      <p className="muted">Coming soon.</p>
    </section>
  );
}
