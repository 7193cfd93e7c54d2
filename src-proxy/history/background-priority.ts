/**
 * Recording history is background work: on a busy machine the gateway's own
 * thread, and the user's other programs, should get the CPU first. The writer
 * thread (and its checkpoint thread) lowers its own scheduling priority, so it gives way when cores are
 * contended, but only to nice 5, where it still gets about a quarter of a
 * contended core (CFS weights 335 : 1024): at the lowest priority (19, 1.5%)
 * any other busy program starved it, and a load test then lost most bodies and
 * a crash seconds of records (docs/decisions.md). When it cannot keep up, the
 * writer's bounded queue sheds bodies first, counted and shown, as it does for
 * a slow disk.
 *
 * Only on Linux, where the nice value belongs to the calling thread
 * (`setpriority(PRIO_PROCESS, 0, …)`, see setpriority(2) "BUGS"). On macOS and
 * Windows the same call would lower the whole process, the gateway included,
 * so it is not made there.
 */
import os from 'node:os';

/** The writer thread's nice value. */
export const BACKGROUND_NICE = 5;

/** Lowers the calling thread's priority where that is per-thread; true when it did. */
export function lowerThisThreadPriority(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  try {
    os.setPriority(BACKGROUND_NICE);
    return true;
  } catch {
    // A sandbox may forbid it (seccomp); the writer then runs at normal priority.
    return false;
  }
}
