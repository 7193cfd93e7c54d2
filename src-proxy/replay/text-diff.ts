/**
 * Line diff (Myers' O(ND) algorithm) rendered as unified-diff hunks. Bounded:
 * common head and tail are trimmed first, the search stops after a work
 * budget (then the differing middle is reported as one replacement and the
 * diff is flagged approximate), and the lines written out are capped.
 */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

export interface Hunk {
  /** 1-based first line in a (or, for an empty range, the line before it). */
  aStart: number;
  aLines: number;
  bStart: number;
  bLines: number;
  lines: DiffLine[];
}

export interface TextDiff {
  same: boolean;
  hunks: Hunk[];
  /** Lines only in b / only in a. */
  added: number;
  removed: number;
  /** The work budget ran out: the middle was reported as a whole replacement, not a minimal diff. */
  approximate: boolean;
  /** More than `maxOutputLines` diff lines: the rest of the hunks are left out. */
  truncated: boolean;
}

export interface TextDiffOptions {
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
  /** Steps the search may take before giving up on a minimal diff; default 10 million. */
  maxWork?: number;
  /** Inserted plus deleted lines beyond which the search gives up (bounds its memory); default 2,000. */
  maxEdits?: number;
  /** Diff lines (context included) written out; default 10,000. */
  maxOutputLines?: number;
}

type Op = 0 | 1 | 2; // equal, delete (a only), insert (b only)

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function diffText(a: string, b: string, opts: TextDiffOptions = {}): TextDiff {
  const la = splitLines(a);
  const lb = splitLines(b);
  // Lines as small integers: comparisons in the search are then cheap.
  const ids = new Map<string, number>();
  const intern = (l: string) => {
    let id = ids.get(l);
    if (id === undefined) ids.set(l, (id = ids.size));
    return id;
  };
  const ia = Int32Array.from(la, intern);
  const ib = Int32Array.from(lb, intern);

  let head = 0;
  while (head < ia.length && head < ib.length && ia[head] === ib[head]) head++;
  let tail = 0;
  while (tail < ia.length - head && tail < ib.length - head && ia[ia.length - 1 - tail] === ib[ib.length - 1 - tail]) tail++;

  const ops: Op[] = new Array<Op>(head).fill(0);
  const middle = myers(ia.subarray(head, ia.length - tail), ib.subarray(head, ib.length - tail), opts.maxWork ?? 10_000_000, opts.maxEdits ?? 2000);
  let approximate = false;
  if (middle === null) {
    approximate = true;
    for (let i = head; i < ia.length - tail; i++) ops.push(1);
    for (let i = head; i < ib.length - tail; i++) ops.push(2);
  } else {
    for (const op of middle) ops.push(op);
  }
  for (let i = 0; i < tail; i++) ops.push(0);
  return toHunks(ops, la, lb, opts.context ?? 3, opts.maxOutputLines ?? 10_000, approximate);
}

/** The shortest edit script from a to b, or null when it costs more than `maxWork` steps or `maxEdits` edits. */
function myers(a: Int32Array, b: Int32Array, maxWork: number, maxEdits: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return [...new Array<Op>(n).fill(1), ...new Array<Op>(m).fill(2)];
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d..d] after round d, for walking back.
  const trace: Int32Array[] = [];
  let work = 0;
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
        work++;
      }
      v[offset + k] = x;
      work++;
      if (x >= n && y >= m) {
        trace.push(v.slice(offset - d, offset + d + 1));
        return backtrack(trace, n, m);
      }
    }
    trace.push(v.slice(offset - d, offset + d + 1));
    if (work > maxWork || d >= maxEdits) return null;
  }
  return null;
}

function backtrack(trace: Int32Array[], n: number, m: number): Op[] {
  const out: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const prev = trace[d - 1]; // v[-(d-1)..d-1]
    const at = (k: number) => prev[k + d - 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push(0);
      x--;
      y--;
    }
    if (x === prevX) {
      out.push(2);
      y--;
    } else {
      out.push(1);
      x--;
    }
  }
  while (x > 0 && y > 0) {
    out.push(0);
    x--;
    y--;
  }
  return out.reverse();
}

function toHunks(ops: Op[], a: string[], b: string[], context: number, maxOut: number, approximate: boolean): TextDiff {
  const result: TextDiff = { same: true, hunks: [], added: 0, removed: 0, approximate, truncated: false };
  // Positions in a and b before each op.
  const posA = new Int32Array(ops.length + 1);
  const posB = new Int32Array(ops.length + 1);
  for (let i = 0; i < ops.length; i++) {
    posA[i + 1] = posA[i] + (ops[i] !== 2 ? 1 : 0);
    posB[i + 1] = posB[i] + (ops[i] !== 1 ? 1 : 0);
    if (ops[i] === 1) result.removed++;
    else if (ops[i] === 2) result.added++;
  }
  result.same = result.added === 0 && result.removed === 0;
  let written = 0;
  let i = 0;
  while (i < ops.length) {
    if (ops[i] === 0) {
      i++;
      continue;
    }
    // A hunk: from `context` equal ops before this change to `context` after the last change
    // that is at most 2·context equal ops from the next one.
    const start = Math.max(0, i - context);
    let end = i;
    let j = i;
    while (j < ops.length) {
      if (ops[j] !== 0) {
        end = j + 1;
        j++;
        continue;
      }
      let run = 0;
      while (j + run < ops.length && ops[j + run] === 0) run++;
      if (j + run >= ops.length || run > 2 * context) break;
      j += run;
    }
    const stop = Math.min(ops.length, end + context);
    const hunk: Hunk = {
      aStart: posA[start] + (posA[stop] > posA[start] ? 1 : 0),
      aLines: posA[stop] - posA[start],
      bStart: posB[start] + (posB[stop] > posB[start] ? 1 : 0),
      bLines: posB[stop] - posB[start],
      lines: [],
    };
    for (let o = start; o < stop; o++) {
      if (written >= maxOut) {
        result.truncated = true;
        break;
      }
      const op = ops[o];
      hunk.lines.push(op === 0 ? { op: ' ', text: a[posA[o]] } : op === 1 ? { op: '-', text: a[posA[o]] } : { op: '+', text: b[posB[o]] });
      written++;
    }
    result.hunks.push(hunk);
    if (result.truncated) break;
    i = stop;
  }
  return result;
}

/** The diff as unified-diff text (without file headers). */
export function formatUnified(diff: TextDiff): string {
  const out: string[] = [];
  for (const h of diff.hunks) {
    out.push(`@@ -${h.aStart},${h.aLines} +${h.bStart},${h.bLines} @@`);
    for (const l of h.lines) out.push(l.op + l.text);
  }
  return out.join('\n');
}
