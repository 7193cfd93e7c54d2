/** `switchyard ca` (placeholder until its issue lands). */
import type { CliIO } from './io.js';

export async function caCommand(_args: string[], io: CliIO): Promise<number> {
  io.err('switchyard ca: not available in this build yet');
  return 2;
}
