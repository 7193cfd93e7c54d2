import { useState } from 'react';
import type { RouteFields } from '../workspace-edits';
import type { RouteModel, WorkspaceModel } from '../model';
import { HTTP_METHODS } from '../schema-enums';
import { Field, FormError, nameProblem, splitList } from './fields';

interface Props {
  model: WorkspaceModel;
  route: RouteModel | null;
  onSave(fields: RouteFields): void;
  onDelete?(): void;
  onCancel(): void;
  error: string | null;
}

export function RouteForm({ model, route, onSave, onDelete, onCancel, error }: Props) {
  const [name, setName] = useState(route?.name ?? '');
  const [hosts, setHosts] = useState(route?.hosts.join(', ') ?? '');
  const [path, setPath] = useState(route?.path ?? '/');
  const [exact, setExact] = useState(route?.exact ?? false);
  const [methods, setMethods] = useState<string[]>(route?.methods ?? []);
  const [upstream, setUpstream] = useState(route?.upstream ?? model.upstreams[0]?.name ?? '');
  const [policies, setPolicies] = useState<string[]>(route?.policies ?? []);
  const [problem, setProblem] = useState<string | null>(null);

  const taken = model.routes.filter((r) => r !== route).map((r) => r.name);
  const answersDirectly = route?.respond || route?.redirect;
  const upstreamChoices = [...new Set([...model.upstreams.map((u) => u.name), ...(route?.upstream ? [route.upstream] : [])])];
  const policyChoices = model.policies.map((p) => p.name).filter((p) => !policies.includes(p));

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const p = nameProblem(name.trim(), taken, 'route');
    if (p) return setProblem(p);
    if (path && !path.startsWith('/')) return setProblem('The path starts with "/".');
    setProblem(null);
    onSave({ name: name.trim(), hosts: splitList(hosts), path: path.trim(), exact, methods, upstream, policies });
  };

  const toggleMethod = (m: string) => setMethods((ms) => (ms.includes(m) ? ms.filter((x) => x !== m) : HTTP_METHODS.filter((x) => x === m || ms.includes(x))));
  const move = (i: number, d: -1 | 1) =>
    setPolicies((ps) => {
      const next = [...ps];
      [next[i], next[i + d]] = [next[i + d], next[i]];
      return next;
    });

  return (
    <form className="dform" onSubmit={submit} data-testid="route-form">
      <h2>{route ? `Route “${route.name}”` : 'New route'}</h2>
      <Field label="Name">
        <input value={name} onChange={(e) => setName(e.target.value)} autoFocus={!route} data-testid="route-name" />
      </Field>
      <Field label="Host" hint="Comma-separated; *.example.test matches subdomains. Empty: any host.">
        <input value={hosts} onChange={(e) => setHosts(e.target.value)} placeholder="any host" data-testid="route-host" />
      </Field>
      <Field label="Path" hint={exact ? 'Exactly this path.' : 'A prefix on segment boundaries: /api matches /api/x, not /apix.'}>
        <input className="mono" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/" data-testid="route-path" />
      </Field>
      <label className="check">
        <input type="checkbox" checked={exact} onChange={(e) => setExact(e.target.checked)} /> Exact path
      </label>
      <fieldset className="field">
        <legend className="field-label">Methods {methods.length === 0 && <span className="muted">(any)</span>}</legend>
        <div className="chips">
          {HTTP_METHODS.map((m) => (
            <button type="button" key={m} className={methods.includes(m) ? 'chip on' : 'chip'} aria-pressed={methods.includes(m)} onClick={() => toggleMethod(m)}>
              {m}
            </button>
          ))}
        </div>
      </fieldset>
      <Field label="Upstream" hint={answersDirectly ? 'This route answers directly (respond/redirect in the YAML).' : undefined}>
        <select value={upstream} onChange={(e) => setUpstream(e.target.value)} data-testid="route-upstream">
          <option value="">(none)</option>
          {upstreamChoices.map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
      </Field>
      <fieldset className="field">
        <legend className="field-label">Policies, in order</legend>
        {policies.length === 0 && <p className="muted small">No policies.</p>}
        <ol className="policy-list">
          {policies.map((p, i) => (
            <li key={p}>
              <span className="mono">{p}</span>
              <span className="row-actions">
                <button type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move ${p} up`}>
                  ↑
                </button>
                <button type="button" onClick={() => move(i, 1)} disabled={i === policies.length - 1} aria-label={`Move ${p} down`}>
                  ↓
                </button>
                <button type="button" onClick={() => setPolicies((ps) => ps.filter((x) => x !== p))} aria-label={`Remove ${p}`}>
                  ✕
                </button>
              </span>
            </li>
          ))}
        </ol>
        {policyChoices.length > 0 && (
          <select value="" onChange={(e) => e.target.value && setPolicies((ps) => [...ps, e.target.value])} aria-label="Add a policy" data-testid="route-add-policy">
            <option value="">+ add a policy…</option>
            {policyChoices.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        )}
      </fieldset>
      <FormError error={problem ?? error} />
      <div className="dform-actions">
        <button type="submit" className="primary" data-testid="route-save">
          {route ? 'Save to YAML' : 'Add route'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {onDelete && (
          <button type="button" className="danger" onClick={onDelete} data-testid="route-delete">
            Remove route
          </button>
        )}
      </div>
    </form>
  );
}
