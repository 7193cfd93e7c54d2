import { Handle, Position, type NodeProps, type NodeTypes } from '@xyflow/react';
import { memo } from 'react';
import { useAppStore } from '../../store';
import { findTargetStatus, targetHealth, type TargetHealth } from '../../store/upstreams/selectors';
import type { DesignerNode } from './graph';

type Props<K extends DesignerNode['type']> = NodeProps<Extract<DesignerNode, { type: K }>>;

const In = () => <Handle type="target" position={Position.Left} isConnectable={false} />;
const Out = () => <Handle type="source" position={Position.Right} isConnectable={false} />;

function ListenerNode({ data, selected }: Props<'listener'>) {
  const l = data.listener;
  return (
    <div className={`dnode dnode-listener${selected ? ' selected' : ''}`} data-testid={`node-listener-${l.name}`}>
      <div className="dnode-kind">listener · {l.mode}{l.tls ? ' · TLS' : ''}</div>
      <div className="dnode-title">{l.name}</div>
      <div className="dnode-sub mono">{l.address}</div>
      <Out />
    </div>
  );
}

function RouteNode({ data, selected }: Props<'route'>) {
  const r = data.route;
  const cond = [r.hosts.join(', '), r.pathRegex ? `~ ${r.pathRegex}` : (r.path ?? '')].filter(Boolean).join(' ');
  return (
    <div className={`dnode dnode-route${selected ? ' selected' : ''}`} data-testid={`node-route-${r.name}`}>
      <In />
      <div className="dnode-kind">route</div>
      <div className="dnode-title">{r.name}</div>
      <div className="dnode-sub mono" title={cond}>
        {r.methods.length > 0 && <span className="methods">{r.methods.join(' ')} </span>}
        {cond || 'every request'}
      </div>
      {r.exact && <div className="dnode-badge">exact</div>}
      {r.respond && <div className="dnode-badge">responds {r.respond.status}</div>}
      {r.redirect && <div className="dnode-badge">redirects {r.redirect.status}</div>}
      {!r.respond && !r.redirect && !r.upstream && <div className="dnode-badge bad">no upstream</div>}
      {(r.upstream || r.policies.length > 0) && <Out />}
    </div>
  );
}

function PolicyNode({ data, selected }: Props<'policy'>) {
  return (
    <div className={`dnode dnode-policy${selected ? ' selected' : ''}${data.missing ? ' missing' : ''}`} data-testid={`node-policy-${data.name}`}>
      <In />
      <div className="dnode-kind">policy · {data.policy?.type ?? 'not defined'}</div>
      <div className="dnode-title">{data.name}</div>
    </div>
  );
}

function UpstreamNode({ data, selected }: Props<'upstream'>) {
  const u = data.upstream;
  return (
    <div className={`dnode dnode-upstream${selected ? ' selected' : ''}${data.missing ? ' missing' : ''}`} data-testid={`node-upstream-${data.name}`}>
      <In />
      <div className="dnode-kind" title={u?.balancer}>upstream · {u ? u.balancer : 'not defined'}</div>
      <div className="dnode-title">{data.name}</div>
      {u && (
        <div className="dnode-sub">
          {u.targets.length} target{u.targets.length === 1 ? '' : 's'}
          {u.healthCheck ? ' · health-checked' : ''}
        </div>
      )}
      {u && u.targets.length > 0 && <Out />}
    </div>
  );
}

const HEALTH_LABEL: Record<TargetHealth, string> = {
  healthy: 'healthy',
  unhealthy: 'unhealthy',
  ejected: 'ejected',
  drained: 'drained',
  unknown: 'not running',
};

function TargetNode({ data, selected }: Props<'target'>) {
  const t = data.target;
  const health = useAppStore((s) => targetHealth(findTargetStatus(s, data.upstream, t.index, t.url)));
  const inflight = useAppStore((s) => findTargetStatus(s, data.upstream, t.index, t.url)?.inflight ?? null);
  return (
    <div
      className={`dnode dnode-target health-${health}${selected ? ' selected' : ''}${t.backup ? ' backup' : ''}`}
      data-testid={`node-target-${data.upstream}-${t.index}`}
      data-health={health}
    >
      <In />
      <div className="dnode-kind">
        <span className="health-dot" aria-hidden />
        {HEALTH_LABEL[health]}
        {inflight ? ` · ${inflight} in flight` : ''}
      </div>
      <div className="dnode-title mono" title={t.url}>
        {t.url.replace(/^https?:\/\//, '') || '(no url)'}
      </div>
      <div className="dnode-sub">
        weight {t.weight}
        {t.backup && <span className="dnode-badge inline">backup</span>}
      </div>
    </div>
  );
}

export const nodeTypes: NodeTypes = {
  listener: memo(ListenerNode),
  route: memo(RouteNode),
  policy: memo(PolicyNode),
  upstream: memo(UpstreamNode),
  target: memo(TargetNode),
} as NodeTypes;
