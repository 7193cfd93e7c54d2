import { describe, expect, it } from 'vitest';
import { diffText, formatUnified, splitLines } from './text-diff.js';

/** Applies a diff's hunks to a, which must give b (checks hunks are complete and consistent). */
function apply(a: string, diff: ReturnType<typeof diffText>): string[] {
  const lines = splitLines(a);
  const out: string[] = [];
  let pos = 0;
  for (const h of diff.hunks) {
    const start = h.aLines === 0 ? h.aStart : h.aStart - 1;
    while (pos < start) out.push(lines[pos++]);
    for (const l of h.lines) {
      if (l.op === ' ') {
        expect(lines[pos]).toBe(l.text);
        out.push(lines[pos++]);
      } else if (l.op === '-') {
        expect(lines[pos]).toBe(l.text);
        pos++;
      } else out.push(l.text);
    }
  }
  while (pos < lines.length) out.push(lines[pos++]);
  return out;
}

describe('diffText', () => {
  it('produces unified hunks with context', () => {
    const a = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'].join('\n') + '\n';
    const b = a.replace('two\n', 'TWO\n').replace('eleven\n', '').replace('twelve\n', 'twelve\nthirteen\n');
    const d = diffText(a, b);
    expect(d.same).toBe(false);
    expect(d.added).toBe(2);
    expect(d.removed).toBe(2);
    expect(formatUnified(d)).toBe(
      [
        '@@ -1,5 +1,5 @@',
        ' one',
        '-two',
        '+TWO',
        ' three',
        ' four',
        ' five',
        '@@ -8,5 +8,5 @@',
        ' eight',
        ' nine',
        ' ten',
        '-eleven',
        ' twelve',
        '+thirteen',
      ].join('\n'),
    );
    expect(apply(a, d)).toEqual(splitLines(b));
  });

  it('finds a minimal diff (LCS) and the hunks rebuild b from a', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 30; round++) {
      const a = Array.from({ length: 60 }, () => String.fromCharCode(97 + Math.floor(rnd() * 5)));
      const b = a.filter(() => rnd() > 0.2).map((l) => (rnd() > 0.9 ? l.toUpperCase() : l));
      for (let i = 0; i < 5; i++) b.splice(Math.floor(rnd() * b.length), 0, 'new');
      const d = diffText(a.join('\n'), b.join('\n'), { context: 2 });
      expect(apply(a.join('\n'), d)).toEqual(b);
      // Minimal: edits = |a| + |b| - 2·LCS.
      expect(d.added + d.removed).toBe(a.length + b.length - 2 * lcs(a, b));
    }
  });

  it('says same for equal texts and handles empty sides', () => {
    expect(diffText('a\nb\n', 'a\nb\n')).toMatchObject({ same: true, hunks: [] });
    expect(diffText('', 'x\ny')).toMatchObject({ added: 2, removed: 0 });
    expect(diffText('x\ny', '')).toMatchObject({ added: 0, removed: 2 });
  });

  it('stays bounded on large, completely different inputs', () => {
    const a = Array.from({ length: 50_000 }, (_, i) => `line a ${i}`).join('\n');
    const b = Array.from({ length: 50_000 }, (_, i) => `line b ${i}`).join('\n');
    const d = costsAboutAsMuchAsLinear(() => diffText(a, b), () => diffText(a, b, { maxWork: 0 }));
    expect(d.approximate).toBe(true);
    expect(d.added).toBe(50_000);
    expect(d.removed).toBe(50_000);
    expect(d.truncated).toBe(true);
    expect(d.hunks.reduce((n, h) => n + h.lines.length, 0)).toBe(10_000);
  });

  it('is exact and quick for a few changes in a large text', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `row ${i}`);
    const changed = lines.slice();
    changed[500] = 'changed';
    changed.splice(70_000, 1);
    const [a, b] = [lines.join('\n'), changed.join('\n')];
    const d = costsAboutAsMuchAsLinear(() => diffText(a, b), () => diffText(a, b, { maxWork: 0 }));
    expect(d).toMatchObject({ approximate: false, added: 1, removed: 2 });
    expect(d.hunks).toHaveLength(2);
  });
});

/** CPU time `fn` took, in ms: unlike the clock, it does not grow while the process waits for a CPU on a busy machine. */
function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/**
 * Runs `work` and checks that it cost no more than a small multiple of `linear`, a run over
 * the same inputs that does only the linear part (no search: a zero budget), measured before
 * and after it. A search that ignored its bounds on these inputs (100,000 lines) is quadratic:
 * thousands of times the linear run, where the bounded one costs a few times it.
 */
function costsAboutAsMuchAsLinear<T>(work: () => T, linear: () => unknown): T {
  const before = cpuMs(linear);
  let result: T;
  const spent = cpuMs(() => (result = work()));
  const baseline = Math.max(before, cpuMs(linear));
  // Generous: 20× (it is 1–3×), plus room for a GC pause.
  expect(spent, `${spent.toFixed(0)} ms CPU against ${baseline.toFixed(0)} ms for the linear part`).toBeLessThan(20 * baseline + 250);
  return result!;
}

function lcs(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  return dp[a.length][b.length];
}
