import type { TargetStatus } from '../../client/contract';
import type { AppState } from '../types';

export const selectUpstreamStatus = (s: AppState) => s.upstreamStatus;
export const selectUpstreamsUpdatedAt = (s: AppState) => s.upstreamsUpdatedAt;

export type TargetHealth = 'healthy' | 'unhealthy' | 'ejected' | 'drained' | 'unknown';

export function targetHealth(t: TargetStatus | undefined): TargetHealth {
  if (!t) return 'unknown';
  if (t.drained) return 'drained';
  if (t.ejected) return 'ejected';
  if (!t.available || !t.activeHealthy) return 'unhealthy';
  return 'healthy';
}

/**
 * The live status of a target of the *draft*: by position when the URL
 * matches there (the common case), else by URL. A target that is not
 * running yet (added in the draft, not applied) has none.
 */
export function findTargetStatus(s: AppState, upstream: string, index: number, url: string): TargetStatus | undefined {
  const list = s.upstreamStatus[upstream];
  if (!list) return undefined;
  const origin = originOf(url);
  const at = list[index];
  if (at && at.url === origin) return at;
  return list.find((t) => t.url === origin);
}

/** The engine reports targets by origin (`http://host:port`); the YAML may carry a trailing slash. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
