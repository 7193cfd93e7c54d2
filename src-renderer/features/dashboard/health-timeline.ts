/**
 * The health timeline of one target over the dashboard window, as segments:
 * built from its `health.change` transitions (the last one before the window
 * gives the starting state) and, when there are none, its current status.
 */
import type { HealthTransition } from '../../live/dashboard-aggregator';

export type SegmentState = 'healthy' | 'unhealthy' | 'unknown';

export interface HealthSegment {
  start: number;
  end: number;
  state: SegmentState;
  /** The transition that began the segment (null for the assumed start). */
  reason: string | null;
  source: HealthTransition['source'] | null;
}

export function healthSegments(transitions: readonly HealthTransition[], from: number, to: number, current: boolean | null): HealthSegment[] {
  if (to <= from) return [];
  const sorted = [...transitions].sort((a, b) => a.time - b.time);
  const before = sorted.filter((t) => t.time < from);
  const inside = sorted.filter((t) => t.time >= from && t.time <= to);
  let state: SegmentState;
  let reason: string | null = null;
  let source: HealthTransition['source'] | null = null;
  if (before.length > 0) {
    const last = before[before.length - 1];
    state = last.healthy ? 'healthy' : 'unhealthy';
    reason = last.reason;
    source = last.source;
  } else if (inside.length > 0) {
    state = inside[0].wasHealthy ? 'healthy' : 'unhealthy';
  } else {
    state = current === null ? 'unknown' : current ? 'healthy' : 'unhealthy';
  }
  const out: HealthSegment[] = [];
  let start = from;
  for (const t of inside) {
    const next: SegmentState = t.healthy ? 'healthy' : 'unhealthy';
    if (next === state) {
      // Another input changed, availability did not: keep the segment, note the latest reason.
      reason = t.reason;
      source = t.source;
      continue;
    }
    if (t.time > start) out.push({ start, end: t.time, state, reason, source });
    start = t.time;
    state = next;
    reason = t.reason;
    source = t.source;
  }
  out.push({ start, end: to, state, reason, source });
  return out;
}
