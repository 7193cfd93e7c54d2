import { useEffect } from 'react';
import { useAppStore, useAppStoreApi } from '../store';
import { selectActiveView, selectHelpOpen } from '../store/ui/selectors';
import { HelpOverlay } from './HelpOverlay';
import { NavBar } from './NavBar';
import { useShortcut, useShortcutListener } from './shortcuts';
import { StatusBar } from './StatusBar';
import { ViewOutlet } from './ViewOutlet';
import { VIEWS, viewFromHash, type ViewId } from './views';

/** Keeps the active view and `#/<view>` in step (back/forward work, reload keeps the view). */
function useHashRoute() {
  const api = useAppStoreApi();
  const active = useAppStore(selectActiveView);
  useEffect(() => {
    const fromHash = () => {
      const v = viewFromHash(window.location.hash);
      if (v && v !== api.getState().activeView) api.getState().setView(v);
    };
    fromHash();
    window.addEventListener('hashchange', fromHash);
    return () => window.removeEventListener('hashchange', fromHash);
  }, [api]);
  useEffect(() => {
    if (viewFromHash(window.location.hash) !== active) window.location.hash = `/${active}`;
  }, [active]);
}

function ViewShortcut({ id }: { id: ViewId }) {
  const setView = useAppStore((s) => s.setView);
  useShortcut(`view.${id}`, () => setView(id));
  return null;
}

export function Shell() {
  const api = useAppStoreApi();
  const helpOpen = useAppStore(selectHelpOpen);
  const toggleHelp = useAppStore((s) => s.toggleHelp);
  const setHelpOpen = useAppStore((s) => s.setHelpOpen);
  useHashRoute();
  useShortcutListener(() => api.getState().activeView);
  useShortcut('help.toggle', toggleHelp);
  useShortcut('help.close', () => setHelpOpen(false), helpOpen);

  return (
    <div className="shell">
      {VIEWS.map((v) => (
        <ViewShortcut key={v.id} id={v.id} />
      ))}
      <NavBar />
      <main className="shell-main">
        <ViewOutlet />
      </main>
      <StatusBar />
      {helpOpen && <HelpOverlay onClose={() => setHelpOpen(false)} />}
    </div>
  );
}
