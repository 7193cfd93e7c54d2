/**
 * The workspace model as a graph in five columns:
 *   listeners → routes → policies → upstreams → targets
 * Pure (no React), so the layout is unit-tested. Rows are ordered to keep
 * edges short: routes in file order, everything else near the routes that
 * use it (barycentre), targets grouped under their upstream.
 */
import type { Edge, Node } from '@xyflow/react';
import type { ListenerModel, PolicyModel, RouteModel, TargetModel, UpstreamModel, WorkspaceModel } from './model';

export type DesignerNode =
  | Node<{ kind: 'listener'; listener: ListenerModel }, 'listener'>
  | Node<{ kind: 'route'; route: RouteModel }, 'route'>
  | Node<{ kind: 'policy'; policy: PolicyModel | null; name: string; missing: boolean }, 'policy'>
  | Node<{ kind: 'upstream'; upstream: UpstreamModel | null; name: string; missing: boolean }, 'upstream'>
  | Node<{ kind: 'target'; upstream: string; target: TargetModel }, 'target'>;

export type NodeKind = DesignerNode['data']['kind'];

export const COLUMN_X: Record<NodeKind, number> = { listener: 0, route: 250, policy: 550, upstream: 810, target: 1110 };
export const NODE_WIDTH: Record<NodeKind, number> = { listener: 190, route: 230, policy: 200, upstream: 230, target: 230 };
export const NODE_HEIGHT: Record<NodeKind, number> = { listener: 58, route: 78, policy: 52, upstream: 58, target: 52 };
const GAP = 18;

export const nodeId = {
  listener: (index: number) => `listener:${index}`,
  route: (index: number) => `route:${index}`,
  policy: (name: string) => `policy:${name}`,
  upstream: (name: string) => `upstream:${name}`,
  target: (upstream: string, index: number) => `target:${upstream}:${index}`,
};

/** Which listeners serve a route: its own list, else every reverse listener. */
export function routeListeners(route: RouteModel, listeners: ListenerModel[]): ListenerModel[] {
  if (route.listeners) return listeners.filter((l) => route.listeners!.includes(l.name));
  return listeners.filter((l) => l.mode === 'reverse');
}

interface Placed {
  id: string;
  desired: number;
  height: number;
  order: number;
}

