import { describe, expect, it } from 'vitest';
import { buildGraph, columnX, COLUMN_X, NODE_HEIGHT } from './graph';
import { readWorkspace } from './model';

const TEXT = `version: 1
listeners:
  - { name: web, address: 127.0.0.1:8080 }
  - { name: egress, address: 127.0.0.1:8888, mode: forward }
routes:
  - name: ping
    match: { path: /ping, exact: true }
    respond: { status: 200 }
  - name: orders
    listeners: [web]
    match: { path: /orders }
    policies: [keys, ghost]
    upstream: orders
  - name: users
    upstream: nowhere
upstreams:
  orders:
    targets:
      - { url: http://a:1, weight: 3 }
      - { url: http://b:1, backup: true }
  idle:
    targets: [{ url: http://c:1 }]
policies:
  keys: { type: api-key, keys: {} }
`;

function graph() {
  const r = readWorkspace(TEXT);
  if (!r.ok) throw new Error(r.error);
  return buildGraph(r.model);
}

describe('buildGraph', () => {
  it('puts each kind in its column', () => {
    const { nodes } = graph();
    for (const n of nodes) expect(n.position.x).toBe(COLUMN_X[n.data.kind]);
    expect(nodes.filter((n) => n.type === 'target')).toHaveLength(3);
  });

  it('connects reverse listeners to routes without a listener list, and only the named ones otherwise', () => {
    const { edges } = graph();
    const into = (route: string) => edges.filter((e) => e.target === route).map((e) => e.source).sort();
    expect(into('route:0')).toEqual(['listener:0']); // the forward listener serves no routes
    expect(into('route:1')).toEqual(['listener:0']);
  });

  it('draws references to missing policies and upstreams as missing nodes', () => {
    const { nodes, edges } = graph();
    const ghost = nodes.find((n) => n.id === 'policy:ghost');
    expect(ghost?.data).toMatchObject({ missing: true });
    expect(nodes.find((n) => n.id === 'upstream:nowhere')?.data).toMatchObject({ missing: true });
    expect(edges.find((e) => e.id === 'e:route:1->policy:ghost')?.label).toBe('2');
    expect(edges.find((e) => e.id === 'e:route:2->upstream:nowhere')).toBeDefined();
  });

  it('never overlaps nodes in a column', () => {
    const { nodes } = graph();
    for (const kind of ['listener', 'route', 'policy', 'upstream', 'target'] as const) {
      const col = nodes.filter((n) => n.data.kind === kind).sort((a, b) => a.position.y - b.position.y);
      for (let i = 1; i < col.length; i++) {
        expect(col[i].position.y).toBeGreaterThanOrEqual(col[i - 1].position.y + NODE_HEIGHT[kind]);
      }
    }
  });

  it('closes up the policy column when there are no policies', () => {
    const r = readWorkspace('listeners: [{ name: a, address: 127.0.0.1:1 }]\nroutes: [{ name: r, upstream: u }]\nupstreams: { u: { targets: [{ url: http://x:1 }] } }\n');
    if (!r.ok) throw new Error(r.error);
    const { nodes } = buildGraph(r.model);
    expect(nodes.find((n) => n.id === 'upstream:u')?.position.x).toBe(columnX(false).upstream);
    expect(columnX(false).upstream).toBe(COLUMN_X.policy);
  });

  it('keeps a target group beside its upstream', () => {
    const { nodes } = graph();
    const up = nodes.find((n) => n.id === 'upstream:orders')!;
    const targets = nodes.filter((n) => n.type === 'target' && n.id.startsWith('target:orders:'));
    const top = Math.min(...targets.map((t) => t.position.y));
    const bottom = Math.max(...targets.map((t) => t.position.y + NODE_HEIGHT.target));
    const centre = up.position.y + NODE_HEIGHT.upstream / 2;
    expect(centre).toBeCloseTo((top + bottom) / 2, 5);
  });
});

describe('readWorkspace', () => {
  it('reports a syntax error instead of a model', () => {
    const r = readWorkspace('routes: [\n');
    expect(r.ok).toBe(false);
  });

  it('tolerates half-typed documents', () => {
    const r = readWorkspace('routes:\n  - name: a\n    match: 3\nupstreams: nope\n');
    expect(r.ok && r.model.routes[0]).toMatchObject({ name: 'a', path: null, upstream: null });
    expect(r.ok && r.model.upstreams).toEqual([]);
  });
});
