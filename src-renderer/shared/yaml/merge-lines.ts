/**
 * A line-based three-way merge (diff3). Used to apply a structural YAML edit
 * to the user's text without reformatting lines the edit did not touch:
 *
 *   base   = the document as the yaml printer writes it, before the edit
 *   ours   = the user's own text (their spacing, alignment, comment layout)
 *   theirs = the document as the yaml printer writes it, after the edit
 *
 * Where only the printer's normalisation differs (ours ≠ base), the user's
 * lines are kept; where the edit changed something (theirs ≠ base), the edit
 * wins. A region changed by both takes the edit.
 */

/** Longest common subsequence of two line arrays as a match array: match[i] = j, or -1. */
export function lcsMatch(a: readonly string[], b: readonly string[]): Int32Array | null {
  const match = new Int32Array(a.length).fill(-1);
  // Common prefix and suffix cost nothing; only the middle needs the table.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) {
    match[start] = start;
    start++;
  }
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
    match[endA] = endB;
  }
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) return match;
  if (n * m > 16_000_000) return null; // too big for the table: caller falls back
  // table[i][j] = LCS length of a[start+i..endA) and b[start+j..endB)
  const w = m + 1;
  const table = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * w + j] =
        a[start + i] === b[start + j] ? table[(i + 1) * w + j + 1] + 1 : Math.max(table[(i + 1) * w + j], table[i * w + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[start + i] === b[start + j]) {
      match[start + i] = start + j;
      i++;
      j++;
    } else if (table[(i + 1) * w + j] >= table[i * w + j + 1]) {
      i++;
    } else {
      j++;
    }
  }
  return match;
}

interface Hunk {
  /** Base lines [start, end) are replaced by `lines`. start === end is a pure insertion. */
  start: number;
  end: number;
  lines: readonly string[];
  side: 'ours' | 'theirs';
}

/** The changes that turn `base` into `other`, as hunks over base line ranges. */
function hunks(base: readonly string[], other: readonly string[], match: Int32Array, side: Hunk['side']): Hunk[] {
  const out: Hunk[] = [];
  let i = 0;
  let j = 0;
  while (i < base.length || j < other.length) {
    if (i < base.length && match[i] === j) {
      i++;
      j++;
      continue;
    }
    const start = i;
    while (i < base.length && match[i] === -1) i++;
    const nextJ = i < base.length ? match[i] : other.length;
    out.push({ start, end: i, lines: other.slice(j, nextJ), side });
    j = nextJ;
  }
  return out;
}

function overlaps(g: { start: number; end: number }, h: Hunk): boolean {
  if (h.start < g.end && g.start < h.end) return true;
  // Two insertions at the same place.
  return h.start === h.end && g.start === g.end && h.start === g.start;
}

/**
 * Merge `ours` and `theirs` over `base`; null when the inputs are too large
 * to diff. Changes in separate places are both kept; where both sides changed
 * the same base lines, the edit (`theirs`) wins for that region.
 */
export function merge3(base: readonly string[], ours: readonly string[], theirs: readonly string[]): string[] | null {
  const mo = lcsMatch(base, ours);
  const mt = lcsMatch(base, theirs);
  if (!mo || !mt) return null;
  const all = [...hunks(base, ours, mo, 'ours'), ...hunks(base, theirs, mt, 'theirs')].sort(
    (a, b) => a.start - b.start || a.end - b.end,
  );
  const groups: { start: number; end: number; hunks: Hunk[] }[] = [];
  for (const h of all) {
    const g = groups[groups.length - 1];
    if (g && overlaps(g, h)) {
      g.hunks.push(h);
      g.end = Math.max(g.end, h.end);
    } else {
      groups.push({ start: h.start, end: h.end, hunks: [h] });
    }
  }
  const out: string[] = [];
  let pos = 0;
  for (const g of groups) {
    out.push(...base.slice(pos, g.start));
    const sides = new Set(g.hunks.map((h) => h.side));
    if (sides.size === 1) {
      out.push(...applyHunks(base, g.start, g.end, g.hunks));
    } else {
      const b = base.slice(g.start, g.end);
      const o = applyHunks(base, g.start, g.end, g.hunks.filter((h) => h.side === 'ours'));
      const t = applyHunks(base, g.start, g.end, g.hunks.filter((h) => h.side === 'theirs'));
      out.push(...(refineConflict(b, o, t) ?? t));
    }
    pos = g.end;
  }
  out.push(...base.slice(pos));
  return out;
}

function applyHunks(base: readonly string[], start: number, end: number, list: readonly Hunk[]): string[] {
  const out: string[] = [];
  let cur = start;
  for (const h of list) {
    out.push(...base.slice(cur, h.start), ...h.lines);
    cur = h.end;
  }
  out.push(...base.slice(cur, end));
  return out;
}

/** A line as indent + content + gap + comment (`# …` outside quotes). */
export function splitLine(line: string): { indent: string; content: string; gap: string; comment: string } {
  const indent = /^\s*/.exec(line)![0];
  let quote: string | null = null;
  let hash = -1;
  for (let i = indent.length; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === indent.length || /\s/.test(line[i - 1]))) {
      hash = i;
      break;
    }
  }
  const body = hash === -1 ? line.slice(indent.length) : line.slice(indent.length, hash);
  const content = body.trimEnd();
  return { indent, content, gap: body.slice(content.length), comment: hash === -1 ? '' : line.slice(hash) };
}

const squash = (s: string) => s.replace(/\s+/g, '');

/**
 * Both sides touched the same region. When the edit only rewrote lines in
 * place (same line count) and each rewritten line has exactly one
 * counterpart in the user's text (same content, ignoring spacing and
 * comments), rewrite just those lines of the user's text: indentation,
 * trailing comments and comment alignment stay theirs. Otherwise null.
 */
function refineConflict(b: readonly string[], o: readonly string[], t: readonly string[]): string[] | null {
  if (b.length !== t.length) return null;
  const out = [...o];
  const used = new Set<number>();
  for (let k = 0; k < b.length; k++) {
    if (b[k] === t[k]) continue;
    const key = squash(splitLine(b[k]).content);
    if (!key) return null;
    const found = o.flatMap((line, idx) => (!used.has(idx) && squash(splitLine(line).content) === key ? [idx] : []));
    if (found.length !== 1) return null;
    const idx = found[0];
    used.add(idx);
    const mine = splitLine(o[idx]);
    const edited = splitLine(t[k]);
    if (!mine.comment) {
      out[idx] = mine.indent + edited.content + (edited.comment ? ' ' + edited.comment : '');
      continue;
    }
    // Keep the comment where it was when there is room.
    const gap = Math.max(1, mine.gap.length - (edited.content.length - mine.content.length));
    out[idx] = mine.indent + edited.content + ' '.repeat(gap) + mine.comment;
  }
  return out;
}
