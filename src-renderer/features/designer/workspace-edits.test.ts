import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  addRoute,
  addTarget,
  addUpstream,
  removeRoute,
  removeTarget,
  removeUpstream,
  setRoutePolicies,
  updateRoute,
  updateTarget,
  updateUpstream,
  YamlEditError,
  type RouteFields,
} from './workspace-edits';

const WORKSPACE = `# Switchyard workspace (comment at the top)
version: 1
listeners:
  - { name: web, address: 127.0.0.1:8080, mode: reverse }
routes:
  - name: ping           # health probe for load balancers
    match: { path: /ping, exact: true }
    respond: { status: 200, body: pong }
  # orders go to the orders pool
  - name: orders
    match: { path: /api/orders, methods: [GET, POST] }
    rewrite: { stripPrefix: /api }
    policies: [keys]
    upstream: orders
upstreams:
  orders:
    balancer: least-connections   # fewest in-flight requests wins
    targets:
      - { url: "http://127.0.0.1:9001", weight: 3 }   # the fast one
      - { url: "http://127.0.0.1:9002" }
policies:
  keys: { type: api-key, keys: { k1: { consumer: alice } } }
  limit: { type: rate-limit, limit: 10, per: 1s }
`;

const COMMENTS = [
  '# Switchyard workspace (comment at the top)',
  '# health probe for load balancers',
  '# orders go to the orders pool',
  '# fewest in-flight requests wins',
  '# the fast one',
];

function expectCommentsKept(out: string, except: string[] = []) {
  for (const c of COMMENTS) if (!except.includes(c)) expect(out).toContain(c);
}

const ordersRoute: RouteFields = {
  name: 'orders',
  hosts: [],
  path: '/api/orders',
  exact: false,
  methods: ['GET', 'POST'],
  upstream: 'orders',
  policies: ['keys'],
};

describe('routes', () => {
  it('adds a route at the end of routes: with flow-style parts', () => {
    const out = addRoute(WORKSPACE, { name: 'users', hosts: ['api.localhost'], path: '/users', exact: false, methods: [], upstream: 'orders', policies: ['keys', 'limit'] });
    expectCommentsKept(out);
    const data = parse(out);
    expect(data.routes).toHaveLength(3);
    expect(data.routes[2]).toEqual({ name: 'users', match: { host: 'api.localhost', path: '/users' }, policies: ['keys', 'limit'], upstream: 'orders' });
    expect(out).toContain('match: { host: api.localhost, path: /users }');
    expect(out).toContain('policies: [ keys, limit ]');
  });

  it('creates routes: when the workspace has none', () => {
    const out = addRoute('version: 1\nlisteners: []\n', { ...ordersRoute, policies: [] });
    expect(parse(out).routes).toEqual([{ name: 'orders', match: { path: '/api/orders', methods: ['GET', 'POST'] }, upstream: 'orders' }]);
  });

  it('updates only the fields that changed, at the right index, keeping other keys', () => {
    const out = updateRoute(WORKSPACE, 1, { ...ordersRoute, path: '/v2/orders', methods: ['GET'], policies: ['limit'] });
    expectCommentsKept(out);
    const data = parse(out);
    expect(data.routes[1]).toEqual({
      name: 'orders',
      match: { path: '/v2/orders', methods: ['GET'] },
      rewrite: { stripPrefix: '/api' },
      policies: ['limit'],
      upstream: 'orders',
    });
    expect(data.routes[0]).toEqual(parse(WORKSPACE).routes[0]);
    // Untouched lines are byte-identical.
    expect(out).toContain('    rewrite: { stripPrefix: /api }\n');
    expect(out).toContain('      - { url: "http://127.0.0.1:9001", weight: 3 }   # the fast one\n');
  });

  it('removes conditions that were cleared, and the upstream when none is chosen', () => {
    const out = updateRoute(WORKSPACE, 1, { ...ordersRoute, methods: [], upstream: '', policies: [] });
    const route = parse(out).routes[1];
    expect(route.match).toEqual({ path: '/api/orders' });
    expect(route).not.toHaveProperty('upstream');
    expect(route).not.toHaveProperty('policies');
  });

  it('renames a route', () => {
    const out = updateRoute(WORKSPACE, 0, { name: 'healthz', hosts: [], path: '/ping', exact: true, methods: [], upstream: '', policies: [] });
    expect(parse(out).routes[0]).toEqual({ name: 'healthz', match: { path: '/ping', exact: true }, respond: { status: 200, body: 'pong' } });
    expect(out).toContain('# health probe for load balancers');
  });

  it('removes a route', () => {
    const out = removeRoute(WORKSPACE, 0);
    expect(parse(out).routes.map((r: { name: string }) => r.name)).toEqual(['orders']);
    expectCommentsKept(out, ['# health probe for load balancers']);
  });

  it('sets and clears policy references in order', () => {
    expect(parse(setRoutePolicies(WORKSPACE, 1, ['limit', 'keys'])).routes[1].policies).toEqual(['limit', 'keys']);
    expect(parse(setRoutePolicies(WORKSPACE, 1, [])).routes[1]).not.toHaveProperty('policies');
    expect(parse(setRoutePolicies(WORKSPACE, 0, ['keys'])).routes[0].policies).toEqual(['keys']);
  });

  it('refuses an index that is not there', () => {
    expect(() => updateRoute(WORKSPACE, 7, ordersRoute)).toThrow(YamlEditError);
  });
});

