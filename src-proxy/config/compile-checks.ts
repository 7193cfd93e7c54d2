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
