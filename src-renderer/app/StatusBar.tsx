import { useAppStore } from '../store';
import { selectAppInfo, selectConnectError, selectMode, selectStream, streamLabel } from '../store/connection/selectors';
import { selectErrorCount, selectIsDirty, selectRunningGeneration, selectValidation } from '../store/workspace/selectors';

export function StatusBar() {
  const mode = useAppStore(selectMode);
  const stream = useAppStore(selectStream);
  const label = useAppStore(streamLabel);
  const connectError = useAppStore(selectConnectError);
  const generation = useAppStore(selectRunningGeneration);
  const dirty = useAppStore(selectIsDirty);
  const errors = useAppStore(selectErrorCount);
  const validation = useAppStore(selectValidation);
  const info = useAppStore(selectAppInfo);
  const dropped = useAppStore((s) => s.droppedEvents);

  return (
    <footer className="statusbar" data-testid="status-bar">
      <span className={`status-item stream stream-${connectError ? 'error' : stream.state}`} title={stream.reason ?? undefined} data-testid="stream-state">
        <span className="dot" aria-hidden />
        {connectError ? 'Not connected' : label}
      </span>
      {generation !== null && (
        <span className="status-item" data-testid="running-generation">
          Running config: generation {generation}
        </span>
      )}
      {dirty && <span className="status-item status-dirty">Draft has unapplied changes</span>}
      {validation.status === 'pending' ? (
        <span className="status-item muted">Validating…</span>
      ) : errors > 0 ? (
        <span className="status-item status-bad">
          {errors} error{errors === 1 ? '' : 's'} in the draft
        </span>
      ) : null}
      {dropped > 0 && <span className="status-item status-warn">{dropped} event batches dropped (page fell behind)</span>}
      <span className="status-spacer" />
      {mode && <span className="status-item muted">{mode === 'desktop' ? 'Desktop' : 'Browser'} mode</span>}
      {info && <span className="status-item muted">v{info.version}</span>}
    </footer>
  );
}
