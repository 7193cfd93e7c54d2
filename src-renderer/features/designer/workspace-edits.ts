/**
 * The designer's forms change the workspace by editing the YAML *text*:
 * each function takes the draft text and returns the new text, through the
 * `yaml` Document API (comments kept) and editYaml (layout of untouched lines
 * kept). Values that did not change are not rewritten, so a save touches only
 * the lines it must.
 */
import { isMap, isScalar, isSeq, type Document } from 'yaml';
import { editYaml, siblingsAreFlow, YamlEditError } from '../../shared/yaml/edit-text';

export { YamlEditError };

type Path = (string | number)[];

export interface RouteFields {
  name: string;
  hosts: string[];
  /** '' = no path condition. */
  path: string;
  exact: boolean;
  methods: string[];
  /** '' = no upstream. */
  upstream: string;
  policies: string[];
}

export interface TargetFields {
  url: string;
  weight: number;
  backup: boolean;
}

export interface UpstreamFields {
  name: string;
  balancer: string;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function current(doc: Document, path: Path): unknown {
  const node = doc.getIn(path, true);
  if (node === undefined) return undefined;
  return isScalar(node) ? node.value : (node as { toJSON(): unknown }).toJSON();
}

/** Set `path` to `value` unless it already holds it; arrays and objects are written in flow style ([a, b], { k: v }). */
function put(doc: Document, path: Path, value: unknown, flow = true): void {
  if (same(current(doc, path), value)) return;
  if (value === null || typeof value !== 'object') {
    // A plain value updates an existing scalar in place, keeping its comment.
    doc.setIn(path, value);
    return;
  }
  const node = doc.createNode(value);
  if ((isSeq(node) || isMap(node)) && flow) node.flow = true;
  doc.setIn(path, node);
}

function drop(doc: Document, path: Path): void {
  if (doc.hasIn(path)) doc.deleteIn(path);
}

function requireIn(doc: Document, path: Path, what: string): void {
  if (!doc.hasIn(path)) throw new YamlEditError(`${what} is not in the YAML any more (it changed in the editor?).`);
}

function routeNode(fields: RouteFields): Record<string, unknown> {
  const match: Record<string, unknown> = {};
  if (fields.hosts.length === 1) match.host = fields.hosts[0];
  else if (fields.hosts.length > 1) match.host = fields.hosts;
  if (fields.path) match.path = fields.path;
  if (fields.exact) match.exact = true;
  if (fields.methods.length > 0) match.methods = fields.methods;
  const route: Record<string, unknown> = { name: fields.name, match };
  if (fields.policies.length > 0) route.policies = fields.policies;
  if (fields.upstream) route.upstream = fields.upstream;
  return route;
}

export function addRoute(text: string, fields: RouteFields): string {
  return editYaml(text, (doc) => {
    const node = doc.createNode(routeNode(fields));
    // Block map for the route, flow style for its small parts: `match: { path: /x }`, `policies: [a, b]`.
    for (const pair of node.items) {
      if (isMap(pair.value) || isSeq(pair.value)) pair.value.flow = true;
    }
    if (doc.hasIn(['routes']) && isSeq(doc.getIn(['routes'], true))) doc.addIn(['routes'], node);
    else doc.setIn(['routes'], doc.createNode([node]));
  });
}

export function updateRoute(text: string, index: number, fields: RouteFields): string {
  return editYaml(text, (doc) => {
    const base: Path = ['routes', index];
    requireIn(doc, base, `Route #${index + 1}`);
    put(doc, [...base, 'name'], fields.name);

    const m: Path = [...base, 'match'];
    const hadMatch = doc.hasIn(m);
    if (fields.hosts.length === 0) drop(doc, [...m, 'host']);
    else put(doc, [...m, 'host'], fields.hosts.length === 1 ? fields.hosts[0] : fields.hosts);
    if (fields.path) put(doc, [...m, 'path'], fields.path);
    else drop(doc, [...m, 'path']);
    if (fields.exact) put(doc, [...m, 'exact'], true);
    else drop(doc, [...m, 'exact']);
    if (fields.methods.length > 0) put(doc, [...m, 'methods'], fields.methods);
    else drop(doc, [...m, 'methods']);
    const match = doc.getIn(m, true);
    if (!hadMatch && isMap(match)) match.flow = true;
    if (isMap(match) && match.items.length === 0) drop(doc, m);

    if (fields.policies.length > 0) put(doc, [...base, 'policies'], fields.policies);
    else drop(doc, [...base, 'policies']);
    if (fields.upstream) put(doc, [...base, 'upstream'], fields.upstream);
    else drop(doc, [...base, 'upstream']);
  });
}

export function removeRoute(text: string, index: number): string {
  return editYaml(text, (doc) => {
    requireIn(doc, ['routes', index], `Route #${index + 1}`);
    doc.deleteIn(['routes', index]);
  });
}

/** The route's policy references, in order ([] removes the key). */
export function setRoutePolicies(text: string, index: number, policies: string[]): string {
  return editYaml(text, (doc) => {
    requireIn(doc, ['routes', index], `Route #${index + 1}`);
    if (policies.length > 0) put(doc, ['routes', index, 'policies'], policies);
    else drop(doc, ['routes', index, 'policies']);
  });
}

function targetNode(doc: Document, t: TargetFields, flow: boolean) {
  const value: Record<string, unknown> = { url: t.url };
  if (t.weight !== 1) value.weight = t.weight;
  if (t.backup) value.backup = true;
  const node = doc.createNode(value);
  node.flow = flow;
  return node;
}

export function addUpstream(text: string, fields: UpstreamFields, targets: TargetFields[]): string {
  return editYaml(text, (doc) => {
    if (doc.hasIn(['upstreams', fields.name])) throw new YamlEditError(`There is already an upstream called "${fields.name}".`);
    const node = doc.createNode({ balancer: fields.balancer, targets: [] });
    const seq = node.get('targets', true);
    if (isSeq(seq)) for (const t of targets) seq.items.push(targetNode(doc, t, true));
    if (isMap(doc.getIn(['upstreams'], true))) doc.setIn(['upstreams', fields.name], node);
    else doc.setIn(['upstreams'], doc.createNode({ [fields.name]: node }));
  });
}

/** Change an upstream's balancer and, when the name changes, rename it and every route that points at it. */
export function updateUpstream(text: string, name: string, fields: UpstreamFields): string {
  return editYaml(text, (doc) => {
    requireIn(doc, ['upstreams', name], `Upstream "${name}"`);
    put(doc, ['upstreams', name, 'balancer'], fields.balancer);
    if (fields.name !== name) {
      if (doc.hasIn(['upstreams', fields.name])) throw new YamlEditError(`There is already an upstream called "${fields.name}".`);
      const upstreams = doc.getIn(['upstreams'], true);
      if (!isMap(upstreams)) return;
      const pair = upstreams.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === name);
      if (!pair) return;
      // Keep the key node (and the comments on it); only its value changes.
      if (isScalar(pair.key)) pair.key.value = fields.name;
      else pair.key = doc.createNode(fields.name);
      const routes = doc.getIn(['routes'], true);
      if (isSeq(routes)) {
        routes.items.forEach((_, i) => {
          if (doc.getIn(['routes', i, 'upstream']) === name) put(doc, ['routes', i, 'upstream'], fields.name);
        });
      }
    }
  });
}

