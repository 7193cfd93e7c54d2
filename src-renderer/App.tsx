import { useCallback, useEffect, useState } from 'react';
import { connect, RpcError, type Connection } from './client';

type Status =
  | { state: 'loading' }
  | { state: 'ok'; info: unknown }
  | { state: 'error'; code: string; message: string };

function toStatusError(err: unknown): Status {
  if (err instanceof RpcError) return { state: 'error', code: err.code, message: err.message };
  return { state: 'error', code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err) };
}

function openConnection(): Connection | Status {
  try {
    return connect();
  } catch (err) {
    return toStatusError(err);
  }
}

export function App() {
  const [connection] = useState(openConnection);
  const [status, setStatus] = useState<Status>(() =>
    'client' in connection ? { state: 'loading' } : connection,
  );

  const refresh = useCallback(async () => {
    if (!('client' in connection)) return;
    setStatus({ state: 'loading' });
    try {
      setStatus({ state: 'ok', info: await connection.client.call('app.info', {}) });
    } catch (err) {
      setStatus(toStatusError(err));
    }
  }, [connection]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>Switchyard</h1>
        {'mode' in connection && <span className="badge">{connection.mode}</span>}
      </header>
      <main>
        <section className="panel" aria-labelledby="status-title" data-testid="status-panel">
          <div className="panel-head">
            <h2 id="status-title">Status</h2>
            {'client' in connection && (
              <button type="button" onClick={() => void refresh()} disabled={status.state === 'loading'}>
                Refresh
              </button>
            )}
          </div>
          <StatusBody status={status} />
        </section>
      </main>
    </div>
  );
}

function StatusBody({ status }: { status: Status }) {
  switch (status.state) {
    case 'loading':
      return <p className="muted">Connecting…</p>;
    case 'ok':
      return (
        <pre className="info" data-testid="app-info">
          {JSON.stringify(status.info, null, 2)}
        </pre>
      );
    case 'error':
      return (
        <p className="error" role="alert" data-testid="status-error">
          <code>{status.code}</code> {status.message}
        </p>
      );
  }
}
