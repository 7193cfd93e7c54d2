import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../project-root.js';
import { formatIssue } from './issues.js';
import { loadWorkspaceFile, loadWorkspaceText } from './load.js';

/** Joins lines so that line N of the YAML is argument N: positions in the tests read directly. */
const yaml = (...lines: string[]) => lines.join('\n') + '\n';

/** The issues as `LINE:COL message`, errors only unless asked. */
function problems(text: string, opts: { warnings?: boolean } = {}): string[] {
  const { issues } = loadWorkspaceText(text, 'ws.yaml');
  return issues.filter((i) => opts.warnings || i.severity === 'error').map((i) => `${i.line}:${i.column} ${i.message}`);
}

const HEAD = ['version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0 }'];
/** A valid workspace whose line 4 onwards is `rest`. */
const ws = (...rest: string[]) => yaml(...HEAD, ...rest);
const UPSTREAM = ['upstreams:', '  u: { targets: [{ url: "http://127.0.0.1:9001" }] }'];

const designText = () => readFileSync(join(projectRoot(), 'test', 'config', 'fixtures', 'design-example.yaml'), 'utf8');

describe('loadWorkspaceText: the DESIGN.md §3 workspace', () => {
  it('is accepted as written (warnings allowed, no errors)', () => {
    const { plan, workspace, issues } = loadWorkspaceText(designText(), 'design.yaml');
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(plan).toBeDefined();
    expect(workspace?.version).toBe(1);
    expect(plan!.listeners.map((l) => [l.name, l.host, l.port, l.mode])).toEqual([
      ['web', '127.0.0.1', 8080, 'reverse'],
      ['secure', '127.0.0.1', 8443, 'reverse'],
      ['egress', '127.0.0.1', 8888, 'forward'],
    ]);
    expect(plan!.listeners[1].tls).toEqual({ certificates: 'local-ca', minVersion: 'TLSv1.2' });
    expect(plan!.listeners[1].http2).toBe(true);
    expect(plan!.listeners[2].intercept).toEqual(['*.example.test']);
    // Exact /ping is more specific than the /v2/users prefix.
    expect(plan!.routes.map((r) => r.name)).toEqual(['ping', 'users-v2']);
    const users = plan!.routes[1];
    expect([...users.match.hosts!]).toEqual(['api.localhost']);
    expect([...users.match.methods!]).toEqual(['GET', 'POST']);
    expect(users.rewrite?.stripPrefix).toBe('/v2');
    expect(users.policies).toEqual(['api-keys', 'free-plan', 'short-cache']);
    expect(users.action).toEqual({ kind: 'proxy', upstream: 'users' });
    const up = plan!.upstreams.get('users')!;
    expect(up.balancer).toBe('weighted-round-robin');
    expect(up.targets.map((t) => [t.url, t.weight, t.backup])).toEqual([
      ['http://127.0.0.1:9001', 3, false],
      ['http://127.0.0.1:9002', 1, false],
      ['http://127.0.0.1:9003', 1, true],
    ]);
    expect(up.healthCheck).toMatchObject({ path: '/health', intervalMs: 2000, timeoutMs: 1000, expectStatus: [[200, 399]] });
    expect(up.outlier).toEqual({ consecutiveFailures: 3, ejectForMs: 30_000, maxEjectionPercent: 50 });
    expect(up.retry?.attempts).toBe(2);
    expect([...up.retry!.on]).toEqual(['connect-failure', 502, 503, 504]);
    expect(up.timeouts).toMatchObject({ connectMs: 2000, responseMs: 30_000 });
    expect(up.sticky).toEqual({ cookie: 'swy_sticky', ttlMs: null });
    expect([...plan!.policies.keys()]).toEqual(['api-keys', 'free-plan', 'short-cache']);
  });

  it('reports anything it does not act on yet as warnings, located', () => {
    const { issues, plan } = loadWorkspaceText(designText(), 'design.yaml');
    for (const w of issues) {
      expect(w.severity).toBe('warning');
      expect(w.file).toBe('design.yaml');
      expect(w.line).toBeGreaterThan(0);
    }
    expect(plan!.warnings).toEqual(issues.map((i) => i.message));
  });
});

