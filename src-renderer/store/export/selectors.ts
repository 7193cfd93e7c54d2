import type { Fidelity, TranslationNote } from '../../../src-proxy/export/exporter';
import type { AppState } from '../types';

export const selectExportTarget = (s: AppState) => s.exportTarget;
export const selectExportIncludeSecrets = (s: AppState) => s.exportIncludeSecrets;
export const selectExportResult = (s: AppState) => s.exportResult;
export const selectExportStatus = (s: AppState) => s.exportStatus;
export const selectExportError = (s: AppState) => s.exportError;

export interface NoteGroup {
  fidelity: Fidelity;
  notes: TranslationNote[];
}

/** Worst first: what was left out matters most, then what changed, then what is exact. */
export const FIDELITY_ORDER: readonly Fidelity[] = ['unsupported', 'approximated', 'exact'];

/** The notes grouped by fidelity (worst first), empty groups left out. */
export function groupNotes(notes: readonly TranslationNote[]): NoteGroup[] {
  return FIDELITY_ORDER.map((fidelity) => ({ fidelity, notes: notes.filter((n) => n.fidelity === fidelity) })).filter((g) => g.notes.length > 0);
}
