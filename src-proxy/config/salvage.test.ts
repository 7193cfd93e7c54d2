/**
 * One `validate` lists compile's errors (URLs, regexes, addresses) beside the
 * schema's, with their own positions, and never reports what only the
 * removal of a broken entity would cause.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkspaceText } from './load.js';

/** Joins lines so that line N of the YAML is argument N: positions in the tests read directly. */
const yaml = (...lines: string[]) => lines.join('\n') + '\n';

/** Every issue as `LINE:COL message`, warnings marked. */
function problems(text: string): string[] {
  return loadWorkspaceText(text, 'ws.yaml').issues.map((i) => `${i.line}:${i.column} ${i.severity === 'warning' ? 'warning: ' : ''}${i.message}`);
}

const REDOS = 'is refused: a repeated group contains another unbounded repetition';

describe('schema and compile errors in one pass', () => {
  it('lists unknown keys, a bad target URL, an unsafe regex and a dangling upstream together', () => {
    const found = problems(
      yaml(
        'version: 1',
        'listeners:',
        '  - { name: web, address: "127.0.0.1:8080", colour: red }',
        'upstreams:',
        '  up: { targets: [{ url: "http//nope" }] }',
        'routes:',
        '  - { name: all, match: { pathRegex: "(a+)+$" }, upstream: up }',
        '  - { name: two, match: { path: /x }, upstream: missing, timeout: 5 }',
      ),
    );
    expect(found).toEqual([
      '3:45 unknown key "colour" in listeners[0]',
      '5:26 "http//nope" is not a valid URL (expected http://host:port)',
      expect.stringMatching(new RegExp(`^7:38 regular expression "\\(a\\+\\)\\+\\$" ${REDOS}`)),
      '8:49 route "two" names upstream "missing", which is not defined under upstreams',
      '8:58 unknown key "timeout" in routes[1]',
    ]);
  });

  it('points compile errors at the right list item when items before them are broken', () => {
    const found = problems(
      yaml(
        'version: 1',
        'listeners:',
        '  - { name: a, address: 8080 }',
        '  - { name: b, address: "127.0.0.1:70000" }',
        'upstreams:',
        '  up: { targets: [{ url: "http://127.0.0.1:9001" }] }',
        'routes:',
        '  - { name: r0, match: { path: 5 }, upstream: up }',
        '  - { name: r1, match: { path: /ok }, upstream: up }',
        '  - { name: r2, match: { pathRegex: "(" }, upstream: up }',
      ),
    );
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/^3:\d+ listeners\[0\]\.address: /);
    expect(found[1]).toBe('4:25 port 70000 is out of range (0-65535)');
    expect(found[2]).toMatch(/^8:\d+ routes\[0\]\.match\.path: /);
    expect(found[3]).toMatch(/^10:\d+ invalid regular expression "\(": /);
  });

  it('does not check what is left of a broken entity, nor warn before the file is valid', () => {
    // Without its broken first target the upstream would have only backup targets; it is not used by
    // any route either. Neither is reported: the first follows from the error, the second is a warning.
    const found = problems(
      yaml(
        'version: 1',
        'listeners:',
        '  - { name: web, address: "127.0.0.1:0" }',
        'upstreams:',
        '  up: { targets: [{ url: 5 }, { url: "http://127.0.0.1:9002", backup: true }] }',
        '  other: { targets: [{ url: "ftp://127.0.0.1:21" }] }',
        'flavour: vanilla',
      ),
    );
    expect(found).toEqual([
      expect.stringMatching(/^5:\d+ upstreams\.up\.targets\[0\]\.url: expected a string, got the number 5/),
      '6:29 target URL "ftp://127.0.0.1:21" must start with http:// or https://',
      '7:1 unknown key "flavour" at the top level',
    ]);
  });

  it('still checks routes when every listener is broken, and never reports the stand-in', () => {
    const found = problems(
      yaml(
        'version: 2',
        'listeners:',
        '  - { name: web }',
        'routes:',
        '  - { name: r, match: { pathRegex: "(x*)*y" }, respond: { status: 200 } }',
      ),
    );
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^1:10 /);
    expect(found[1]).toMatch(/^3:5 missing required key "address" in listeners\[0\]/);
    expect(found[2]).toMatch(new RegExp(`^5:36 regular expression "\\(x\\*\\)\\*y" ${REDOS}`));
  });

  it('reads every error of a parse by that parse\'s indexes, however many routes are broken and wherever', () => {
    const routes = Array.from({ length: 11 }, (_, i) => {
      if (i === 9) return '  - { name: r9, match: { pathRegex: "(" }, upstream: up }';
      if ([0, 1, 3, 6].includes(i)) return `  - { name: r${i}, match: { path: 5, exact: 7 }, upstream: up }`;
      if (i === 10) return '  - { name: r10, upstream: up, bogus: 1 }';
      return `  - { name: r${i}, match: { path: /r${i} }, upstream: up }`;
    });
    const found = problems(yaml('version: 1', 'listeners: [{ name: web, address: "127.0.0.1:0" }]', 'upstreams: { up: { targets: [{ url: "http//nope" }] } }', 'routes:', ...routes));
    expect(found.filter((p) => p.startsWith('3:'))).toEqual(['3:37 "http//nope" is not a valid URL (expected http://host:port)']);
    expect(found.filter((p) => p.startsWith('14:'))).toEqual([expect.stringMatching(/^14:37 invalid regular expression "\(": /)]);
    expect(found.filter((p) => p.startsWith('15:'))).toEqual(['15:32 unknown key "bogus" in routes[10]']);
  });

  it('invents nothing for a misspelt key: the entity it is in waits until it is fixed', () => {
    const found = problems(
      yaml(
        'version: 1',
        'listeners: [{ name: web, address: "127.0.0.1:0" }]',
        'upstreams:',
        '  up: { targets: [{ url: "http://127.0.0.1:9001" }], tls: { cert: a.pem, kye: a.key } }',
        'routes:',
        '  - { name: r0, upstrem: up }',
        '  - { name: r1, match: { exact: true, pth: /x }, upstream: up }',
        'policies:',
        '  f: { type: fault, dely: 1s }',
        '  j: { type: jwt, algorithms: [HS256], secrt: "0123456789012345678901234567890123" }',
      ),
    );
    expect(found).toEqual([
      expect.stringMatching(/^4:\d+ unknown key "kye" in upstreams\.up\.tls$/),
      expect.stringMatching(/^6:\d+ unknown key "upstrem" in routes\[0\]$/),
      expect.stringMatching(/^7:\d+ unknown key "pth" in routes\[1\]\.match$/),
      expect.stringMatching(/^9:\d+ unknown key "dely" in policies\.f$/),
      expect.stringMatching(/^10:\d+ unknown key "secrt" in policies\.j$/),
    ]);
  });

  it('gives the schema errors alone when the shape cannot be salvaged', () => {
    const found = problems(yaml('version: 1', 'listeners: everywhere', 'routes:', '  - { name: r, match: { pathRegex: "(" }, respond: { status: 200 } }'));
    expect(found).toEqual([expect.stringMatching(/^2:\d+ listeners: expected a list, got "everywhere"/)]);
  });
});