describe('loadWorkspaceText: errors at the exact line and column', () => {
  it('unknown key, in block style: at the key', () => {
    expect(problems(yaml('version: 1', 'listeners:', '  - name: web', '    address: 127.0.0.1:0', '    colour: red'))).toEqual([
      '5:5 unknown key "colour" in listeners[0]',
    ]);
  });

  it('unknown key, in flow style: at the key', () => {
    expect(problems(yaml('version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0, colour: red }'))).toEqual([
      '3:40 unknown key "colour" in listeners[0]',
    ]);
  });

  it('unknown keys at the top level and deep inside, one issue each', () => {
    expect(
      problems(
        ws(
          'listners: []',
          'upstreams:',
          '  u:',
          '    targets: [{ url: "http://127.0.0.1:9001", wieght: 2 }]',
          '    healthCheck: { path: /h, intervall: 1s }',
          'routes:',
          '  - { name: r, upstream: u }',
        ),
      ),
    ).toEqual([
      '4:1 unknown key "listners" at the top level',
      '7:47 unknown key "wieght" in upstreams.u.targets[0]',
      '8:30 unknown key "intervall" in upstreams.u.healthCheck',
    ]);
  });

  it('wrong type: says what was expected and what was written', () => {
    expect(problems(ws('routes:', '  - name: r', '    priority: high', '    respond: { status: 200 }'))).toEqual([
      '6:15 routes[0].priority: expected a number, got "high"',
    ]);
    expect(problems(yaml('version: 1', 'listeners: web'))).toEqual(['2:12 listeners: expected a list, got "web"']);
    expect(problems(ws('routes:', '  - { name: r, priority: 1.5, respond: {} }'))).toEqual([
      '5:26 routes[0].priority: expected an integer, got the number 1.5',
    ]);
  });

  it('a number where a string is expected: suggests quotes', () => {
    expect(problems(ws('routes:', '  - { name: r, match: { headers: { x-beta: 1 } }, respond: {} }'))).toEqual([
      '5:44 routes[0].match.headers.x-beta: expected a string or a map, got the number 1 (write it in quotes: "1")',
    ]);
  });

  it('wrong enum value and wrong literal', () => {
    expect(problems(yaml('version: 2', 'listeners:', '  - { name: web, address: 127.0.0.1:0, mode: sideways }'))).toEqual([
      '1:10 version: expected 1, got the number 2',
      '3:46 listeners[0].mode: expected reverse or forward, got "sideways"',
    ]);
    expect(problems(ws('routes:', '  - { name: r, redirect: { to: /x, status: 200 } }'))).toEqual([
      '5:44 routes[0].redirect.status: expected 301, 302, 303, 307 or 308, got the number 200',
    ]);
  });

  it('numbers out of range and empty lists', () => {
    expect(problems(ws('routes:', '  - { name: r, respond: { status: 700 } }'))).toEqual([
      '5:35 routes[0].respond.status: expected at most 599, got the number 700',
    ]);
    expect(problems(ws('upstreams:', '  u: { targets: [] }'))).toEqual([
      '5:17 upstreams.u.targets: expected at least one item, got an empty list',
    ]);
  });

  it('duplicate listener names: at the second name', () => {
    expect(
      problems(yaml('version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0 }', '  - { name: web, address: 127.0.0.1:0 }')),
    ).toEqual(['4:13 duplicate listener name "web"']);
  });

  it('duplicate route names: at the second name', () => {
    expect(problems(ws('routes:', '  - { name: r, respond: {} }', '  - name: r', '    respond: {}'))).toEqual([
      '6:11 duplicate route name "r"',
    ]);
  });

  it('two listeners on one address (port 0 is never a clash)', () => {
    expect(
      problems(yaml('version: 1', 'listeners:', '  - { name: a, address: 127.0.0.1:8080 }', '  - { name: b, address: 127.0.0.1:8080 }')),
    ).toEqual(['4:25 address 127.0.0.1:8080 is already used by another listener']);
    expect(problems(yaml('version: 1', 'listeners:', '  - { name: a, address: 127.0.0.1:0 }', '  - { name: b, address: 127.0.0.1:0 }'))).toEqual([]);
  });

  it('a route naming an upstream that does not exist', () => {
    expect(problems(ws('routes:', '  - name: r', '    upstream: ghost'))).toEqual([
      '6:15 route "r" names upstream "ghost", which is not defined under upstreams',
    ]);
  });

  it('a route naming a policy that does not exist', () => {
    expect(problems(ws(...UPSTREAM, 'routes:', '  - name: r', '    policies: [ok, nope]', '    upstream: u', 'policies:', '  ok: { type: cache }'))).toEqual([
      '8:20 route "r" names policy "nope", which is not defined under policies',
    ]);
  });

  it('a route naming a listener that does not exist', () => {
    expect(problems(ws('routes:', '  - name: r', '    listeners: [web, admin]', '    respond: {}'))).toEqual([
      '6:22 route "r" names listener "admin", which does not exist',
    ]);
  });

  it('a size written as a bare number: the hint adds a unit', () => {
    expect(problems(ws('capture:', '  maxBodySize: 100'))).toEqual([
      '5:16 capture.maxBodySize: expected a size with its unit, such as "100B" or "100KB", got the number 100',
    ]);
  });

  it('a bad duration, and a duration written as a bare number', () => {
    expect(problems(ws('upstreams:', '  u:', '    targets: [{ url: "http://127.0.0.1:9001" }]', '    timeouts: { connect: 2 seconds }'))).toEqual([
      '7:26 upstreams.u.timeouts.connect: expected a duration such as 500ms, 2s, 1m or 1h, got "2 seconds"',
    ]);
    expect(problems(ws('upstreams:', '  u:', '    targets: [{ url: "http://127.0.0.1:9001" }]', '    slowStart: 30'))).toEqual([
      '7:16 upstreams.u.slowStart: expected a duration with its unit, such as "30s" or "30ms", got the number 30',
    ]);
  });

  it('a header name that is not a token, and a control character in a head value', () => {
    expect(problems(ws('routes:', '  - name: r', '    respond: { headers: { "X-A: b": v } }'))).toEqual([
      `6:27 routes[0].respond.headers: "X-A: b" is not a valid name: not a valid header name (letters, digits and !#$%&'*+.^_\`|~-)`,
    ]);
    expect(problems(ws('routes:', '  - name: r', '    redirect: { to: "https://a.test/\\r\\nx: y" }'))).toEqual([
      '6:21 routes[0].redirect.to: contains a control character (CR, LF, NUL…) (got "https://a.test/\\r\\nx: y")',
    ]);
  });

  it('a bad size', () => {
    expect(problems(yaml('version: 1', 'listeners:', '  - name: web', '    address: 127.0.0.1:0', '    limits: { maxBodySize: 10mb }'))).toEqual([
      '5:28 listeners[0].limits.maxBodySize: expected a size such as 512B, 64KB, 50MB or 1GB, got "10mb"',
    ]);
  });

  it('a bad URL, a URL with a path, a URL without a scheme', () => {
    expect(
      problems(
        ws(
          'upstreams:',
          '  u:',
          '    targets:',
          '      - url: not a url',
          '      - url: http://127.0.0.1:9001/api',
          '      - url: localhost:9002',
          '      - url: http://127.0.0.1:9003?x=1',
          'routes:',
          '  - { name: r, upstream: u }',
        ),
      ),
    ).toEqual([
      '7:14 "not a url" is not a valid URL (expected http://host:port)',
      '8:14 target URL "http://127.0.0.1:9001/api" must not have a path or query; use rewrite instead',
      '9:14 target URL "localhost:9002" must start with http:// or https://',
      '10:14 target URL "http://127.0.0.1:9003?x=1" must not have a path or query; use rewrite instead',
    ]);
  });

  it('a bad regular expression, wherever it is', () => {
    expect(
      problems(
        ws(
          ...UPSTREAM,
          'routes:',
          '  - name: r',
          '    match: { pathRegex: "^/(a", headers: { x-id: { regex: "[" } } }',
          '    rewrite: { regex: { pattern: "*", replacement: "/" } }',
          '    upstream: u',
        ),
      ),
    ).toEqual([
      '8:25 invalid regular expression "^/(a": Unterminated group',
      '8:59 invalid regular expression "[": Unterminated character class',
      '9:34 invalid regular expression "*": Nothing to repeat',
    ]);
  });

  it('a YAML syntax error: an unclosed quote is reported where it opens, not at the end of the file', () => {
    const { issues, plan } = loadWorkspaceText(yaml('version: 1', 'listeners:', '  - name: web', '    address: "127.0.0.1:0', 'routes: []'), 'ws.yaml');
    expect(plan).toBeUndefined();
    expect(issues.map(formatIssue)).toEqual(['ws.yaml:4:14 YAML: this quoted string is never closed (missing closing ")']);
  });

  it('a YAML syntax error: a key whose quote never closes is located too (it used to crash the loader)', () => {
    const { issues, plan } = loadWorkspaceText('a: 1\n"x-key: 2\n', 'ws.yaml');
    expect(plan).toBeUndefined();
    const lines = issues.map(formatIssue);
    expect(lines).toContain('ws.yaml:2:1 YAML: this quoted string is never closed (missing closing ")');
    expect(lines.every((l) => l.startsWith('ws.yaml:2:1 YAML: '))).toBe(true);
  });

  it('a YAML syntax error: an unclosed flow map or list, at its opening bracket', () => {
    expect(problems(yaml('version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0', 'routes: []'))).toEqual([
      '3:5 YAML: this { is never closed with } (or a line inside it is not indented enough)',
    ]);
    expect(problems(yaml('version: 1', 'listeners: [{ name: web, address: 127.0.0.1:0 }', 'routes: []'))).toEqual([
      '2:12 YAML: this [ is never closed with ] (or a line inside it is not indented enough)',
    ]);
  });

  it('a YAML syntax error: an unquoted ": " inside a value', () => {
    expect(problems(ws('routes:', '  - name: r', '    respond: { body: a }', '    match: path: /x'))).toEqual([
      '7:12 YAML: a value with ": " in it must be quoted (or put the nested map on lines of its own)',
    ]);
  });

  it('a YAML indentation error', () => {
    expect(problems(yaml('version: 1', 'listeners:', '\t- { name: web, address: 127.0.0.1:0 }'))).toEqual([
      '3:1 YAML: Tabs are not allowed as indentation',
    ]);
  });

  it('a duplicate YAML key: at the second one, named', () => {
    expect(problems(ws('version: 1'))).toEqual(['4:1 YAML: duplicate key "version" (first at line 1, column 1; a key may appear only once in a map)']);
    expect(problems(yaml('version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0, name: api }'))).toEqual([
      '3:40 YAML: duplicate key "name" (first at line 3, column 7; a key may appear only once in a map)',
    ]);
  });

  it('YAML problems found while reading values (unresolved alias), and several documents', () => {
    expect(problems(yaml('version: 1', 'listeners: *all'))).toEqual([
      '2:12 YAML: Unresolved alias (the anchor must be set before the alias): all',
    ]);
    expect(problems(yaml(...HEAD, '---', 'version: 1'))).toEqual(['4:1 YAML: a workspace is a single YAML document; remove the extra "---"']);
  });

  it('an unknown YAML tag is an error at the tag, not dropped in silence', () => {
    expect(problems(ws('upstreams:', '  u: { targets: [{ url: !env TARGET }] }'))).toEqual([
      '5:25 YAML: tag !env is not supported here; write the plain value',
    ]);
    expect(problems(yaml('version: !!float 1', 'listeners: [{ name: web, address: 127.0.0.1:0 }]'))).toEqual([
      '1:10 YAML: tag !!float is not supported here; write the plain value',
    ]);
    expect(problems(yaml('version: !!int 1', 'listeners: [{ name: web, address: !!str 127.0.0.1:0 }]'))).toEqual([]);
  });

  it('a list or map as a key: an error at the key (not a stringified name and a Node warning)', () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      expect(problems(ws('upstreams:', '  ? [a, b]', '  : { targets: [{ url: http://127.0.0.1:1 }] }'))).toEqual([
        '5:5 YAML: a key must be a plain value, not a list or a map',
      ]);
      expect(problems(ws('x: &k { a: 1 }', 'upstreams:', '  *k : { targets: [{ url: http://127.0.0.1:1 }] }'))).toEqual([
        '6:3 YAML: a key must be a plain value, not a list or a map',
      ]);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('missing required keys: at the map that should hold them', () => {
    expect(problems(yaml('version: 1', 'listeners:', '  - name: web', '    mode: reverse'))).toEqual([
      '3:5 missing required key "address" in listeners[0]',
    ]);
    expect(problems(yaml('# a comment first', 'listeners:', '  - { name: web, address: 127.0.0.1:0 }'))).toEqual([
      '2:1 missing required key "version" at the top level',
    ]);
    expect(problems(ws('upstreams:', '  u: { balancer: random }'))).toEqual(['5:6 missing required key "targets" in upstreams.u']);
    expect(problems('')).toEqual([
      '1:1 missing required key "version" at the top level',
      '1:1 missing required key "listeners" at the top level',
    ]);
  });

  it('an empty value where one is required', () => {
    expect(problems(yaml('version: 1', 'listeners:', '  - name: web', '    address:'))).toEqual([
      '4:13 listeners[0].address: expected a string, got an empty value',
    ]);
  });

  it('a workspace that is not a map', () => {
    expect(problems('- a\n')).toEqual(['1:1 workspace: expected a map, got a list']);
  });

  it('a route with both upstream and respond', () => {
    expect(problems(ws(...UPSTREAM, 'routes:', '  - name: r', '    upstream: u', '    respond: { status: 204 }'))).toEqual([
      '9:14 route "r" has upstream and respond; give exactly one',
    ]);
  });

  it('a route with none of upstream, respond, redirect', () => {
    expect(problems(ws('routes:', '  - name: r', '    match: { path: /x }'))).toEqual([
      '5:11 route "r" needs one of upstream, respond or redirect',
    ]);
  });

  it('`exact` without `path`', () => {
    expect(problems(ws('routes:', '  - name: r', '    match: { exact: true }', '    respond: {}'))).toEqual([
      '6:21 `exact` needs a `path` to match exactly',
    ]);
  });

  it('an unknown policy type, and a policy with no type', () => {
    const all = 'api-key, jwt, basic-auth, rate-limit, cors, ip-filter, headers, body-limit, transform, compress, fault, mock, cache';
    expect(problems(ws('policies:', '  p: { type: oauth, secret: x }', '  q: { limit: 3 }'))).toEqual([
      `5:14 policies.p.type: unknown policy type "oauth"; expected one of ${all}`,
      `6:6 missing required key "type" in policies.q (one of ${all})`,
    ]);
  });

  it('an invalid name used as a map key: at the key', () => {
    expect(problems(ws('upstreams:', '  "bad name": { targets: [{ url: "http://127.0.0.1:1" }] }'))).toEqual([
      '5:3 upstreams: "bad name" is not a valid name: names use letters, digits, ".", "_" and "-"',
    ]);
  });

  it('issues come sorted by position, each with the file name', () => {
    const { issues } = loadWorkspaceText(
      yaml('version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0, zz: 1 }', 'routes:', '  - { name: r, aa: 1, respond: {} }'),
      'some/dir/ws.yaml',
    );
    expect(issues.map(formatIssue)).toEqual([
      'some/dir/ws.yaml:3:40 unknown key "zz" in listeners[0]',
      'some/dir/ws.yaml:5:16 unknown key "aa" in routes[0]',
    ]);
    expect(issues[0].path).toEqual(['listeners', 0, 'zz']);
  });

  it('messages never leak validator jargon', () => {
    const broken = [
      ws('routes:', '  - { name: r, match: { host: [] }, respond: {} }'),
      ws('routes:', '  - { name: r, match: { methods: [get] }, respond: {} }'),
      ws('upstreams:', '  u: { targets: [{ url: "http://a:1", weight: 0 }], retry: { on: [sometimes] }, hashOn: nose }'),
      yaml('version: 1', 'listeners:', '  - { name: web, address: 127.0.0.1:0, tls: { certificates: mine } }'),
      ws('routes:', '  - { name: r, match: { path: api }, respond: {} }'),
    ];
    for (const text of broken) {
      const list = problems(text);
      expect(list.length).toBeGreaterThan(0);
      for (const p of list) expect(p).not.toMatch(/Invalid (input|option|string|key)|Too (big|small)|received|expected (array|object)\b/);
    }
  });
});

describe('loadWorkspaceFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swy-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and names it in every issue', async () => {
    const file = join(dir, 'ws.yaml');
    writeFileSync(file, ws('routes:', '  - { name: r }'));
    const { issues, plan } = await loadWorkspaceFile(file);
    expect(plan).toBeUndefined();
    expect(issues.map(formatIssue)).toEqual([`${file}:5:13 route "r" needs one of upstream, respond or redirect`]);
  });

  it('a missing file is one issue at 1:1', async () => {
    const file = join(dir, 'nope.yaml');
    expect((await loadWorkspaceFile(file)).issues.map(formatIssue)).toEqual([`${file}:1:1 cannot read workspace: file not found`]);
  });
});
