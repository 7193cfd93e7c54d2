/**
 * Switchyard's path rewrites (stripPrefix, replacePrefix, regex) as one
 * regex replacement, the form Envoy (regex_rewrite) and Traefik
 * (replacePathRegex) take. Group references are produced by `group` so each
 * target gets its own syntax (`\1` for Envoy, `${1}` for Traefik).
 */
import type { RewritePlan } from '../config/plan.js';
import { convertReplacement, re2Problem, regexSource, toRe2 } from './translate.js';

export interface RegexRewrite {
  /** RE2 pattern over the path. */
  pattern: string;
  replacement: string;
  /** Whether the engine's replacement behaves exactly like Switchyard's. */
  exact: boolean;
  /** How it differs, when not exact. */
  detail?: string;
}

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The rewrite as one regex replacement, or a reason why it cannot be one. */
export function rewriteAsRegex(rw: RewritePlan, group: (n: number) => string): RegexRewrite | { problem: string } {
  const kinds = [rw.stripPrefix !== null, rw.replacePrefix !== null, rw.regex !== null].filter(Boolean).length;
  if (kinds > 1) return { problem: 'combines more than one of stripPrefix, replacePrefix and regex, which the target cannot chain' };
  if (rw.stripPrefix !== null) return prefixReplace(rw.stripPrefix, '/', group);
  if (rw.replacePrefix !== null) return prefixReplace(rw.replacePrefix.from, rw.replacePrefix.to, group);
  if (rw.regex !== null) {
    const source = regexSource(rw.regex.pattern);
    const problem = re2Problem(source);
    if (problem) return { problem: `the regex uses ${problem}, which RE2 does not support` };
    const replacement = convertReplacement(source, rw.regex.replacement, group);
    if (replacement === null) return { problem: 'the replacement names a group the pattern does not have' };
    const anchored = source.startsWith('^');
    return {
      pattern: toRe2(source),
      replacement,
      exact: anchored,
      detail: anchored ? undefined : 'the target replaces every match of an unanchored pattern; Switchyard replaces the first',
    };
  }
  return { problem: 'nothing to rewrite' };
}

/**
 * Replace `from` at the start of the path (on a segment boundary) with `to`,
 * joining with exactly one slash as Switchyard's rewritePath does.
 */
function prefixReplace(from: string, to: string, group: (n: number) => string): RegexRewrite {
  const f = escapeRegex(from);
  if (from.endsWith('/')) {
    // Segment boundary is implied; the rest has no leading slash.
    const sep = to.endsWith('/') ? '' : '/';
    return { pattern: `^${f}(.*)$`, replacement: `${to}${sep}${group(1)}`, exact: to.endsWith('/') || to === '/', detail: to.endsWith('/') ? undefined : `the path equal to ${from} becomes ${to}/ rather than ${to}` };
  }
  if (to.endsWith('/')) {
    return { pattern: `^${f}(?:/(.*))?$`, replacement: `${to}${group(1)}`, exact: true };
  }
  return { pattern: `^${f}(/.*)?$`, replacement: `${to}${group(1)}`, exact: true };
}