describe('upstreams and targets', () => {
  it('adds an upstream with targets', () => {
    const out = addUpstream(WORKSPACE, { name: 'users', balancer: 'round-robin' }, [
      { url: 'http://127.0.0.1:9100', weight: 1, backup: false },
      { url: 'http://127.0.0.1:9101', weight: 2, backup: true },
    ]);
    expectCommentsKept(out);
    expect(parse(out).upstreams.users).toEqual({
      balancer: 'round-robin',
      targets: [{ url: 'http://127.0.0.1:9100' }, { url: 'http://127.0.0.1:9101', weight: 2, backup: true }],
    });
    expect(() => addUpstream(WORKSPACE, { name: 'orders', balancer: 'random' }, [])).toThrow(/already/);
  });

  it('renames an upstream and every route that uses it, keeping its comments', () => {
    const out = updateUpstream(WORKSPACE, 'orders', { name: 'orders-v2', balancer: 'p2c' });
    expectCommentsKept(out, ['# fewest in-flight requests wins']);
    const data = parse(out);
    expect(Object.keys(data.upstreams)).toEqual(['orders-v2']);
    expect(data.upstreams['orders-v2'].balancer).toBe('p2c');
    expect(data.routes[1].upstream).toBe('orders-v2');
  });

  it('removes an upstream', () => {
    expect(parse(removeUpstream(WORKSPACE, 'orders')).upstreams).toEqual({});
  });

  it('adds a target in the style of its siblings', () => {
    const out = addTarget(WORKSPACE, 'orders', { url: 'http://127.0.0.1:9003', weight: 1, backup: true });
    expect(out).toContain('      - { url: http://127.0.0.1:9003, backup: true }\n');
    expect(parse(out).upstreams.orders.targets).toHaveLength(3);
    expectCommentsKept(out);
  });

  it('edits a target weight and backup flag at the right index', () => {
    const out = updateTarget(WORKSPACE, 'orders', 1, { url: 'http://127.0.0.1:9002', weight: 5, backup: true });
    expect(parse(out).upstreams.orders.targets).toEqual([
      { url: 'http://127.0.0.1:9001', weight: 3 },
      { url: 'http://127.0.0.1:9002', weight: 5, backup: true },
    ]);
    expectCommentsKept(out);
    const cleared = updateTarget(out, 'orders', 1, { url: 'http://127.0.0.1:9002', weight: 5, backup: false });
    expect(parse(cleared).upstreams.orders.targets[1]).toEqual({ url: 'http://127.0.0.1:9002', weight: 5 });
  });

  it('removes a target', () => {
    const out = removeTarget(WORKSPACE, 'orders', 0);
    expect(parse(out).upstreams.orders.targets).toEqual([{ url: 'http://127.0.0.1:9002' }]);
  });
});
