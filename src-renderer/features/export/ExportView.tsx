import { lazy, Suspense, useEffect, useMemo } from 'react';
import { downloadText } from '../../shared/download';
import { useAppStore, useAppStoreApi } from '../../store';
import {
  groupNotes,
  selectExportError,
  selectExportIncludeSecrets,
  selectExportResult,
  selectExportStatus,
  selectExportTarget,
} from '../../store/export/selectors';
import { selectRunningGeneration } from '../../store/workspace/selectors';
import { targetInfo, TARGETS } from './targets';
import './export.css';

// Monaco is large: its chunk loads with the view, and tests can swap the viewer.
const ConfigViewer = lazy(() => import('./ConfigViewer').then((m) => ({ default: m.ConfigViewer })));

const FIDELITY_LABEL = { unsupported: 'Not translated', approximated: 'Approximated', exact: 'Exact' } as const;

export function ExportView() {
  const api = useAppStoreApi();
  const target = useAppStore(selectExportTarget);
  const includeSecrets = useAppStore(selectExportIncludeSecrets);
  const result = useAppStore(selectExportResult);
  const status = useAppStore(selectExportStatus);
  const error = useAppStore(selectExportError);
  const generation = useAppStore(selectRunningGeneration);
  const groups = useMemo(() => groupNotes(result?.notes ?? []), [result]);

  // Render on open, on every choice, and when a new config starts running.
  useEffect(() => {
    void api.getState().renderExport();
  }, [api, target, includeSecrets, generation]);

  const shown = result && result.target === target ? result : null;
  return (
    <div className="view export-view" data-testid="view-export">
      <header className="view-head">
        <h1>Export</h1>
        <span className="muted view-sub">The running workspace as a production config. What does not translate exactly is listed beside it.</span>
      </header>
      <div className="toolbar">
        <div className="export-targets" role="radiogroup" aria-label="Target">
          {TARGETS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="radio"
              aria-checked={t.id === target}
              className={t.id === target ? 'on' : ''}
              onClick={() => api.getState().setExportTarget(t.id)}
              data-testid={`export-target-${t.id}`}
            >
              {t.label}
            </button>
          ))}
        </div>
        <label className="small export-secrets">
          <input type="checkbox" checked={includeSecrets} onChange={(e) => api.getState().setExportIncludeSecrets(e.target.checked)} data-testid="export-secrets" />{' '}
          Include secrets
        </label>
        <span className="toolbar-spacer" />
        <span className="muted toolbar-state" data-testid="export-state">
          {status === 'loading' ? 'Rendering…' : shown ? shown.fileName : ''}
        </span>
        <button type="button" disabled={!shown} onClick={() => shown && downloadText(shown.fileName, shown.text)} data-testid="export-save">
          Save…
        </button>
      </div>
      {includeSecrets && (
        <div className="banner warn" role="status">
          <span>Secrets (API keys, JWT secrets, password hashes) are written in clear. Do not commit the file as is.</span>
        </div>
      )}
      {error && (
        <div className="banner bad" role="alert" data-testid="export-error">
          <span>{error}</span>
        </div>
      )}
      <div className="export-main">
        <div className="export-text">
          {shown ? (
            <Suspense fallback={<p className="muted">Loading the viewer…</p>}>
              <ConfigViewer text={shown.text} language={targetInfo(target).language} />
            </Suspense>
          ) : (
            status !== 'error' && <p className="muted export-empty">Rendering {targetInfo(target).label}…</p>
          )}
        </div>
        <aside className="export-notes" aria-label="Translation notes" data-testid="export-notes">
          <h2>Translation notes</h2>
          {shown && groups.length === 0 && <p className="muted small">Nothing to report.</p>}
          {shown &&
            groups.map((g) => (
              <section key={g.fidelity} className={`note-group fidelity-${g.fidelity}`} data-testid={`notes-${g.fidelity}`}>
                <h3>
                  {FIDELITY_LABEL[g.fidelity]} <span className="note-count">{g.notes.length}</span>
                </h3>
                <ul>
                  {g.notes.map((n, i) => (
                    <li key={i}>
                      <span className="mono note-subject">{n.subject}</span>
                      <span className="small note-detail">{n.detail}</span>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
        </aside>
      </div>
    </div>
  );
}
