import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../project-root.js';
import { WORKSPACE_SCHEMA_ID, workspaceJsonSchema, workspaceJsonSchemaText } from './json-schema.js';
import { workspaceSchema } from './schema.js';

const root = projectRoot();
const read = (...parts: string[]) => readFileSync(join(root, ...parts), 'utf8');
const designExample = () => parse(read('test', 'config', 'fixtures', 'design-example.yaml')) as unknown;

type Node = Record<string, unknown>;
const at = (node: unknown, ...keys: string[]): Node => keys.reduce((n, k) => (n as Node)[k] as Node, node as Node);

describe('generated workspace JSON Schema', () => {
  it('matches resources/switchyard.schema.json (run `npm run schema` after changing schema.ts)', () => {
    const checkedIn = read('resources', 'switchyard.schema.json');
    expect(checkedIn, 'resources/switchyard.schema.json is stale: run `npm run schema`').toBe(workspaceJsonSchemaText());
  });

  it('is stable and pretty: same text on every call, two-space indent, trailing newline', () => {
    const text = workspaceJsonSchemaText();
    expect(workspaceJsonSchemaText()).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "$schema": "http://json-schema.org/draft-07/schema#",');
  });

  it('has a draft-07 header with $id and title', () => {
    const schema = workspaceJsonSchema();
    expect(Object.keys(schema).slice(0, 3)).toEqual(['$schema', '$id', 'title']);
    expect(schema.$id).toBe(WORKSPACE_SCHEMA_ID);
    expect(schema.title).toBe('Switchyard workspace');
    expect(schema.description).toBe('A Switchyard workspace');
  });

  it('keeps the descriptions written in schema.ts (editor hover docs)', () => {
    const s = workspaceJsonSchema();
    const listener = at(s, 'properties', 'listeners', 'items');
    expect(listener.description).toBe('A socket the gateway listens on');
    expect(at(listener, 'properties', 'address').description).toMatch(/HOST:PORT/);
    expect(at(listener, 'properties', 'limits', 'properties', 'maxBodySize').description).toMatch(/413/);
    const route = at(s, 'properties', 'routes', 'items');
    expect(at(route, 'properties', 'match', 'properties', 'path').description).toMatch(/segment boundaries/);
    expect(at(route, 'properties', 'priority').description).toMatch(/Higher is tried first/);
    const upstream = at(s, 'properties', 'upstreams', 'additionalProperties');
    expect(upstream.description).toBe('A pool of targets');
    expect(at(upstream, 'properties', 'balancer').description).toBe('How a target is chosen');
    // A description set on a shared piece (durations) survives where it is not overridden.
    expect(at(upstream, 'properties', 'timeouts', 'properties', 'connect').description).toMatch(/A duration/);
    const policies = at(s, 'properties', 'policies', 'additionalProperties').oneOf as Node[];
    expect(policies).toHaveLength(13);
    expect(policies.map((p) => p.description)).toContain('Shared HTTP cache (RFC 9111)');
    expect(policies.every((p) => typeof p.description === 'string' && p.description.length > 0)).toBe(true);
  });

  it('describes what may be written: defaulted keys are optional, unknown keys are not allowed', () => {
    const s = workspaceJsonSchema();
    expect(s.required).toEqual(['version', 'listeners']);
    expect(s.additionalProperties).toBe(false);
    const listener = at(s, 'properties', 'listeners', 'items');
    expect(listener.required).toEqual(['name', 'address']);
    expect(listener.additionalProperties).toBe(false);
    expect(at(listener, 'properties', 'mode').default).toBe('reverse');
  });

  it('contains only standard keywords: no zod-only formats, no MAX_SAFE_INTEGER bounds', () => {
    const text = workspaceJsonSchemaText();
    expect(text).not.toContain('starts_with');
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
  });
});

