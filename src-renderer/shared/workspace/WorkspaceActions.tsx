/**
 * Validate / Apply / Revert for the draft workspace, shared by the Routes
 * editor and the Designer (both edit the same draft), with the
 * Ctrl/Cmd+S and Ctrl/Cmd+Enter shortcuts bound while mounted.
 */
import type { ReactNode } from 'react';
import { formatCombo, useShortcut } from '../../app/shortcuts';
import { useAppStore } from '../../store';
import { selectErrorCount, selectIsDirty, selectLastApply, selectRunningGeneration, selectValidation, selectWarningCount } from '../../store/workspace/selectors';

export function WorkspaceActions({ children }: { children?: ReactNode }) {
  const dirty = useAppStore(selectIsDirty);
  const validation = useAppStore(selectValidation);
  const lastApply = useAppStore(selectLastApply);
  const errors = useAppStore(selectErrorCount);
  const warnings = useAppStore(selectWarningCount);
  const generation = useAppStore(selectRunningGeneration);
  const ready = useAppStore((s) => s.workspaceStatus === 'ready');
  const validateDraft = useAppStore((s) => s.validateDraft);
  const applyDraft = useAppStore((s) => s.applyDraft);
  const validateAndApply = useAppStore((s) => s.validateAndApply);
  const revertDraft = useAppStore((s) => s.revertDraft);

  useShortcut('workspace.validateApply', () => void validateAndApply(), ready);
  useShortcut('workspace.apply', () => void applyDraft(), ready);

  const applying = lastApply.status === 'applying';
  return (
    <div className="toolbar workspace-toolbar" role="toolbar" aria-label="Workspace">
      <button type="button" onClick={() => void validateDraft()} disabled={!ready} title={`Check the draft with the engine (${formatCombo('Mod+S')} validates and applies)`} data-testid="validate">
        Validate
      </button>
      <button
        type="button"
        className="primary"
        onClick={() => void applyDraft()}
        disabled={!ready || applying}
        title={`Apply the draft atomically; an invalid config changes nothing (${formatCombo('Mod+Enter')})`}
        data-testid="apply"
      >
        {applying ? 'Applying…' : 'Apply'}
      </button>
      <button type="button" onClick={revertDraft} disabled={!ready || !dirty} title="Back to the running config (undo with Ctrl+Z in the editor)" data-testid="revert">
        Revert
      </button>
      {children}
      <span className="toolbar-spacer" />
      <span className="toolbar-state" data-testid="draft-state">
        {validation.status === 'pending' ? (
          <span className="muted">Validating…</span>
        ) : errors > 0 ? (
          <span className="bad">
            ✗ {errors} error{errors === 1 ? '' : 's'}
          </span>
        ) : validation.status === 'valid' || validation.status === 'invalid' ? (
          <span className="good">✓ valid{warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}</span>
        ) : validation.status === 'error' ? (
          <span className="bad" title={validation.error ?? undefined}>
            validation failed
          </span>
        ) : null}
        <span className="muted">
          {dirty ? ' · modified' : ' · same as running'}
          {generation !== null && ` · running gen ${generation}`}
        </span>
      </span>
    </div>
  );
}
