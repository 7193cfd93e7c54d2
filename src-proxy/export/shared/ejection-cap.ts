/**
 * For targets whose passive health checks can take every server out at once
 * (nginx, HAProxy, Caddy, Traefik, Kong): `outlierDetection.maxEjectionPercent`
 * has no equivalent there. Only a cap below 100 changes behaviour, so only
 * that is reported.
 */
import type { UpstreamPlan } from '../../config/plan.js';

interface UnsupportedNotes {
  unsupported(subject: string, detail: string): void;
}

export function noteUncappedEjection(u: UpstreamPlan, subject: string, engine: string, notes: UnsupportedNotes): void {
  const max = u.outlier?.maxEjectionPercent;
  if (max === undefined || max >= 100) return;
  notes.unsupported(
    `${subject}: outlierDetection.maxEjectionPercent`,
    `${engine} has no cap on how many servers failures take out, so all of them may be down at once (Switchyard ejects at most ${max}%)`,
  );
}
