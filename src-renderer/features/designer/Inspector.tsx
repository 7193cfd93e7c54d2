/**
 * The designer's side panel: a form for the selected thing. Every save turns
 * into a text edit of the draft YAML (workspace-edits.ts); the picture and
 * the editor both follow the draft.
 */
import { useState } from 'react';
import { useAppStore, useAppStoreApi } from '../../store';
import type { DesignerSelection } from '../../store/designer/state';
import { RouteForm } from './forms/RouteForm';
import { TargetForm } from './forms/TargetForm';
import { UpstreamForm } from './forms/UpstreamForm';
import type { WorkspaceModel } from './model';
import * as edits from './workspace-edits';

export function Inspector({ model, selection }: { model: WorkspaceModel; selection: DesignerSelection }) {
  const api = useAppStoreApi();
  const select = useAppStore((s) => s.selectInDesigner);
  const [error, setError] = useState<string | null>(null);
  const close = () => select(null);

  /** Run a text edit on the current draft; on success move the selection. */
  const edit = (fn: (text: string) => string, next: DesignerSelection | null) => {
    try {
      const text = fn(api.getState().draft);
      api.getState().setDraft(text, 'designer');
      setError(null);
      select(next);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  switch (selection.kind) {
    case 'new-route':
    case 'route': {
      const route = selection.kind === 'route' ? model.routes[selection.index] ?? null : null;
      if (selection.kind === 'route' && !route) return <Gone onClose={close} />;
      return (
        <RouteForm
          model={model}
          route={route}
          error={error}
          onCancel={close}
          onSave={(f) =>
            route
              ? edit((t) => edits.updateRoute(t, route.index, f), { kind: 'route', index: route.index })
              : edit((t) => edits.addRoute(t, f), { kind: 'route', index: model.routes.length })
          }
          onDelete={route ? () => edit((t) => edits.removeRoute(t, route.index), null) : undefined}
        />
      );
    }
    case 'new-upstream':
    case 'upstream': {
      const upstream = selection.kind === 'upstream' ? model.upstreams.find((u) => u.name === selection.name) ?? null : null;
      if (selection.kind === 'upstream' && !upstream) return <MissingUpstream name={selection.name} model={model} onClose={close} />;
      return (
        <UpstreamForm
          model={model}
          upstream={upstream}
          error={error}
          onCancel={close}
          onSave={(f, targets) =>
            upstream
              ? edit((t) => edits.updateUpstream(t, upstream.name, f), { kind: 'upstream', name: f.name })
              : edit((t) => edits.addUpstream(t, f, targets), { kind: 'upstream', name: f.name })
          }
          onDelete={upstream ? () => edit((t) => edits.removeUpstream(t, upstream.name), null) : undefined}
          onAddTarget={upstream ? () => select({ kind: 'new-target', upstream: upstream.name }) : undefined}
          onEditTarget={upstream ? (index) => select({ kind: 'target', upstream: upstream.name, index }) : undefined}
        />
      );
    }
    case 'new-target':
    case 'target': {
      const upstream = model.upstreams.find((u) => u.name === selection.upstream);
      const target = selection.kind === 'target' ? upstream?.targets[selection.index] ?? null : null;
      if (!upstream || (selection.kind === 'target' && !target)) return <Gone onClose={close} />;
      return (
        <TargetForm
          upstream={upstream.name}
          target={target}
          error={error}
          canDelete={upstream.targets.length > 1}
          onCancel={close}
          onSave={(f) =>
            target
              ? edit((t) => edits.updateTarget(t, upstream.name, target.index, f), { kind: 'target', upstream: upstream.name, index: target.index })
              : edit((t) => edits.addTarget(t, upstream.name, f), { kind: 'target', upstream: upstream.name, index: upstream.targets.length })
          }
          onDelete={target ? () => edit((t) => edits.removeTarget(t, upstream.name, target.index), { kind: 'upstream', name: upstream.name }) : undefined}
        />
      );
    }
    case 'policy': {
      const policy = model.policies.find((p) => p.name === selection.name);
      const users = model.routes.filter((r) => r.policies.includes(selection.name));
      return (
        <div className="dform" data-testid="policy-info">
          <h2>Policy “{selection.name}”</h2>
          {policy ? (
            <p>
              Type <span className="mono">{policy.type}</span>
              {policy.description && <> — {policy.description}</>}
            </p>
          ) : (
            <p className="form-error">Routes refer to this policy, but it is not defined under policies:.</p>
          )}
          <p className="muted small">Used by: {users.length ? users.map((r) => r.name).join(', ') : 'no route'}.</p>
          <p className="muted small">Policy settings are edited in the Routes editor; attach or detach a policy in a route's form.</p>
          <div className="dform-actions">
            <button type="button" onClick={close}>
              Close
            </button>
          </div>
        </div>
      );
    }
    case 'listener': {
      const l = model.listeners[selection.index];
      if (!l) return <Gone onClose={close} />;
      return (
        <div className="dform" data-testid="listener-info">
          <h2>Listener “{l.name}”</h2>
          <p>
            <span className="mono">{l.address}</span> · {l.mode} mode{l.tls ? ' · TLS' : ''}
          </p>
          <p className="muted small">
            {l.mode === 'reverse' ? 'Serves every route without a listeners: list, and the routes that name it.' : 'A forward proxy: clients use it as their HTTP(S) proxy.'}
          </p>
          <div className="dform-actions">
            <button type="button" onClick={close}>
              Close
            </button>
          </div>
        </div>
      );
    }
  }
}

function Gone({ onClose }: { onClose: () => void }) {
  return (
    <div className="dform">
      <p className="muted">This item is no longer in the YAML.</p>
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}

function MissingUpstream({ name, model, onClose }: { name: string; model: WorkspaceModel; onClose: () => void }) {
  const users = model.routes.filter((r) => r.upstream === name);
  return (
    <div className="dform">
      <h2>Upstream “{name}”</h2>
      <p className="form-error">
        {users.map((r) => r.name).join(', ')} refer{users.length === 1 ? 's' : ''} to it, but it is not defined under upstreams:.
      </p>
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