/** Top-down, each node as close to its desired centre as the ones above allow. */
function stack(items: Placed[]): Map<string, number> {
  const sorted = [...items].sort((a, b) => a.desired - b.desired || a.order - b.order);
  const ys = new Map<string, number>();
  let next = -Infinity;
  for (const it of sorted) {
    const top = Math.max(it.desired - it.height / 2, next);
    ys.set(it.id, top);
    next = top + it.height + GAP;
  }
  return ys;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Column positions; without any policy the policy column closes up. */
export function columnX(hasPolicies: boolean): Record<NodeKind, number> {
  if (hasPolicies) return COLUMN_X;
  const shift = COLUMN_X.upstream - COLUMN_X.policy;
  return { ...COLUMN_X, upstream: COLUMN_X.upstream - shift, target: COLUMN_X.target - shift };
}

export function buildGraph(model: WorkspaceModel): { nodes: DesignerNode[]; edges: Edge[] } {
  const nodes: DesignerNode[] = [];
  const edges: Edge[] = [];
  const hasPolicies = model.policies.length > 0 || model.routes.some((r) => r.policies.length > 0);
  const X = columnX(hasPolicies);

  // Routes: file order, evenly spaced. Everything else is placed around them.
  const routeCenter = new Map<number, number>();
  model.routes.forEach((r, i) => {
    const y = i * (NODE_HEIGHT.route + GAP);
    routeCenter.set(r.index, y + NODE_HEIGHT.route / 2);
    nodes.push({ id: nodeId.route(r.index), type: 'route', position: { x: X.route, y }, data: { kind: 'route', route: r } });
  });
  const lastRouteBottom = model.routes.length * (NODE_HEIGHT.route + GAP);

  // Listeners near the routes they serve.
  const listenerY = stack(
    model.listeners.map((l) => {
      const served = model.routes.filter((r) => routeListeners(r, model.listeners).includes(l)).map((r) => routeCenter.get(r.index)!);
      return { id: nodeId.listener(l.index), desired: served.length ? mean(served) : lastRouteBottom + l.index, height: NODE_HEIGHT.listener, order: l.index };
    }),
  );
  for (const l of model.listeners) {
    const id = nodeId.listener(l.index);
    nodes.push({ id, type: 'listener', position: { x: X.listener, y: listenerY.get(id)! }, data: { kind: 'listener', listener: l } });
  }
  for (const r of model.routes) {
    for (const l of routeListeners(r, model.listeners)) {
      edges.push({ id: `e:${nodeId.listener(l.index)}->${nodeId.route(r.index)}`, source: nodeId.listener(l.index), target: nodeId.route(r.index) });
    }
  }

  // Policies (and references to policies that do not exist).
  const policyByName = new Map(model.policies.map((p) => [p.name, p]));
  const policyNames = [...model.policies.map((p) => p.name)];
  for (const r of model.routes) for (const p of r.policies) if (!policyNames.includes(p)) policyNames.push(p);
  const policyY = stack(
    policyNames.map((name, order) => {
      const users = model.routes.filter((r) => r.policies.includes(name)).map((r) => routeCenter.get(r.index)!);
      return { id: nodeId.policy(name), desired: users.length ? mean(users) : lastRouteBottom + order, height: NODE_HEIGHT.policy, order };
    }),
  );
  for (const name of policyNames) {
    const id = nodeId.policy(name);
    const policy = policyByName.get(name) ?? null;
    nodes.push({ id, type: 'policy', position: { x: X.policy, y: policyY.get(id)! }, data: { kind: 'policy', policy, name, missing: policy === null } });
  }
  for (const r of model.routes) {
    r.policies.forEach((p, order) => {
      edges.push({
        id: `e:${nodeId.route(r.index)}->${nodeId.policy(p)}`,
        source: nodeId.route(r.index),
        target: nodeId.policy(p),
        className: 'edge-policy',
        label: r.policies.length > 1 ? String(order + 1) : undefined,
      });
    });
  }

  // Upstreams near the routes that use them; their targets in a block beside them.
  const upstreamByName = new Map(model.upstreams.map((u) => [u.name, u]));
  const upstreamNames = model.upstreams.map((u) => u.name);
  for (const r of model.routes) if (r.upstream && !upstreamNames.includes(r.upstream)) upstreamNames.push(r.upstream);
  const blockHeight = (name: string) => {
    const n = upstreamByName.get(name)?.targets.length ?? 0;
    return Math.max(NODE_HEIGHT.upstream, n * NODE_HEIGHT.target + Math.max(0, n - 1) * GAP);
  };
  // Stack whole blocks (upstream + its targets) so target groups never interleave.
  const blockY = stack(
    upstreamNames.map((name, order) => {
      const users = model.routes.filter((r) => r.upstream === name).map((r) => routeCenter.get(r.index)!);
      return { id: name, desired: users.length ? mean(users) : lastRouteBottom + order * 100, height: blockHeight(name), order };
    }),
  );
  for (const name of upstreamNames) {
    const top = blockY.get(name)!;
    const h = blockHeight(name);
    const upstream = upstreamByName.get(name) ?? null;
    const id = nodeId.upstream(name);
    nodes.push({
      id,
      type: 'upstream',
      position: { x: X.upstream, y: top + h / 2 - NODE_HEIGHT.upstream / 2 },
      data: { kind: 'upstream', upstream, name, missing: upstream === null },
    });
    upstream?.targets.forEach((t, i) => {
      const tid = nodeId.target(name, t.index);
      nodes.push({
        id: tid,
        type: 'target',
        position: { x: X.target, y: top + i * (NODE_HEIGHT.target + GAP) },
        data: { kind: 'target', upstream: name, target: t },
      });
      edges.push({ id: `e:${id}->${tid}`, source: id, target: tid, className: t.backup ? 'edge-backup' : undefined });
    });
  }
  for (const r of model.routes) {
    if (!r.upstream) continue;
    edges.push({ id: `e:${nodeId.route(r.index)}->${nodeId.upstream(r.upstream)}`, source: nodeId.route(r.index), target: nodeId.upstream(r.upstream), className: 'edge-upstream' });
  }

  return { nodes, edges };
}
