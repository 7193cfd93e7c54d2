import { useEffect } from 'react';
import { useAppStore } from '../../store';

/**
 * Poll `upstreams.status` every `intervalMs` while the view is mounted and the
 * page is visible; refresh at once when the page becomes visible again.
 */
export function useLiveUpstreamStatus(intervalMs = 1000): void {
  const refresh = useAppStore((s) => s.refreshUpstreams);
  useEffect(() => {
    let id: ReturnType<typeof setInterval> | null = null;
    const start = () => {
      if (id !== null) return;
      void refresh();
      id = setInterval(() => void refresh(), intervalMs);
    };
    const stop = () => {
      if (id !== null) clearInterval(id);
      id = null;
    };
    const onVisibility = () => (document.hidden ? stop() : start());
    if (!document.hidden) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [refresh, intervalMs]);
}
