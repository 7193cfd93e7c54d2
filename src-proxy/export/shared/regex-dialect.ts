/**
 * JavaScript regex syntax that PCRE (nginx, HAProxy) or RE2 (Caddy) reads
 * differently or rejects: `\uXXXX` escapes (both refuse them, and the whole
 * config fails to load), `[^]` (JavaScript's "any character"; PCRE reads an
 * unterminated class), lookaround and backreferences (RE2 has neither).
 * Translatable forms are rewritten; the rest make the route untranslatable,
 * so it is left out and reported instead of breaking the exported config.
 */
import type { RoutePlan } from '../../config/plan.js';
import type { RegexFlavour } from './regex.js';

export type Dialect = { source: string } | { problem: string };

export function toDialect(source: string, flavour: RegexFlavour): Dialect {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      const hex = /^u([0-9a-fA-F]{4})/.exec(source.slice(i + 1));
      if (hex) {
        const code = parseInt(hex[1], 16);
        // nginx and HAProxy match bytes, so only ASCII code points mean the same there.
        if (flavour === 'pcre' && code >= 0x80) return { problem: `the regex escape \\u${hex[1]} is a non-ASCII character, which PCRE without UTF mode matches as a single byte` };
        out += `\\x{${hex[1]}}`;
        i += 5;
        continue;
      }
      if (next === 'u') return { problem: 'the regex uses a \\u escape that is not \\uXXXX' };
      if (flavour === 're2' && !inClass && (/[1-9]/.test(next) || (next === 'k' && source[i + 2] === '<'))) return { problem: 'the regex uses backreferences, which RE2 does not support' };
      out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      if (source.startsWith('[^]', i)) {
        out += '[\\s\\S]';
        i += 2;
        continue;
      }
      if (source.startsWith('[]', i)) return { problem: 'the regex uses [], an empty class that only JavaScript accepts' };
      inClass = true;
      out += c;
      if (source[i + 1] === '^') out += source[++i];
      continue;
    }
    if (flavour === 're2' && c === '(' && /^\(\?<?[=!]/.test(source.slice(i))) return { problem: 'the regex uses lookaround, which RE2 does not support' };
    out += c;
  }
  return { source: out };
}

/** The source in the flavour's syntax; callers have already left out routes with a problem (see routeRegexProblem). */
export function inDialect(source: string, flavour: RegexFlavour): string {
  const d = toDialect(source, flavour);
  return 'source' in d ? d.source : source;
}

/** Why a route's match regexes (path, headers, query) cannot be written for the flavour, or null. */
export function routeRegexProblem(r: RoutePlan, flavour: RegexFlavour): string | null {
  const m = r.match;
  const sources: [string, string][] = [];
  if (m.pathRegex) sources.push(['pathRegex', m.pathRegex.source]);
  for (const [name, , c] of m.headers) if ('regex' in c) sources.push([`headers.${name}`, c.regex]);
  for (const [name, , c] of m.query) if ('regex' in c) sources.push([`query.${name}`, c.regex]);
  for (const [field, source] of sources) {
    const d = toDialect(source, flavour);
    if ('problem' in d) return `match.${field}: ${d.problem}`;
  }
  return null;
}
