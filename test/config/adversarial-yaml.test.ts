/**
 * The YAML layer under hostile or sloppy input: every problem must come out
 * as one FILE:LINE:COL issue at the right place, and nothing may be silently
 * dropped (duplicate keys) or silently mangled (bad bytes).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../src-proxy/config/issues.js';
import { loadWorkspaceFile, loadWorkspaceText } from '../../src-proxy/config/load.js';

const LISTENER = 'listeners: [{ name: web, address: 127.0.0.1:0 }]';
const problems = (text: string) => loadWorkspaceText(text, 'w.yaml').issues.filter((i) => i.severity === 'error').map(formatIssue);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-adv-yaml-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('duplicate keys', () => {
  it('are errors naming both positions, at any depth and in flow style', () => {
    expect(problems(`version: 1\n${LISTENER}\nversion: 1\n`)).toEqual([
      'w.yaml:3:1 YAML: duplicate key "version" (first at line 1, column 1; a key may appear only once in a map)',
    ]);
    expect(problems('version: 1\nlisteners:\n  - name: web\n    address: 127.0.0.1:0\n    name: api\n')).toEqual([
      'w.yaml:5:5 YAML: duplicate key "name" (first at line 3, column 5; a key may appear only once in a map)',
    ]);
  });

  it('`1` and "1" are the same key once loaded, so they are duplicates too (not last-wins)', () => {
    const text = [
      'version: 1',
      LISTENER,
      'upstreams:',
      '  1: { targets: [{ url: "http://127.0.0.1:1" }] }',
      '  "1": { targets: [{ url: "http://127.0.0.1:2" }] }',
      'routes: [{ name: r, upstream: "1" }]',
    ].join('\n');
    const r = loadWorkspaceText(text, 'w.yaml');
    expect(r.plan).toBeUndefined();
    expect(r.issues.map(formatIssue)).toEqual(['w.yaml:5:3 YAML: duplicate key "1" (first at line 4, column 3; a key may appear only once in a map)']);
  });
});

describe('anchors, aliases and merge keys', () => {
  it('an alias for a whole value works', () => {
    const text = 'version: 1\nlisteners:\n  - name: web\n    address: 127.0.0.1:0\n    limits: &lim { maxUrlLength: 4KB }\n  - { name: api, address: 127.0.0.1:0, limits: *lim }\n';
    const r = loadWorkspaceText(text, 'w.yaml');
    expect(r.issues).toEqual([]);
    expect(r.plan!.listeners[1]!.limits.maxUrlLength).toBe(4096);
  });

  it('a merge key is one clear error at the "<<", not "unknown key" plus "missing key"', () => {
    const text = 'version: 1\nlisteners:\n  - <<: { address: 127.0.0.1:0 }\n    name: web\n';
    expect(problems(text)).toEqual([
      'w.yaml:3:5 YAML: merge keys ("<<") are not supported; write the keys out (an alias such as *name can still stand for a whole value)',
    ]);
    // A quoted "<<" is an ordinary (unknown) key.
    expect(problems('version: 1\nlisteners:\n  - { "<<": 1, name: web, address: 127.0.0.1:0 }\n')).toEqual([
      'w.yaml:3:7 unknown key "<<" in listeners[0]',
    ]);
  });

  it('a billion-laughs alias bomb is refused with a located error', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let n = 1; n < 9; n++) {
      const prev = String.fromCharCode(96 + n);
      const name = String.fromCharCode(97 + n);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const r = loadWorkspaceText(`version: 1\n${LISTENER}\nx:\n${levels.map((l) => '  ' + l).join('\n')}\n`, 'w.yaml');
    expect(r.plan).toBeUndefined();
    expect(r.issues.map(formatIssue)).toEqual(['w.yaml:5:10 YAML: Excessive alias count indicates a resource exhaustion attack']);
  });
});

describe('a broken paste with thousands of YAML errors', () => {
  it('reports the first 20, in file order (locating every one would stall the engine)', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `  - { name: "a${i}", address: 127.0.0.1:0, x: 'unclosed }`);
    const issues = loadWorkspaceText(`version: 1\nlisteners:\n${lines.join('\n')}\n`, 'w.yaml').issues;
    expect(issues).toHaveLength(20);
    expect(issues[0]).toMatchObject({ line: 3, severity: 'error' });
    expect(issues.map((i) => i.line)).toEqual([...issues.map((i) => i.line)].sort((a, b) => a - b));
  });
});

describe('whitespace, encodings and odd documents', () => {
  it('tab indentation is located; a BOM and CRLF line endings do not shift positions', () => {
    expect(problems('version: 1\nlisteners:\n\t- name: web\n')).toEqual(['w.yaml:3:1 YAML: Tabs are not allowed as indentation']);
    const body = ['version: 1', 'listeners:', '  - name: web', '    address: 127.0.0.1:0', '    colour: red', ''];
    const expected = ['w.yaml:5:5 unknown key "colour" in listeners[0]'];
    expect(problems('\uFEFF' + body.join('\n'))).toEqual(expected);
    expect(problems(body.join('\r\n'))).toEqual(expected);
  });

  it('a file that is not UTF-8 is an error at the first bad byte, not silently mangled', async () => {
    const latin1 = join(dir, 'latin1.yaml');
    await writeFile(latin1, Buffer.concat([Buffer.from('version: 1\nlisteners:\n  - { name: w'), Buffer.from([0xe9]), Buffer.from('b, address: 127.0.0.1:0 }\n')]));
    expect((await loadWorkspaceFile(latin1)).issues.map(formatIssue)).toEqual([
      `${latin1}:3:14 the file is not valid UTF-8 (byte 0xE9); save it as UTF-8`,
    ]);
    const utf16 = join(dir, 'utf16.yaml');
    await writeFile(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`version: 1\n${LISTENER}\n`, 'utf16le')]));
    expect((await loadWorkspaceFile(utf16)).issues.map(formatIssue)).toEqual([`${utf16}:1:1 the file is UTF-16; save it as UTF-8`]);
    // Real UTF-8 (and a BOM) is fine.
    const good = join(dir, 'good.yaml');
    await writeFile(good, `\uFEFFversion: 1\n${LISTENER}\nroutes: [{ name: cafe, respond: { body: "héllo ✓" } }]\n`);
    const loaded = await loadWorkspaceFile(good);
    expect(loaded.issues).toEqual([]);
    const action = loaded.plan!.routes[0]!.action;
    expect(action.kind === 'respond' && action.body.toString('utf8')).toBe('héllo ✓');
  });

  it('a directory or a missing file is a readable error at 1:1', async () => {
    const sub = join(dir, 'a-dir.yaml');
    await mkdir(sub);
    expect((await loadWorkspaceFile(sub)).issues.map(formatIssue)).toEqual([`${sub}:1:1 cannot read workspace: it is a directory, not a file`]);
    expect((await loadWorkspaceFile(join(dir, 'nope.yaml'))).issues.map(formatIssue)).toEqual([`${join(dir, 'nope.yaml')}:1:1 cannot read workspace: file not found`]);
  });

  it('an empty file, a list, a scalar, huge numbers and version 2', () => {
    expect(problems('')).toEqual(['w.yaml:1:1 missing required key "version" at the top level', 'w.yaml:1:1 missing required key "listeners" at the top level']);
    expect(problems('- a\n- b\n')).toEqual(['w.yaml:1:1 workspace: expected a map, got a list']);
    expect(problems('hello\n')).toEqual(['w.yaml:1:1 workspace: expected a map, got "hello"']);
    expect(problems(`version: 1e400\n${LISTENER}\n`)).toEqual(['w.yaml:1:10 version: expected 1, got the number Infinity']);
    expect(problems(`version: 2\n${LISTENER}\n`)).toEqual(['w.yaml:1:10 version: expected 1, got the number 2']);
  });
});
