/**
 * What the exporters must refuse or leave out rather than write something
 * else: values no config can carry (control characters, header names that
 * are not tokens), characters a target reads as syntax, and regexes a
 * target's engine cannot compile. Configs that are written are checked with
 * the real nginx, HAProxy and Caddy.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { SwitchyardError } from '../../src-proxy/errors.js';
import { EXPORT_TARGETS, renderExport, type ExportTarget } from '../../src-proxy/export/index.js';
import { caddyEnv, check, compile, localiseCaddy, localiseHaproxy, localiseNginx, removeDir, tempDir } from './engines.js';

const HEAD = `version: 1
listeners:
  - name: web
    address: 127.0.0.1:8080
upstreams:
  app:
    targets:
      - url: http://127.0.0.1:9401
routes:
`;

let dir: string;
beforeAll(async () => {
  dir = await tempDir('swy-export-adversarial-');
});
afterAll(async () => {
  await removeDir(dir);
});

function refusal(yaml: string, target: ExportTarget): SwitchyardError {
  const plan = compile(HEAD + yaml);
  try {
    renderExport(plan, target);
  } catch (e) {
    if (e instanceof SwitchyardError) return e;
    throw e;
  }
  throw new Error(`${target} exported the workspace instead of refusing it`);
}

async function nginxCheck(text: string, name: string): Promise<void> {
  const d = path.join(dir, `nginx-${name}`);
  const conf = path.join(d, 'nginx.conf');
  await writeFile(conf, await localiseNginx(text, d, []));
  expect((await check('nginx', ['-t', '-c', conf, '-e', path.join(d, 'error.log')])).all).toContain('test is successful');
}

async function haproxyCheck(text: string, name: string): Promise<string> {
  const d = path.join(dir, `haproxy-${name}`);
  const cfg = path.join(d, 'haproxy.cfg');
  await writeFile(cfg, await localiseHaproxy(text, d, []));
  const out = (await check('haproxy', ['-c', '-f', cfg])).all;
  expect(out).toContain('Configuration file is valid');
  return out;
}

/** The Caddyfile adapted to Caddy's JSON (which fails on a broken file). */
async function caddyAdapt(text: string): Promise<string> {
  const d = await tempDir('swy-caddy-adv-');
  try {
    const file = path.join(d, 'Caddyfile');
    await writeFile(file, await localiseCaddy(text, d));
    return (await check('caddy', ['adapt', '--config', file, '--adapter', 'caddyfile'], caddyEnv(d))).stdout;
  } finally {
    await removeDir(d);
  }
}

describe('values no export can carry are refused, naming the route and field', () => {
  // Caught already by validation, with their position: exports never see them.
  const invalid: [string, string, string][] = [
    ['a respond header name that is not a token', `  - name: bad-name\n    respond: { status: 200, headers: { "X-A: b": "1" } }\n`, 'not a valid header name'],
    ['CR LF in rewrite.host (header splitting)', `  - name: split\n    upstream: app\n    rewrite: { host: "a.test\\r\\nX-Injected: 1" }\n`, 'rewrite.host: contains a control character'],
    ['a newline in a redirect target', `  - name: redir\n    redirect: { to: "/a\\nb" }\n`, 'redirect.to: contains a control character'],
  ];
  it.each(invalid)('%s: refused by validation', (_, yaml, message) => {
    const { plan, issues } = loadWorkspaceText(HEAD + yaml, 'example.yaml');
    expect(plan).toBeUndefined();
    expect(issues.map((i) => i.message).join('\n')).toContain(message);
  });

  // A header condition's value is matched, not sent, so validation lets any text through; a newline would
  // start a new directive in line-based configs.
  it.each(EXPORT_TARGETS.map((t) => [t]))('a newline in a header condition: %s refuses', (target) => {
    const e = refusal(`  - name: nl\n    match: { headers: { x-t: "a\\n    http-request deny #" } }\n    upstream: app\n`, target);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/route nl: match\.headers\.x-t: .* contains a control character/);
    expect(e.message).toContain(`cannot export to ${target}`);
  });
});

