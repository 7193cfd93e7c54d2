/**
 * Route conditions and templates that could never do what they say, refused
 * at compile time with what to write instead: a route that silently never
 * matches is worse than a config that does not load.
 */
import type { Report } from './compile-checks.js';

/** Labels of letters, digits, `-` and `_` (which some internal names use), or an IPv6 literal in brackets. */
const HOST_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;

/**
 * A `match.host` entry in the form requests are matched in (lower case, no
 * trailing dot), or null after reporting why no request could match it.
 */
export function hostPattern(raw: string, path: (string | number)[], error: Report): string | null {
  let h = raw.toLowerCase();
  // `api.example.` is `api.example` fully qualified; requests are matched without the dot.
  if (h.length > 1 && h.endsWith('.')) h = h.slice(0, -1);
  const name = h.startsWith('*.') ? h.slice(2) : h;
  const never = (why: string) => {
    error(path, `host "${raw}" can never match: ${why}`);
    return null;
  };
  if (name === '' || h === '*') return never('a wildcard needs a domain after it ("*.example.test")');
  if (name.includes('*')) return never('a wildcard is only allowed as the first label ("*.example.test")');
  if (IPV6_LITERAL.test(name)) return h;
  // Two colons or more: an address, not a name with a port.
  if (/^[0-9a-f:.]+$/.test(name) && name.split(':').length > 2) return never(`an IPv6 address is written in brackets, as in a Host header ("[${name}]")`);
  if (/:\d*$/.test(name)) return never('requests are matched by host name without the port (the listener decides the port)');
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(name)) return never('Host headers are ASCII; write an internationalised name in its xn-- form');
  if (!HOST_NAME.test(name)) return never('a host name has only letters, digits, "-", "_" and dots between non-empty labels');
  return h;
}

/** Reports a `match.path` that no request path can equal once the pipeline has normalised it. */
export function checkMatchPath(p: string, path: (string | number)[], error: Report): void {
  if (p.includes('?') || p.includes('#')) {
    error(path, `path "${p}" can never match: the query is not part of the path (match it with \`query:\`), and a fragment never reaches a server`);
    return;
  }
  if (p.split('/').some((s) => s === '.' || s === '..')) {
    error(path, `path "${p}" can never match: request paths are matched with their dot segments resolved (write the path without "." and ".." segments)`);
  }
}

/**
 * Reports `$1` / `$<name>` references in a redirect target or regex
 * replacement that the route's regex does not capture: they would expand to
 * nothing (or, in a JS replacement, stay as literal text).
 */
export function checkCaptureRefs(template: string, regex: RegExp | null, regexField: string, path: (string | number)[], error: Report): void {
  const refs = [...template.matchAll(/\$(\d+)|\$<([A-Za-z_][A-Za-z0-9_]*)>/g)];
  if (refs.length === 0) return;
  if (regex === null) {
    error(path, `${refs[0]![0]} refers to a capture of ${regexField}, which this route does not have`);
    return;
  }
  // Matching a copy against '' with an always-true alternative gives every group, unmatched.
  const shape = new RegExp(`${regex.source}|`, regex.flags.replace(/[gy]/g, '')).exec('')!;
  const groups = shape.length - 1;
  const names = new Set(Object.keys(shape.groups ?? {}));
  for (const [ref, n, name] of refs) {
    if (n !== undefined && Number(n) > groups) error(path, `${ref} refers to capture ${n}, but ${regexField} has ${groups === 0 ? 'no capture groups' : `only ${groups}`}`);
    if (name !== undefined && !names.has(name)) error(path, `${ref} refers to a group ${regexField} does not name${names.size ? ` (it has ${[...names].map((x) => `<${x}>`).join(', ')})` : ''}`);
  }
}
