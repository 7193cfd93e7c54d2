/** What the user must know about the draft: restored edits, a running config that moved, the last apply. */
import { useState } from 'react';
import { useAppStore } from '../../store';
import { selectLastApply, selectStaleBase } from '../../store/workspace/selectors';

export function WorkspaceBanners({ onShowDiff }: { onShowDiff?: () => void }) {
  const stale = useAppStore(selectStaleBase);
  const restored = useAppStore((s) => s.restoredDraft);
  const draftBase = useAppStore((s) => s.draftBase);
  const lastApply = useAppStore(selectLastApply);
  const workspaceError = useAppStore((s) => s.workspaceError);
  const rebaseDraft = useAppStore((s) => s.rebaseDraft);
  const revertDraft = useAppStore((s) => s.revertDraft);
  const runningGeneration = useAppStore((s) => s.running?.generation ?? null);
  const rejectedTextIsDraft = useAppStore((s) => s.lastApply.text === s.draft);
  const [hiddenApplyAt, setHiddenApplyAt] = useState<number | null>(null);
  // A result stays only while it is still true: the applied generation still runs, the rejected text is still the draft.
  const applyStillRelevant =
    (lastApply.status === 'applied' && lastApply.generation === runningGeneration) ||
    (lastApply.status === 'rejected' && rejectedTextIsDraft) ||
    lastApply.status === 'error';
  const [restoredHidden, setRestoredHidden] = useState(false);

  const diff = onShowDiff && (
    <button type="button" onClick={onShowDiff}>
      Diff vs running
    </button>
  );

  return (
    <div className="banners">
      {workspaceError && (
        <div className="banner bad" role="alert">
          Could not load the workspace: {workspaceError}
        </div>
      )}
      {stale ? (
        <div className="banner warn" role="alert" data-testid="stale-banner">
          <span>
            The running config changed underneath your edits (your draft started from generation {stale.fromGeneration}; generation{' '}
            {stale.toGeneration} runs now). Your edits are kept.
          </span>
          {diff}
          <button type="button" onClick={rebaseDraft}>
            Keep my draft
          </button>
          <button type="button" onClick={revertDraft}>
            Discard my draft
          </button>
        </div>
      ) : (
        restored &&
        !restoredHidden && (
          <div className="banner info" data-testid="restored-banner">
            <span>Restored your unapplied edits from the last session{draftBase ? ` (based on generation ${draftBase.generation})` : ''}.</span>
            {diff}
            <button type="button" onClick={() => setRestoredHidden(true)}>
              Dismiss
            </button>
          </div>
        )
      )}
      {lastApply.at !== null && lastApply.at !== hiddenApplyAt && applyStillRelevant && (
        <ApplyResult onDismiss={() => setHiddenApplyAt(lastApply.at)} />
      )}
    </div>
  );
}

function ApplyResult({ onDismiss }: { onDismiss: () => void }) {
  const a = useAppStore(selectLastApply);
  const generation = useAppStore((s) => s.running?.generation ?? null);
  const errors = a.issues.filter((i) => i.severity === 'error');
  const close = (
    <button type="button" className="banner-close" onClick={onDismiss} aria-label="Dismiss">
      ✕
    </button>
  );
  if (a.status === 'applied') {
    return (
      <div className="banner good" role="status" data-testid="apply-result">
        <span>
          Applied — generation {a.generation} is running.
          {a.warnings.length > 0 && (
            <ul>
              {a.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
        </span>
        {close}
      </div>
    );
  }
  if (a.status === 'rejected') {
    return (
      <div className="banner bad" role="alert" data-testid="apply-result">
        <span>
          Not applied: {errors.length} error{errors.length === 1 ? '' : 's'}. The running config{generation !== null ? ` (generation ${generation})` : ''} is
          unchanged.
          <ul>
            {errors.slice(0, 5).map((i) => (
              <li key={`${i.line}:${i.column}:${i.message}`}>
                line {i.line}:{i.column} — {i.message}
              </li>
            ))}
            {errors.length > 5 && <li>… and {errors.length - 5} more</li>}
          </ul>
        </span>
        {close}
      </div>
    );
  }
  return (
    <div className="banner bad" role="alert" data-testid="apply-result">
      <span>Apply failed: {a.error}</span>
      {close}
    </div>
  );
}