describe('HAProxy: characters its config reads as syntax', () => {
  it('"#" and "$" in header names (valid tokens) stay part of the name instead of starting a comment', async () => {
    const plan = compile(HEAD + `  - name: hash\n    match: { headers: { "x#y": { present: true } } }\n    respond: { status: 200, headers: { "x$z#w": "1" } }\n`);
    const text = renderExport(plan, 'haproxy').text;
    expect(text).toContain("{ req.hdr('x#y') -m found }");
    expect(text).toContain("hdr 'x$z#w' \"1\"");
    await haproxyCheck(text, 'hash');
  });

  it('a query name with a comma (an argument separator in sample fetches) is refused', () => {
    const e = refusal(`  - name: comma\n    match: { query: { "a,b": "1" } }\n    upstream: app\n`, 'haproxy');
    expect(e.message).toMatch(/route comma: match\.query: "a,b"/);
  });

  // (A path with spaces or "#", or a Host with spaces, is refused by validate: such a probe cannot be sent.)
  it('health-check path and Host with quote and dollar characters are quoted, not read as syntax', async () => {
    const yaml = HEAD.replace(
      '      - url: http://127.0.0.1:9401\n',
      '      - url: http://127.0.0.1:9401\n    healthCheck: { path: "/health\'x;y", host: "a$b" }\n',
    ) + '  - name: r\n    upstream: app\n';
    const text = renderExport(compile(yaml), 'haproxy').text;
    expect(text).toContain("option httpchk GET '/health'\\''x;y'");
    expect(text).toContain('http-check send hdr Host "a\\$b"');
    await haproxyCheck(text, 'hc');
  });
});

