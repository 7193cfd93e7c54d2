import { useState } from 'react';
import type { UpstreamModel, WorkspaceModel } from '../model';
import { BALANCERS } from '../schema-enums';
import type { TargetFields, UpstreamFields } from '../workspace-edits';
import { Field, FormError, nameProblem } from './fields';

interface Props {
  model: WorkspaceModel;
  upstream: UpstreamModel | null;
  onSave(fields: UpstreamFields, newTargets: TargetFields[]): void;
  onDelete?(): void;
  onCancel(): void;
  onAddTarget?(): void;
  onEditTarget?(index: number): void;
  error: string | null;
}

export function UpstreamForm({ model, upstream, onSave, onDelete, onCancel, onAddTarget, onEditTarget, error }: Props) {
  const [name, setName] = useState(upstream?.name ?? '');
  const [balancer, setBalancer] = useState(upstream?.balancer ?? 'round-robin');
  const [firstUrl, setFirstUrl] = useState('http://127.0.0.1:9000');
  const [problem, setProblem] = useState<string | null>(null);
  const usedBy = upstream ? model.routes.filter((r) => r.upstream === upstream.name) : [];

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const taken = model.upstreams.filter((u) => u !== upstream).map((u) => u.name);
    const p = nameProblem(name.trim(), taken, 'upstream');
    if (p) return setProblem(p);
    if (!upstream && !/^https?:\/\/\S+$/.test(firstUrl.trim())) return setProblem('The first target needs a URL such as http://127.0.0.1:9000.');
    setProblem(null);
    onSave({ name: name.trim(), balancer }, upstream ? [] : [{ url: firstUrl.trim(), weight: 1, backup: false }]);
  };

  return (
    <form className="dform" onSubmit={submit} data-testid="upstream-form">
      <h2>{upstream ? `Upstream “${upstream.name}”` : 'New upstream'}</h2>
      <Field label="Name" hint={usedBy.length > 0 ? `Renaming also updates ${usedBy.map((r) => r.name).join(', ')}.` : undefined}>
        <input value={name} onChange={(e) => setName(e.target.value)} autoFocus={!upstream} data-testid="upstream-name" />
      </Field>
      <Field label="Balancer">
        <select value={balancer} onChange={(e) => setBalancer(e.target.value)} data-testid="upstream-balancer">
          {BALANCERS.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </Field>
      {upstream ? (
        <fieldset className="field">
          <legend className="field-label">Targets</legend>
          <ul className="target-list">
            {upstream.targets.map((t) => (
              <li key={t.index}>
                <button type="button" className="linkish mono" onClick={() => onEditTarget?.(t.index)}>
                  {t.url || '(no url)'}
                </button>
                <span className="muted small">
                  weight {t.weight}
                  {t.backup ? ' · backup' : ''}
                </span>
              </li>
            ))}
          </ul>
          <button type="button" onClick={onAddTarget} data-testid="upstream-add-target">
            + Add target
          </button>
        </fieldset>
      ) : (
        <Field label="First target" hint="More targets can be added afterwards.">
          <input className="mono" value={firstUrl} onChange={(e) => setFirstUrl(e.target.value)} data-testid="upstream-first-target" />
        </Field>
      )}
      <FormError error={problem ?? error} />
      <div className="dform-actions">
        <button type="submit" className="primary" data-testid="upstream-save">
          {upstream ? 'Save to YAML' : 'Add upstream'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {onDelete && (
          <button
            type="button"
            className="danger"
            onClick={onDelete}
            disabled={usedBy.length > 0}
            title={usedBy.length > 0 ? `Used by ${usedBy.map((r) => r.name).join(', ')}: point those routes elsewhere first.` : undefined}
            data-testid="upstream-delete"
          >
            Remove upstream
          </button>
        )}
      </div>
    </form>
  );
}
