import { useAppStore } from '../store';
import { selectActiveView } from '../store/ui/selectors';
import { Icon } from './icons';
import { formatCombo } from './shortcuts';
import { VIEWS } from './views';

export function NavBar() {
  const active = useAppStore(selectActiveView);
  const setView = useAppStore((s) => s.setView);
  const toggleHelp = useAppStore((s) => s.toggleHelp);
  return (
    <nav className="nav" aria-label="Views">
      <div className="nav-brand" title="Switchyard">
        <span className="nav-logo" aria-hidden>
          <Icon name="designer" size={16} />
        </span>
        <span className="nav-brand-text">Switchyard</span>
      </div>
      <ul>
        {VIEWS.map((v, i) => (
          <li key={v.id}>
            <a
              href={`#/${v.id}`}
              className={v.id === active ? 'nav-item active' : 'nav-item'}
              aria-current={v.id === active ? 'page' : undefined}
              title={`${v.description} (${formatCombo(`Mod+${i + 1}`)})`}
              data-testid={`nav-${v.id}`}
              onClick={(e) => {
                e.preventDefault();
                setView(v.id);
              }}
            >
              <span className="nav-icon">
                <Icon name={v.icon} />
              </span>
              <span className="nav-label">{v.title}</span>
              <kbd className="nav-key">{i + 1}</kbd>
            </a>
          </li>
        ))}
      </ul>
      <button type="button" className="nav-help" onClick={toggleHelp} title="Keyboard shortcuts (?)">
        <kbd>?</kbd> Shortcuts
      </button>
    </nav>
  );
}