describe('Caddy: parse-time environment references and placeholders', () => {
  it('a value holding "{$" (replaced from the environment when the Caddyfile loads) is refused', () => {
    const e = refusal(`  - name: env\n    respond: { status: 200, body: "token {$HOME}" }\n`, 'caddy');
    expect(e.message).toMatch(/\{\$/);
  });

  it('a quote in a query regex cannot close the CEL string (no expression injection, no broken config)', async () => {
    const plan = compile(HEAD + `  - name: q\n    match: { query: { v: { regex: "^a'\\\\)|true|\\\\('$" } } }\n    upstream: app\n`);
    const text = renderExport(plan, 'caddy').text;
    expect(text).toContain(String.raw`matches(r'^a\x27\)|true|\(\x27$')`);
    await caddyAdapt(text);
  });
});

describe('regexes the target engine cannot compile: the route is left out and reported', () => {
  const yaml = `  - name: lookahead\n    match: { path: /la, headers: { x-t: { regex: "^(?=a)a+$" } } }\n    upstream: app\n  - name: plain\n    match: { path: /p }\n    upstream: app\n`;

  it.each([['caddy'], ['envoy'], ['traefik']] as [ExportTarget][])('%s (RE2) leaves the lookahead route out', async (target) => {
    const result = renderExport(compile(HEAD + yaml), target);
    expect(result.notes).toContainEqual(expect.objectContaining({ fidelity: 'unsupported', subject: 'route lookahead', detail: expect.stringMatching(/lookaround.*route left out/) }));
    expect(result.text).not.toContain('(?=a)');
    if (target === 'caddy') expect(await caddyAdapt(result.text)).toContain('plain');
  });

  it('nginx and HAProxy (PCRE) keep it, and their configs load', async () => {
    const plan = compile(HEAD + yaml);
    const nginx = renderExport(plan, 'nginx').text;
    expect(nginx).toContain('(?=a)');
    await nginxCheck(nginx, 'lookahead');
    await haproxyCheck(renderExport(plan, 'haproxy').text, 'lookahead');
  });

  it('a non-ASCII \\u escape is left out of nginx (PCRE matches bytes there), and the config still loads', async () => {
    const result = renderExport(compile(HEAD + `  - name: accent\n    match: { pathRegex: "^/caf\\\\u00e9$" }\n    upstream: app\n`), 'nginx');
    expect(result.notes).toContainEqual(expect.objectContaining({ fidelity: 'unsupported', subject: 'route accent' }));
    expect(result.text).not.toContain('location @accent');
    await nginxCheck(result.text, 'accent');
  });
});

describe('nginx: header names it cannot see', () => {
  it('a header condition on a name with "_" (dropped by ignore_invalid_headers, and $http_x_y would also match X-Y) leaves the route out', async () => {
    const result = renderExport(compile(HEAD + `  - name: under\n    match: { headers: { x_y: "1" } }\n    upstream: app\n`), 'nginx');
    expect(result.notes).toContainEqual(expect.objectContaining({ fidelity: 'unsupported', subject: 'route under', detail: expect.stringMatching(/"x_y".*route left out/) }));
    expect(result.text).not.toContain('location @under');
    await nginxCheck(result.text, 'under');
  });
});

describe('nginx: query names without an $arg_ variable', () => {
  it('leave the route out instead of dropping the condition (which would match more requests than Switchyard)', async () => {
    const result = renderExport(compile(HEAD + `  - name: dotted\n    match: { path: /d, query: { "a.b": "1" } }\n    upstream: app\n  - name: other\n    match: { path: /d }\n    respond: { status: 204 }\n`), 'nginx');
    expect(result.notes).toContainEqual(expect.objectContaining({ fidelity: 'unsupported', subject: 'route dotted', detail: expect.stringMatching(/route left out/) }));
    expect(result.text).not.toContain('location @dotted');
    await nginxCheck(result.text, 'dotted');
  });
});

describe('Traefik: a backquote in a value', () => {
  it('is kept (as a Go double-quoted string) instead of being dropped from the value', () => {
    const text = renderExport(compile(HEAD + '  - name: tick\n    match: { headers: { x-t: "a`b" } }\n    upstream: app\n'), 'traefik').text;
    expect(text).toContain('Header(`x-t`, "a`b")');
  });
});

describe('Kong: an exact header value that looks like Kong regex syntax', () => {
  it('a value starting with "~*" is matched as that text, not run as a regex', () => {
    const text = renderExport(compile(HEAD + '  - name: tilde\n    match: { headers: { x-t: "~*.+" } }\n    upstream: app\n'), 'kong').text;
    expect(text).toContain(String.raw`~*^~\*\.\+$`);
    expect(text).not.toMatch(/- ~\*\.\+$/m);
  });
});

/**
 * Traefik's file provider and decK execute the whole file as a Go template
 * before reading it. This renders the two forms the exports may contain (an
 * escaped delimiter and decK's env references) and fails on any other action.
 */
function renderGoTemplate(text: string, open: string, env: Record<string, string>): string {
  let out = '';
  let rest = text;
  for (let i = rest.indexOf(open); i >= 0; i = rest.indexOf(open)) {
    out += rest.slice(0, i);
    rest = rest.slice(i + open.length);
    const end = rest.indexOf('}}');
    const action = rest.slice(0, end).trim();
    const raw = /^`([^`]*)`$/.exec(action);
    const ref = /^env "([A-Z0-9_]+)"$/.exec(action);
    if (raw) out += raw[1];
    else if (ref && ref[1] in env) out += env[ref[1]];
    else throw new Error(`the template engine would execute: ${open}${action}}}`);
    rest = rest.slice(end + 2);
  }
  return out + rest;
}

describe('Traefik and Kong (decK): Go template delimiters in values', () => {
  const yaml = `  - name: tpl\n    match: { path: /t, headers: { x-t: '{{ env "HOME" }} \${{ env "DECK_X" }}' } }\n    upstream: app\n`;

  it('Traefik: "{{" in a value is written so the template engine prints it instead of running it', () => {
    const text = renderExport(compile(HEAD + yaml), 'traefik').text;
    expect(renderGoTemplate(text, '{{', {})).toContain('Header(`x-t`, `{{ env "HOME" }} ${{ env "DECK_X" }}`)');
  });

  it('Kong: "${{" in a value is printed by decK, while the exporter\'s own secret references stay references', () => {
    const plan = compile(
      HEAD.replace('routes:\n', 'policies:\n  keys: { type: api-key, keys: { k1: { consumer: acme } } }\nroutes:\n') + yaml.replace('    upstream: app\n', '    upstream: app\n    policies: [keys]\n'),
    );
    const rendered = renderGoTemplate(renderExport(plan, 'kong').text, '${{', { DECK_SWITCHYARD_SECRET_KEYS_KEY_1: 'k1' });
    expect(rendered).toContain('{{ env "HOME" }} ${{ env "DECK_X" }}');
    expect(rendered).toContain('key: k1');
  });
});

describe('policy values with quotes, "#", ";", braces and "$"', () => {
  const policies = `policies:
  cors1: { type: cors, origins: ["https://a.test"], headers: ["x-a#b"], exposeHeaders: ["x-e$f"] }
  hdr: { type: headers, request: { set: { "x-s#t": "v;#{x}$y'\\"%[src]" } }, response: { set: { "x-o#t": "v;#{x}$y'\\"%[src]" }, remove: ["x-q#q"] }, securityHeaders: { csp: "default-src 'self'; script-src {x} $y" } }
  ba: { type: basic-auth, realm: "r#;{x}$y", users: { "u#$'x": "$2y$05$abcdefghijklmnopqrstuu5kDxF6q2D8y2K7nAqVd7E2d0L6mL2pG" } }
  mk: { type: mock, status: 200, headers: { "x-m#k": "m;#{x}$y'\\"" }, body: "/mock;#{x}$y'\\"%[src]\\nline" }
  gz: { type: compress, contentTypes: ["text/html; charset=utf-8", "application/x#y"] }
routes:
  - name: r1
    match: { path: /a }
    policies: [cors1, hdr, ba]
    upstream: app
  - name: r2
    match: { path: /m }
    policies: [mk]
    upstream: app
  - name: r3
    match: { path: /g }
    policies: [gz]
    upstream: app
`;
  const plan = () => compile(HEAD.replace('routes:\n', () => policies));

  it('HAProxy keeps "#" in mock header names and compression types as text (not a comment)', async () => {
    const text = renderExport(plan(), 'haproxy', { includeSecrets: true }).text;
    expect(text).toContain(`hdr 'x-m#k' "m;#{x}\\$y'\\""`);
    expect(text).toContain(`compression type 'text/html; charset=utf-8' 'application/x#y'`);
    expect(text).toContain(`user 'u#$'\\''x' password`);
    const out = await haproxyCheck(text, 'policies');
    expect(out).not.toMatch(/\[WARNING\]/);
  });

  it('nginx and Caddy load them', async () => {
    await nginxCheck(renderExport(plan(), 'nginx', { includeSecrets: true }).text, 'policies');
    expect(await caddyAdapt(renderExport(plan(), 'caddy', { includeSecrets: true }).text)).toMatch(/x-m#k/i);
  });

  it('nginx refuses a policy header it has no variable for ($http_x_k#y would read $http_x_k, then the text "#y")', () => {
    const withKey = compile(HEAD.replace('routes:\n', 'policies:\n  key: { type: api-key, header: "x-k#y", keys: { k1: { consumer: c } } }\nroutes:\n') + '  - name: k\n    policies: [key]\n    upstream: app\n');
    expect(() => renderExport(withKey, 'nginx')).toThrow(/cannot export to nginx: header "x-k#y"/);
  });
});

describe('HAProxy: fixed answers it cannot give as written', () => {
  it('a 204/304 respond drops its body (never sent, by Switchyard either) and a 1xx respond route is left out; the config loads', async () => {
    const plan = compile(
      HEAD +
        '  - name: nocontent\n    match: { path: /n }\n    respond: { status: 204, body: "ignored" }\n' +
        '  - name: notmod\n    match: { path: /m }\n    respond: { status: 304, body: "ignored" }\n' +
        '  - name: early\n    match: { path: /e }\n    respond: { status: 103 }\n',
    );
    const result = renderExport(plan, 'haproxy');
    expect(result.text).toMatch(/http-request return status 204 if/);
    expect(result.notes).toContainEqual(expect.objectContaining({ fidelity: 'unsupported', subject: 'route early' }));
    await haproxyCheck(result.text, 'bodyless');
  });
});
