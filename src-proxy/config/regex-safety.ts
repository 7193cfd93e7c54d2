/**
 * Refuses regular expressions that can backtrack exponentially on a crafted
 * input (ReDoS): a group repeated without bound whose body can itself repeat
 * without bound, as in `(a+)+`, `(\w*)*` or `(?:x|y+){2,}`. Route patterns run
 * on every request against paths and headers the client chooses, so one such
 * pattern lets any client stall the gateway's only thread.
 *
 * This is the classic star-height check with one refinement, not a full
 * analysis: a repeated group is still fine when it contains a required literal
 * that its inner repetitions cannot match (`(?:[^/]+/)*`), since that literal
 * splits every input one way only.
 */

interface Frame {
  /** Sources of atoms inside the group that repeat without bound. */
  repeated: string[];
  /** Literal characters the group's body requires (at its own level). */
  literals: string[];
  alternation: boolean;
  start: number;
}

const SPECIAL = new Set([...'\\^$.|?*+()[]{}']);

/** A reason when the pattern nests unbounded repetition, else null. */
export function catastrophicRepetition(source: string): string | null {
  const stack: Frame[] = [{ repeated: [], literals: [], alternation: false, start: 0 }];
  const top = () => stack[stack.length - 1]!;
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '(') {
      stack.push({ repeated: [], literals: [], alternation: false, start: i });
      i++;
      continue;
    }
    if (c === '|') {
      top().alternation = true;
      i++;
      continue;
    }
    let atom: string;
    let literal: string | null = null;
    let group: Frame | null = null;
    const from = i;
    if (c === ')' && stack.length > 1) {
      group = stack.pop()!;
      i++;
      atom = source.slice(group.start, i);
    } else if (c === '\\') {
      i += 2;
      atom = source.slice(from, i);
      const e = source[from + 1];
      if (e !== undefined && !/[A-Za-z0-9]/.test(e)) literal = e;
    } else if (c === '[') {
      // A class is one atom: skip to its closing bracket (a leading ] is literal).
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      atom = source.slice(from, i);
    } else {
      i++;
      atom = c;
      if (!SPECIAL.has(c)) literal = c;
    }
    const q = quantifier(source, i);
    i += q.length;
    const frame = top();
    if (group) {
      if (q.unbounded && group.repeated.length > 0 && !separated(group)) {
        return 'a repeated group contains another unbounded repetition, which can take exponential time on some inputs';
      }
      frame.repeated.push(...group.repeated);
    }
    if (q.unbounded) frame.repeated.push(atom);
    if (literal !== null && q.min >= 1) frame.literals.push(literal);
  }
  return null;
}

function quantifier(source: string, at: number): { unbounded: boolean; min: number; length: number } {
  const c = source[at];
  if (c === '*') return { unbounded: true, min: 0, length: lazy(source, at + 1) };
  if (c === '+') return { unbounded: true, min: 1, length: lazy(source, at + 1) };
  if (c === '?') return { unbounded: false, min: 0, length: lazy(source, at + 1) };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
    if (m) return { unbounded: m[2] !== undefined && m[3] === '', min: Number(m[1]), length: m[0].length + lazy(source, at + m[0].length) - 1 };
  }
  return { unbounded: false, min: 1, length: 0 };
}

/** Length of a quantifier's own character plus a lazy `?` after it. */
function lazy(source: string, after: number): number {
  return source[after] === '?' ? 2 : 1;
}

/** Whether the group requires a literal none of its inner repetitions can match. */
function separated(group: Frame): boolean {
  if (group.alternation) return false;
  return group.literals.some((ch) => group.repeated.every((atom) => !matchesChar(atom, ch)));
}

function matchesChar(atom: string, ch: string): boolean {
  try {
    return new RegExp(`^(?:${atom})$`).test(ch) || new RegExp(`^(?:${atom})$`).test(ch + ch);
  } catch {
    return true; // cannot tell (e.g. a back-reference): assume the worst
  }
}
