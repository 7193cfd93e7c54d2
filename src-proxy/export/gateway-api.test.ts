import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { exportGatewayApi } from './gateway-api.js';
import { notesAbout, planOf } from './test-workspace.js';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function docsOf(yaml: string) {
  const result = exportGatewayApi(planOf(yaml), { includeSecrets: false });
  const docs = parseAllDocuments(result.text).map((d) => d.toJS() as Any);
  return { result, docs, byKind: (kind: string) => docs.filter((d) => d.kind === kind) };
}

describe('exportGatewayApi', () => {
  const { result, byKind } = docsOf(`
version: 1
listeners:
  - { name: web, address: 127.0.0.1:8080 }
  - { name: secure, address: 127.0.0.1:8443, tls: { certificates: [{ cert: a.pem, key: a.key }] } }
routes:
  - name: Users_V2
    listeners: [secure]
    match: { host: api.localhost, path: /v2/users, methods: [GET, POST], headers: { x-beta: "1" }, query: { v: { regex: "^2" } } }
    rewrite: { stripPrefix: /v2 }
    policies: [hdrs]
    upstream: users
  - name: docs
    match: { path: /docs }
    redirect: { to: "https://docs.localhost{path}", status: 308 }
  - name: ping
    match: { path: /ping }
    respond: { body: pong }
upstreams:
  users:
    balancer: weighted-round-robin
    targets:
      - { url: http://127.0.0.1:9001, weight: 3 }
      - { url: http://users.internal:9002, weight: 1 }
policies:
  hdrs: { type: headers, request: { set: { x-a: "1" }, remove: [x-b] } }
`);

  it('writes a Gateway with one listener per Switchyard listener', () => {
    const [gw] = byKind('Gateway');
    expect(gw.spec.listeners).toEqual([
      { name: 'web', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
      { name: 'secure', port: 8443, protocol: 'HTTPS', allowedRoutes: { namespaces: { from: 'Same' } }, tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'secure-tls' }] } },
    ]);
  });

  it('writes an HTTPRoute per route: one match per method, filters, weighted backendRefs', () => {
    const route = byKind('HTTPRoute').find((r) => r.metadata.name === 'users-v2')!;
    expect(route.spec.parentRefs).toEqual([{ name: 'switchyard', sectionName: 'secure' }]);
    expect(route.spec.hostnames).toEqual(['api.localhost']);
    const rule = route.spec.rules[0];
    expect(rule.matches.map((m: Any) => m.method)).toEqual(['GET', 'POST']);
    expect(rule.matches[0]).toMatchObject({ path: { type: 'PathPrefix', value: '/v2/users' }, headers: [{ type: 'Exact', name: 'x-beta', value: '1' }], queryParams: [{ type: 'RegularExpression', name: 'v', value: '^2' }] });
    expect(rule.filters).toEqual([
      { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/users' } } },
      { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], remove: ['x-b'] } },
    ]);
    expect(rule.backendRefs).toEqual([
      { name: 'users-1', port: 9001, weight: 3 },
      { name: 'users-2', port: 9002, weight: 1 },
    ]);
  });

  it('turns targets into Services: EndpointSlice for addresses, ExternalName for names', () => {
    expect(byKind('Service').map((s) => [s.metadata.name, s.spec.type ?? 'ClusterIP'])).toEqual([
      ['users-1', 'ClusterIP'],
      ['users-2', 'ExternalName'],
    ]);
    expect(byKind('EndpointSlice')[0]).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }], metadata: { labels: { 'kubernetes.io/service-name': 'users-1' } } });
  });

  it('redirects with RequestRedirect (standard status codes) and reports what differs', () => {
    const docs = byKind('HTTPRoute').find((r) => r.metadata.name === 'docs')!;
    expect(docs.spec.rules[0].filters).toEqual([{ type: 'RequestRedirect', requestRedirect: { statusCode: 301, scheme: 'https', hostname: 'docs.localhost' } }]);
    expect(notesAbout(result, 'route docs', 'approximated').length).toBe(2);
  });

  it('leaves out fixed responses, and includes no Ingress when it would not suffice', () => {
    expect(byKind('HTTPRoute').some((r) => r.metadata.name === 'ping')).toBe(false);
    expect(notesAbout(result, 'route ping')).toEqual([expect.stringMatching(/^unsupported: /)]);
    expect(byKind('Ingress')).toEqual([]);
  });

  it('adds an Ingress when simple host/path routing to one target each suffices', () => {
    const { byKind: simple } = docsOf(`
version: 1
listeners: [{ name: web, address: 127.0.0.1:8080 }]
routes:
  - { name: api, match: { host: api.localhost, path: /api }, upstream: api }
  - { name: home, match: { path: /, exact: true }, upstream: api }
upstreams:
  api: { targets: [{ url: http://127.0.0.1:9001 }] }
`);
    const backend = { service: { name: 'api-1', port: { number: 9001 } } };
    expect(simple('Ingress')[0].spec.rules).toEqual([
      { host: 'api.localhost', http: { paths: [{ path: '/', pathType: 'Exact', backend }, { path: '/api', pathType: 'Prefix', backend }] } },
      { http: { paths: [{ path: '/', pathType: 'Exact', backend }] } },
    ]);
  });
});

describe('exportGatewayApi names', () => {
  it('numbers routes whose Kubernetes names collide', () => {
    const { byKind } = docsOf(`
version: 1
listeners: [{ name: web, address: 127.0.0.1:8080 }]
routes:
  - { name: a_b, match: { path: /x }, upstream: api }
  - { name: a-b, match: { path: /y }, upstream: api }
upstreams:
  api: { targets: [{ url: http://127.0.0.1:9001 }] }
`);
    expect(byKind('HTTPRoute').map((r) => r.metadata.name)).toEqual(['a-b', 'a-b-2']);
  });
});

describe('exportGatewayApi route order', () => {
  const orderNote = (routes: string) =>
    notesAbout(
      docsOf(`
version: 1
listeners: [{ name: web, address: 127.0.0.1:8080 }]
routes:
${routes}
upstreams:
  api: { targets: [{ url: http://127.0.0.1:9001 }] }
`).result,
      'route order',
    );

  it('is exact when overlapping routes keep Switchyard\'s order, even if disjoint ones do not', () => {
    expect(orderNote('  - { name: ping, match: { path: /ping, exact: true }, upstream: api }\n  - { name: v2, match: { host: api.localhost, path: /v2 }, upstream: api }')).toEqual([
      expect.stringMatching(/^exact: /),
    ]);
  });

  it('names overlapping routes the Gateway API tries the other way round', () => {
    expect(orderNote('  - { name: ping, match: { path: /ping, exact: true }, upstream: api }\n  - { name: shop, match: { host: shop.localhost, path: / }, upstream: api }')).toEqual([
      expect.stringMatching(/^approximated: .*shop before ping/),
    ]);
  });
});
