import type { ConfigIssue } from '../../client/contract';
import type { AppState } from '../types';

export const selectDraft = (s: AppState) => s.draft;
export const selectRunning = (s: AppState) => s.running;
export const selectRunningGeneration = (s: AppState) => s.running?.generation ?? null;
export const selectIsDirty = (s: AppState) => s.running !== null && s.draft !== s.running.text;
export const selectStaleBase = (s: AppState) => s.staleBase;
export const selectValidation = (s: AppState) => s.validation;
export const selectLastApply = (s: AppState) => s.lastApply;
export const selectWorkspaceStatus = (s: AppState) => s.workspaceStatus;

const NO_ISSUES: ConfigIssue[] = [];

/**
 * The engine's issues that belong to the current draft text: a rejected
 * apply's or the latest validation's, whichever matches the text. Issues of
 * an older text are not shown (they would point at the wrong lines).
 */
export function selectCurrentIssues(s: AppState): ConfigIssue[] {
  if (s.validation.text === s.draft) return s.validation.issues;
  if (s.lastApply.status === 'rejected' && s.lastApply.text === s.draft) return s.lastApply.issues;
  return NO_ISSUES;
}

export const selectErrorCount = (s: AppState) => selectCurrentIssues(s).filter((i) => i.severity === 'error').length;
export const selectWarningCount = (s: AppState) => selectCurrentIssues(s).filter((i) => i.severity === 'warning').length;
