/**
 * Regular expressions written for JavaScript, carried into PCRE (nginx,
 * HAProxy) and RE2 (Caddy). The subset routes use (classes, groups,
 * anchors, quantifiers, named groups) means the same in all three; what does
 * not is detected so the exporter can say so instead of emitting a pattern
 * that silently matches something else.
 */

export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => (c === '/' || c === '-' ? c : '\\' + c));
}

export type RegexFlavour = 'pcre' | 're2';

/** Why `source` may behave differently in `flavour`, or null when it carries over. */
export function portabilityIssue(source: string, flavour: RegexFlavour): string | null {
  if (/\\u\{?[0-9a-fA-F]/.test(source)) return 'uses \\u escapes, which it does not understand';
  if (/\\[pP]\{/.test(source)) return 'uses \\p{…} Unicode properties, which differ between engines';
  if (flavour === 're2') {
    if (/\(\?<?[=!]/.test(source)) return 'uses lookaround, which RE2 does not support';
    if (/\\[1-9]|\\k</.test(source)) return 'uses backreferences, which RE2 does not support';
  }
  return null;
}

/** RE2 in older Go releases only knows the `(?P<name>…)` spelling of named groups. */
export function toRe2(source: string): string {
  return source.replace(/\(\?<(?![=!])/g, '(?P<');
}

/** A regex matching decimal integers (no leading zeros) greater than `n`. */
export function greaterThan(n: number): string {
  const d = String(n);
  const alts = [`[1-9][0-9]{${d.length},}`];
  for (let i = 0; i < d.length; i++) {
    const digit = Number(d[i]);
    if (digit === 9) continue;
    const rest = d.length - i - 1;
    alts.push(`${d.slice(0, i)}[${digit + 1}-9]${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  return `^(${alts.join('|')})$`;
}

export function groupCount(re: RegExp): number {
  return new RegExp(`${re.source}|`).exec('')!.length - 1;
}

export function groupNames(re: RegExp): string[] {
  return Object.keys(new RegExp(`${re.source}|`).exec('')!.groups ?? {});
}

export type TemplatePart = { text: string } | { group: number };

/**
 * JavaScript's `path.replace(pattern, replacement)` replaces the first match
 * only; nginx, HAProxy and Caddy replace the whole subject. So the pattern is
 * wrapped as `^(.*?)(PATTERN)(.*)$` and the replacement becomes
 * `$1 + replacement + $last`, with the user's groups renumbered (+2).
 * Returns null for replacement syntax that has no equivalent.
 */
export function wholeSubjectRewrite(pattern: RegExp, replacement: string): { regex: string; parts: TemplatePart[] } | null {
  const n = groupCount(pattern);
  const names = groupNames(pattern);
  // Named groups are numbered too: find each name's number by matching a probe pattern.
  const numberOf = new Map<string, number>();
  for (const name of names) {
    const idx = namedGroupIndex(pattern.source, name);
    if (idx === null) return null;
    numberOf.set(name, idx);
  }
  const parts: TemplatePart[] = [{ group: 1 }];
  const re = /\$(\d{1,2})|\$<([A-Za-z_][A-Za-z0-9_]*)>|\$&|\$\$|\$`|\$'/g;
  let last = 0;
  for (let m = re.exec(replacement); m; m = re.exec(replacement)) {
    if (m.index > last) parts.push({ text: replacement.slice(last, m.index) });
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      const k = Number(m[1]);
      if (k > n) parts.push({ text: m[0] });
      else if (k > 0) parts.push({ group: k + 2 });
      else parts.push({ text: m[0] });
    } else if (m[2] !== undefined) {
      const k = numberOf.get(m[2]);
      if (k === undefined) parts.push({ text: m[0] });
      else parts.push({ group: k + 2 });
    } else if (m[0] === '$&') parts.push({ group: 2 });
    else if (m[0] === '$$') parts.push({ text: '$' });
    else return null; // $` and $' (text around the match): rare, and not worth a second wrapping scheme
  }
  if (last < replacement.length) parts.push({ text: replacement.slice(last) });
  parts.push({ group: n + 3 });
  return { regex: `^(.*?)(${pattern.source})(.*)$`, parts };
}

/** The number of the capturing group named `name` in `source`. */
function namedGroupIndex(source: string, name: string): number | null {
  let count = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // skip a character class
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      continue;
    }
    if (c !== '(') continue;
    if (source[i + 1] !== '?') {
      count++;
      continue;
    }
    const m = /^\(\?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(source.slice(i));
    if (m) {
      count++;
      if (m[1] === name) return count;
    }
  }
  return null;
}
