import { describe, expect, it } from 'vitest';
import { statusRegex } from './haproxy-syntax.js';
import { escapeRegex, greaterThan, portabilityIssue, toRe2, wholeSubjectRewrite, type TemplatePart } from './regex.js';

/** Applies a wrapped rewrite the way nginx/HAProxy/Caddy do: match the whole subject, expand the template. */
function applyWhole(regex: string, parts: TemplatePart[], subject: string): string {
  const m = new RegExp(regex).exec(subject);
  if (!m) return subject;
  return parts.map((p) => ('group' in p ? (m[p.group] ?? '') : p.text)).join('');
}

describe('wholeSubjectRewrite', () => {
  it.each([
    ['^/items/([0-9]+)$', '/catalog/item/$1', '/items/42'],
    ['users', 'people', '/v1/users/users'],
    ['/(?<id>[0-9]+)', '/n/$<id>', '/a/12/b/34'],
    ['(a)(b)?', '[$2|$1|$&]', '/xaay'],
    ['nomatch', 'x', '/path'],
    ['\\.json$', '.xml?', '/a.json'],
  ])('%s → %s on %s matches JavaScript replace', (pattern, replacement, subject) => {
    const re = new RegExp(pattern);
    const w = wholeSubjectRewrite(re, replacement)!;
    expect(applyWhole(w.regex, w.parts, subject)).toBe(subject.replace(re, replacement));
  });

  it('refuses $` and $\' (text around the match)', () => {
    expect(wholeSubjectRewrite(/a/, "$`")).toBeNull();
    expect(wholeSubjectRewrite(/a/, "$'")).toBeNull();
  });
});

describe('regex helpers', () => {
  it('escapeRegex makes a literal', () => {
    const s = '/a.b(c)[d]{e}+*?^$|\\';
    expect(new RegExp(`^${escapeRegex(s)}$`).test(s)).toBe(true);
  });

  it('names RE2 gaps and converts named groups', () => {
    expect(portabilityIssue('^/a(?=b)', 're2')).toMatch(/lookaround/);
    expect(portabilityIssue('^/a(?=b)', 'pcre')).toBeNull();
    expect(portabilityIssue('(a)\\1', 're2')).toMatch(/backreferences/);
    expect(toRe2('^/(?<id>[0-9]+)(?<=x)')).toBe('^/(?P<id>[0-9]+)(?<=x)');
  });

  it('statusRegex covers exactly the ranges', () => {
    const re = new RegExp(statusRegex([[200, 399], [404, 404], [500, 503]]));
    const ok = (n: number) => (n >= 200 && n <= 399) || n === 404 || (n >= 500 && n <= 503);
    for (let n = 100; n < 600; n++) expect([n, re.test(String(n))]).toEqual([n, ok(n)]);
  });
});

describe('greaterThan (Content-Length checks)', () => {
  it.each([0, 7, 9, 10, 99, 1048576, 1000])('matches exactly the integers above %i', (n) => {
    const re = new RegExp(greaterThan(n));
    for (const v of [0, 1, 5, 8, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 1048575, 1048576, 1048577, 2000000, 10485760]) {
      expect([v, re.test(String(v))]).toEqual([v, v > n]);
    }
  });
});
