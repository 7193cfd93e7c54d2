/** `switchyard export` (placeholder until its issue lands). */
import type { CliIO } from './io.js';

export async function exportCommand(_args: string[], io: CliIO): Promise<number> {
  io.err('switchyard export: not available in this build yet');
  return 2;
}
