/**
 * What the Upstreams view shows, derived from `upstreams.status` (pure, tested):
 * one row per target with its availability explained by the three health
 * inputs (active check, passive ejection, manual drain), and the rule for
 * when draining needs a confirmation.
 */
import type { TargetStatus, UpstreamStatusMap } from '../../client/contract';
import { targetHealth, type TargetHealth } from '../../store/upstreams/selectors';

export interface TargetRow {
  upstream: string;
  id: string;
  url: string;
  weight: number;
  backup: boolean;
  health: TargetHealth;
  available: boolean;
  /** One short sentence: why the target is (not) taking traffic. */
  availability: string;
  activeCheck: 'passing' | 'failing';
  ejectedUntil: number | null;
  drained: boolean;
  inflight: number;
  requests: number;
  failures: number;
  /** failures / requests since the target was created (null before the first request). */
  errorRate: number | null;
}

export interface UpstreamTable {
  name: string;
  rows: TargetRow[];
  available: number;
  total: number;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function errorRate(t: Pick<TargetStatus, 'requests' | 'failures'>): number | null {
  return t.requests > 0 ? t.failures / t.requests : null;
}

export function formatRate(rate: number | null): string {
  if (rate === null) return '—';
  if (rate === 0) return '0%';
  if (rate < 0.001) return '<0.1%';
  return `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)}%`;
}

/** Why the target is or is not in rotation. `now` for the remaining ejection time. */
export function availabilityText(t: TargetStatus, now: number): string {
  const reasons: string[] = [];
  if (t.drained) reasons.push('drained by hand');
  if (t.ejected) {
    const left = t.ejectedUntil !== null ? Math.max(0, Math.ceil((t.ejectedUntil - now) / 1000)) : null;
    reasons.push(left !== null ? `ejected by outlier detection (${left}s left)` : 'ejected by outlier detection');
  }
  if (!t.activeHealthy) reasons.push('failing its health check');
  if (reasons.length === 0) {
    if (t.available) return t.backup ? 'Available (backup: used when no primary is)' : 'Available';
    return 'Unavailable';
  }
  const text = reasons.join(', ');
  return `${t.available ? 'Available, but ' : 'Unavailable: '}${text}`;
}

export function targetRow(upstream: string, t: TargetStatus, now: number): TargetRow {
  return {
    upstream,
    id: t.id,
    url: t.url,
    weight: t.weight,
    backup: t.backup,
    health: targetHealth(t),
    available: t.available,
    availability: availabilityText(t, now),
    activeCheck: t.activeHealthy ? 'passing' : 'failing',
    ejectedUntil: t.ejected ? t.ejectedUntil : null,
    drained: t.drained,
    inflight: t.inflight,
    requests: t.requests,
    failures: t.failures,
    errorRate: errorRate(t),
  };
}

export function upstreamTables(status: UpstreamStatusMap, now: number): UpstreamTable[] {
  return Object.keys(status)
    .sort((a, b) => a.localeCompare(b))
    .map((name) => {
      const rows = status[name].map((t) => targetRow(name, t, now));
      return { name, rows, available: rows.filter((r) => r.available).length, total: rows.length };
    });
}

export interface DrainCheck {
  /** Ask before draining. */
  confirm: boolean;
  /** What to tell the user (also shown as a note when no confirmation is needed). */
  message: string | null;
}

/**
 * Draining the last available target leaves the upstream with nothing to
 * send to (its routes answer 502/503): that needs a confirmation. Draining
 * the last available primary while a backup is up is allowed with a note.
 */
export function drainCheck(targets: readonly TargetStatus[], targetId: string, upstream: string): DrainCheck {
  const target = targets.find((t) => t.id === targetId);
  if (!target || target.drained || !target.available) return { confirm: false, message: null };
  const others = targets.filter((t) => t.id !== targetId && t.available);
  if (others.length === 0) {
    return {
      confirm: true,
      message: `${target.url} is the last available target of "${upstream}". Draining it leaves the upstream with no target: its routes will fail until a target is re-enabled or becomes healthy.`,
    };
  }
  if (!target.backup && !others.some((t) => !t.backup)) {
    return { confirm: false, message: `${target.url} is the last available primary of "${upstream}": traffic moves to its backup targets.` };
  }
  return { confirm: false, message: null };
}
