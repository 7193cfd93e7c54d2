import { describe, expect, it } from 'vitest';
import type { ConfigIssue } from '../../client/contract';
import { issuesToMarkers, tokenEnd } from './markers';

const text = (s: string) => {
  const lines = s.split('\n');
  return { lineCount: lines.length, line: (n: number) => lines[n - 1] ?? '' };
};

const issue = (line: number, column: number, message = 'bad', severity: ConfigIssue['severity'] = 'error'): ConfigIssue => ({
  file: 'workspace.yaml',
  line,
  column,
  message,
  path: [],
  severity,
});

describe('tokenEnd', () => {
  it('covers a key up to its colon', () => {
    expect(tokenEnd('  bogus: 1', 3)).toBe(8);
  });
  it('covers a plain value including colons inside it', () => {
    expect(tokenEnd('  - { url: http://a:1, weight: 3 }', 12)).toBe(22);
  });
  it('covers a quoted value with its quotes', () => {
    expect(tokenEnd('  to: "a b" # c', 7)).toBe(12);
  });
  it('marks at least one character, also past the end of the line', () => {
    expect(tokenEnd('x', 1)).toBe(2);
    expect(tokenEnd('', 1)).toBe(2);
  });
});

describe('issuesToMarkers', () => {
  it('places each issue at its line and column with the right severity', () => {
    const markers = issuesToMarkers(
      [issue(2, 3, 'unknown key "bogus"'), issue(3, 13, 'expected a duration', 'warning')],
      text('version: 1\n  bogus: true\n  interval: 2 seconds'),
      { error: 8, warning: 4 },
    );
    expect(markers).toEqual([
      { severity: 8, message: 'unknown key "bogus"', source: 'switchyard', startLineNumber: 2, startColumn: 3, endLineNumber: 2, endColumn: 8 },
      { severity: 4, message: 'expected a duration', source: 'switchyard', startLineNumber: 3, startColumn: 13, endLineNumber: 3, endColumn: 14 },
    ]);
  });

  it('clamps positions that are outside the text (the text changed since)', () => {
    const [m] = issuesToMarkers([issue(40, 99)], text('a: 1\nb: 2'), { error: 8, warning: 4 });
    expect(m).toMatchObject({ startLineNumber: 2, startColumn: 5 });
  });
});
