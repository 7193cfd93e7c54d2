import { useEffect, useMemo, useRef, useState } from 'react';
import { keepTabInside, useReturnFocus } from '../../shared/dialog/dialog-focus';
import { useAppStore } from '../../store';
import { selectUpstreamStatus, selectUpstreamsUpdatedAt } from '../../store/upstreams/selectors';
import { drainCheck, formatClock, formatRate, upstreamTables, type TargetRow, type UpstreamTable } from './rows';
import { useLiveUpstreamStatus } from './use-live-status';
import './upstreams.css';

interface PendingDrain {
  upstream: string;
  id: string;
  message: string;
}

function HealthPill({ row }: { row: TargetRow }) {
  const cls = row.health === 'healthy' ? 'good' : row.health === 'drained' ? 'warn' : 'bad';
  return (
    <span className={`pill ${cls}`} data-testid="target-health">
      <span className={`health-dot ${row.health}`} /> {row.health}
    </span>
  );
}

function ConfirmDrain({ pending, onCancel, onConfirm }: { pending: PendingDrain; onCancel: () => void; onConfirm: () => void }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useReturnFocus();
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div className="overlay" role="presentation" onMouseDown={(e) => e.target === e.currentTarget && onCancel()} onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="drain-title" data-testid="drain-confirm" onKeyDown={keepTabInside}>
        <div className="dialog-head">
          <h2 id="drain-title">Drain the last available target?</h2>
        </div>
        <p>{pending.message}</p>
        <div className="dialog-actions">
          <button type="button" ref={cancelRef} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={onConfirm} data-testid="drain-confirm-yes">
            Drain anyway
          </button>
        </div>
      </div>
    </div>
  );
}

function TargetTable({
  table,
  busy,
  onDrain,
  onEnable,
}: {
  table: UpstreamTable;
  busy: string | null;
  onDrain: (upstream: string, id: string) => void;
  onEnable: (upstream: string, id: string) => void;
}) {
  return (
    <section className="upstream-card" data-testid={`upstream-${table.name}`}>
      <header>
        <h2 className="mono">{table.name}</h2>
        <span className={table.available === 0 ? 'bad small' : 'muted small'}>
          {table.available} of {table.total} target{table.total === 1 ? '' : 's'} available
        </span>
      </header>
      <table className="data-table">
        <thead>
          <tr>
            <th>Target (backup marked)</th>
            <th className="num">Weight</th>
            <th>Availability</th>
            <th>Active check</th>
            <th>Ejected until</th>
            <th>Drained</th>
            <th className="num">In flight</th>
            <th className="num">Requests</th>
            <th className="num">Failures</th>
            <th className="num">Error rate</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr key={r.id} data-testid="target-row">
              <td className="mono">
                {r.url} {r.backup && <span className="pill">backup</span>}
              </td>
              <td className="num">{r.weight}</td>
              <td className="wrap">
                <HealthPill row={r} /> <span className="small">{r.availability}</span>
              </td>
              <td className={r.activeCheck === 'passing' ? 'good' : 'bad'}>{r.activeCheck}</td>
              <td>{r.ejectedUntil !== null ? formatClock(r.ejectedUntil) : <span className="muted">—</span>}</td>
              <td>{r.drained ? 'yes' : <span className="muted">no</span>}</td>
              <td className="num">{r.inflight}</td>
              <td className="num">{r.requests}</td>
              <td className="num">{r.failures}</td>
              <td className={`num${r.errorRate !== null && r.errorRate >= 0.05 ? ' bad' : ''}`}>{formatRate(r.errorRate)}</td>
              <td>
                {r.drained ? (
                  <button type="button" disabled={busy === r.id} onClick={() => onEnable(table.name, r.id)} data-testid="target-enable">
                    Re-enable
                  </button>
                ) : (
                  <button type="button" disabled={busy === r.id} onClick={() => onDrain(table.name, r.id)} data-testid="target-drain">
                    Drain
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function UpstreamsView() {
  useLiveUpstreamStatus(1000);
  const status = useAppStore(selectUpstreamStatus);
  const updatedAt = useAppStore(selectUpstreamsUpdatedAt);
  const error = useAppStore((s) => s.upstreamsError);
  const setDrained = useAppStore((s) => s.setDrained);
  const [pending, setPending] = useState<PendingDrain | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  // Derived with the poll's timestamp (not Date.now() during render) so "Ns left" follows each refresh.
  const tables = useMemo(() => upstreamTables(status, updatedAt ?? 0), [status, updatedAt]);

  const run = async (upstream: string, id: string, drained: boolean) => {
    setBusy(id);
    try {
      await setDrained(upstream, id, drained);
    } finally {
      setBusy(null);
    }
  };

  const onDrain = (upstream: string, id: string) => {
    const check = drainCheck(status[upstream] ?? [], id, upstream);
    if (check.confirm && check.message) {
      setPending({ upstream, id, message: check.message });
      return;
    }
    setNote(check.message);
    void run(upstream, id, true);
  };

  const onEnable = (upstream: string, id: string) => {
    setNote(null);
    void run(upstream, id, false);
  };

  return (
    <div className="view upstreams-view" data-testid="view-upstreams">
      <header className="view-head">
        <h1>Upstreams</h1>
        <span className="muted view-sub">
          Live every second. Drain takes a target out of rotation at once (in-flight requests finish); it is not written to the YAML.
        </span>
      </header>
      <div className="toolbar">
        <span className="muted toolbar-state">{updatedAt ? `Updated ${formatClock(updatedAt)}` : 'Loading…'}</span>
        <span className="toolbar-spacer" />
        <span className="muted small">Requests and failures count since the target was created (an apply that changes the upstream restarts them).</span>
      </div>
      {error && (
        <div className="banner bad" role="alert">
          <span>{error}</span>
        </div>
      )}
      {note && (
        <div className="banner info" role="status">
          <span>{note}</span>
          <button type="button" className="banner-close" aria-label="Dismiss" onClick={() => setNote(null)}>
            ✕
          </button>
        </div>
      )}
      <div className="upstreams-body">
        {updatedAt !== null && tables.length === 0 && <p className="muted">The running config has no upstreams.</p>}
        {tables.map((t) => (
          <TargetTable key={t.name} table={t} busy={busy} onDrain={onDrain} onEnable={onEnable} />
        ))}
      </div>
      {pending && (
        <ConfirmDrain
          pending={pending}
          onCancel={() => setPending(null)}
          onConfirm={() => {
            const p = pending;
            setPending(null);
            void run(p.upstream, p.id, true);
          }}
        />
      )}
    </div>
  );
}
