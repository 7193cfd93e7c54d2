/** Checks shared by the compile steps (compile.ts, compile-upstream.ts). */
import { parseDuration } from './units.js';

/** Reports a problem at a path in the workspace. */
export type Report = (path: (string | number)[], message: string) => void;

/** Node's timers fire at once for delays over 2^31-1 ms (about 24.8 days): refuse durations they would cut short. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function checkTimer(text: string | undefined, path: (string | number)[], error: Report, factor = 1): void {
  if (text === undefined || parseDuration(text) * factor <= MAX_TIMER_MS) return;
  const max = factor === 1 ? '24d' : `${Math.floor(MAX_TIMER_MS / factor / 3_600_000)}h`;
  error(path, `${text} is too long; at most ${max}${factor === 1 ? '' : ` (it grows up to ${factor}× on repeated ejections)`}`);
}

/**
 * Refuses a zero duration where zero would not mean what it says: undici and
 * node read a 0 timeout as "no limit", a 0 probe timeout fails every probe, a
 * 0 ejection or rate-limit window does nothing.
 */
export function checkPositive(text: string | undefined, path: (string | number)[], error: Report, why: string): void {
  if (text !== undefined && parseDuration(text) === 0) error(path, `${path.slice(-2).join('.')} must be longer than 0 (${why})`);
}
