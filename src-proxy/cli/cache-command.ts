/** `switchyard cache` (placeholder until its issue lands). */
import type { CliIO } from './io.js';

export async function cacheCommand(_args: string[], io: CliIO): Promise<number> {
  io.err('switchyard cache: not available in this build yet');
  return 2;
}
