import { useEffect } from 'react';
import { useAppStore } from '../../store';

/** Poll `upstreams.status` while mounted (health events also trigger a refresh through live/). */
export function useUpstreamPolling(intervalMs = 2000): void {
  const refresh = useAppStore((s) => s.refreshUpstreams);
  useEffect(() => {
    void refresh();
    const id = setInterval(() => {
      if (!document.hidden) void refresh();
    }, intervalMs);
    return () => clearInterval(id);
  }, [refresh, intervalMs]);
}