export function removeUpstream(text: string, name: string): string {
  return editYaml(text, (doc) => {
    requireIn(doc, ['upstreams', name], `Upstream "${name}"`);
    doc.deleteIn(['upstreams', name]);
  });
}

export function addTarget(text: string, upstream: string, target: TargetFields): string {
  return editYaml(text, (doc) => {
    requireIn(doc, ['upstreams', upstream], `Upstream "${upstream}"`);
    const path = ['upstreams', upstream, 'targets'];
    const flow = !doc.hasIn(path) || siblingsAreFlow(doc, path);
    const node = targetNode(doc, target, flow);
    if (isSeq(doc.getIn(path, true))) doc.addIn(path, node);
    else doc.setIn(path, doc.createNode([node]));
  });
}

export function updateTarget(text: string, upstream: string, index: number, target: TargetFields): string {
  return editYaml(text, (doc) => {
    const base: Path = ['upstreams', upstream, 'targets', index];
    requireIn(doc, base, `Target #${index + 1} of "${upstream}"`);
    put(doc, [...base, 'url'], target.url);
    if (target.weight !== 1 || doc.hasIn([...base, 'weight'])) put(doc, [...base, 'weight'], target.weight);
    if (target.backup) put(doc, [...base, 'backup'], true);
    else drop(doc, [...base, 'backup']);
  });
}

export function removeTarget(text: string, upstream: string, index: number): string {
  return editYaml(text, (doc) => {
    requireIn(doc, ['upstreams', upstream, 'targets', index], `Target #${index + 1} of "${upstream}"`);
    doc.deleteIn(['upstreams', upstream, 'targets', index]);
  });
}
