import { describe, expect, it } from 'vitest';
import { readWorkspace } from './model';

describe('readWorkspace on a YAML syntax error', () => {
  it('names the position once, without the parser\'s dangling "at line …:"', () => {
    const r = readWorkspace('version: 1\nroutes:\n  - name: a\n    match: { path: /a\n    upstream: x\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/^line \d+, column \d+: \S/);
    expect(r.error).not.toMatch(/at line \d+, column \d+/);
    expect(r.error).not.toMatch(/:$/);
  });
});