describe('JSON Schema and zod agree (ajv, draft-07, strict mode)', () => {
  let validate: ValidateFunction;
  beforeAll(() => {
    // strict: unknown keywords or formats in the generated schema would throw here.
    validate = new Ajv({ strict: true, allErrors: true }).compile(workspaceJsonSchema());
  });

  const valid = (doc: unknown) => {
    const ok = validate(doc);
    return { ok, errors: validate.errors };
  };

  it('accepts the DESIGN.md §3 workspace', () => {
    expect(valid(designExample())).toEqual({ ok: true, errors: null });
  });

  it('accepts the demo workspace', () => {
    expect(valid(parse(read('resources', 'demo', 'workspace.yaml')))).toEqual({ ok: true, errors: null });
  });

  const listeners = [{ name: 'web', address: '127.0.0.1:0' }];
  const samples: [label: string, doc: unknown][] = [
    ['minimal', { version: 1, listeners }],
    ['unknown top-level key', { version: 1, listeners, extra: true }],
    ['unknown listener key', { version: 1, listeners: [{ name: 'web', address: '127.0.0.1:0', colour: 'red' }] }],
    ['wrong version', { version: 2, listeners }],
    ['missing listeners', { version: 1 }],
    ['empty listeners', { version: 1, listeners: [] }],
    ['bad address', { version: 1, listeners: [{ name: 'web', address: 'localhost' }] }],
    ['bad name', { version: 1, listeners: [{ name: 'my web', address: '127.0.0.1:0' }] }],
    ['bad duration', { version: 1, listeners: [{ ...listeners[0], limits: { headersTimeout: '2 seconds' } }] }],
    ['good duration', { version: 1, listeners: [{ ...listeners[0], limits: { headersTimeout: '1.5s', maxBodySize: '50MB' } }] }],
    ['bad size', { version: 1, listeners: [{ ...listeners[0], limits: { maxBodySize: '50mb' } }] }],
    ['path without slash', { version: 1, listeners, routes: [{ name: 'r', match: { path: 'api' }, respond: {} }] }],
    ['header condition forms', { version: 1, listeners, routes: [{ name: 'r', match: { headers: { a: '1', b: { present: false }, c: { regex: '^x' } } }, respond: {} }] }],
    ['header condition unknown key', { version: 1, listeners, routes: [{ name: 'r', match: { headers: { a: { regx: 'x' } } }, respond: {} }] }],
    ['redirect status 301', { version: 1, listeners, routes: [{ name: 'r', redirect: { to: '/x', status: 301 } }] }],
    ['redirect status 200', { version: 1, listeners, routes: [{ name: 'r', redirect: { to: '/x', status: 200 } }] }],
    ['policy without type', { version: 1, listeners, policies: { p: { limit: 1, per: '1s' } } }],
    ['unknown policy type', { version: 1, listeners, policies: { p: { type: 'jwt' } } }],
    ['policy with a key of another type', { version: 1, listeners, policies: { p: { type: 'cache', limit: 3 } } }],
    ['bad upstream name', { version: 1, listeners, upstreams: { 'bad name': { targets: [{ url: 'http://a:1' }] } } }],
    ['upstream without targets', { version: 1, listeners, upstreams: { u: { targets: [] } } }],
    ['retry on statuses', { version: 1, listeners, upstreams: { u: { targets: [{ url: 'http://a:1' }], retry: { on: ['reset', 503] } } } }],
    ['retry on nonsense', { version: 1, listeners, upstreams: { u: { targets: [{ url: 'http://a:1' }], retry: { on: ['sometimes'] } } } }],
    ['tls local-ca', { version: 1, listeners: [{ ...listeners[0], tls: { certificates: 'local-ca' } }] }],
    ['tls files', { version: 1, listeners: [{ ...listeners[0], tls: { certificates: [{ cert: 'a.pem', key: 'a.key' }] } }] }],
    ['tls nonsense', { version: 1, listeners: [{ ...listeners[0], tls: { certificates: 'mine' } }] }],
    ['weight 0', { version: 1, listeners, upstreams: { u: { targets: [{ url: 'http://a:1', weight: 0 }] } } }],
    ['fractional priority', { version: 1, listeners, routes: [{ name: 'r', priority: 1.5, respond: {} }] }],
  ];
  it.each(samples)('%s: same verdict as the zod schema', (_label, doc) => {
    expect(valid(doc).ok).toBe(workspaceSchema.safeParse(doc).success);
  });

  it('rejects what the schema forbids (sanity check of the samples above)', () => {
    const verdicts = Object.fromEntries(samples.map(([label, doc]) => [label, valid(doc).ok]));
    expect(verdicts).toMatchObject({ minimal: true, 'unknown listener key': false, 'bad duration': false, 'unknown policy type': false });
  });
});
