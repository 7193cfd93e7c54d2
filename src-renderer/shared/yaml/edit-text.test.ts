import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { editYaml, YamlEditError } from './edit-text';
import { merge3 } from './merge-lines';

const lines = (s: string) => s.split('\n');

describe('merge3', () => {
  it('keeps our formatting where only the printer changed a line, and takes the edit elsewhere', () => {
    const base = lines('a: [ 1, 2 ]\nb: 1\nc: 3');
    const ours = lines('a: [1, 2]\nb: 1\nc: 3');
    const theirs = lines('a: [ 1, 2 ]\nb: 2\nc: 3');
    expect(merge3(base, ours, theirs)).toEqual(lines('a: [1, 2]\nb: 2\nc: 3'));
  });

  it('takes inserted and deleted lines from the edit', () => {
    const base = lines('x\ny\nz');
    expect(merge3(base, base, lines('x\nnew\ny\nz'))).toEqual(lines('x\nnew\ny\nz'));
    expect(merge3(base, lines('X\ny\nz'), lines('x\nz'))).toEqual(lines('X\nz'));
  });

  it('lets the edit win where both sides changed the same line', () => {
    expect(merge3(lines('k: [ a ]'), lines('k: [a]'), lines('k: [ b ]'))).toEqual(lines('k: [ b ]'));
  });
});

describe('editYaml', () => {
  const text = `# top comment
version: 1
listeners:
  - { name: web, address: 127.0.0.1:8080, mode: reverse }
routes:
  - name: orders        # the orders API
    match: { path: /api/orders, methods: [GET, POST] }
    upstream: orders
upstreams:
  orders:
    balancer: round-robin   # how targets are picked
                            # (continued comment)
    targets:
      - { url: "http://127.0.0.1:9001" }
`;

  it('changes one value and leaves every other line exactly as written', () => {
    const out = editYaml(text, (doc) => doc.setIn(['upstreams', 'orders', 'balancer'], 'random'));
    const before = text.split('\n');
    const after = out.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.map((l, i) => (l === before[i] ? null : i)).filter((i) => i !== null);
    expect(changed).toEqual([10]);
    expect(after[10]).toContain('balancer: random');
    expect(after[10]).toContain('# how targets are picked');
    expect(out).toContain('                            # (continued comment)');
    expect(parse(out).upstreams.orders.balancer).toBe('random');
  });

  it('returns the text unchanged when the edit changes nothing', () => {
    expect(editYaml(text, (doc) => doc.setIn(['version'], 1))).toBe(text);
  });

  it('refuses to edit text with a syntax error', () => {
    expect(() => editYaml('a: [1, 2\nb: }', () => undefined)).toThrow(YamlEditError);
  });
});
