import { useState } from 'react';
import { useAppStore } from '../../../store';
import { findTargetStatus, targetHealth } from '../../../store/upstreams/selectors';
import type { TargetModel } from '../model';
import type { TargetFields } from '../workspace-edits';
import { Field, FormError } from './fields';

interface Props {
  upstream: string;
  target: TargetModel | null;
  onSave(fields: TargetFields): void;
  onDelete?(): void;
  onCancel(): void;
  canDelete: boolean;
  error: string | null;
}

export function TargetForm({ upstream, target, onSave, onDelete, onCancel, canDelete, error }: Props) {
  const [url, setUrl] = useState(target?.url ?? 'http://127.0.0.1:');
  const [weight, setWeight] = useState(String(target?.weight ?? 1));
  const [backup, setBackup] = useState(target?.backup ?? false);
  const [problem, setProblem] = useState<string | null>(null);
  const status = useAppStore((s) => (target ? findTargetStatus(s, upstream, target.index, target.url) : undefined));
  const setDrained = useAppStore((s) => s.setDrained);
  const health = targetHealth(status);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const w = Number(weight);
    if (!/^https?:\/\/\S+$/.test(url.trim()) && !/^\{\{demo:[a-z0-9-]+\}\}$/.test(url.trim())) return setProblem('A target URL looks like http://127.0.0.1:9000.');
    if (!Number.isInteger(w) || w < 1 || w > 1000) return setProblem('The weight is a whole number from 1 to 1000.');
    setProblem(null);
    onSave({ url: url.trim(), weight: w, backup });
  };

  return (
    <form className="dform" onSubmit={submit} data-testid="target-form">
      <h2>{target ? 'Target' : 'New target'}</h2>
      <p className="muted small">
        in upstream <span className="mono">{upstream}</span>
      </p>
      <Field label="URL">
        <input className="mono" value={url} onChange={(e) => setUrl(e.target.value)} autoFocus={!target} data-testid="target-url" />
      </Field>
      <Field label="Weight" hint="Relative share of traffic (1–1000).">
        <input type="number" min={1} max={1000} value={weight} onChange={(e) => setWeight(e.target.value)} data-testid="target-weight" />
      </Field>
      <label className="check">
        <input type="checkbox" checked={backup} onChange={(e) => setBackup(e.target.checked)} data-testid="target-backup" /> Backup (used only when no primary
        target is available)
      </label>
      {target && status && (
        <div className={`live-health health-${health}`} data-testid="target-live">
          <div className="live-health-head">
            <span className="health-dot" aria-hidden />
            <strong>{health}</strong>
            <button type="button" onClick={() => void setDrained(upstream, status.id, !status.drained)} title="Takes effect at once, without applying the YAML">
              {status.drained ? 'Re-enable' : 'Drain'}
            </button>
          </div>
          <span className="muted small">
            {status.inflight} in flight · {status.requests} requests · {status.failures} failures
          </span>
        </div>
      )}
      <FormError error={problem ?? error} />
      <div className="dform-actions">
        <button type="submit" className="primary" data-testid="target-save">
          {target ? 'Save to YAML' : 'Add target'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {onDelete && (
          <button type="button" className="danger" onClick={onDelete} disabled={!canDelete} title={canDelete ? undefined : 'An upstream needs at least one target.'} data-testid="target-delete">
            Remove target
          </button>
        )}
      </div>
    </form>
  );
}
