/** Quoting for the Caddyfile. */
import { SwitchyardError } from '../../errors.js';
import { toRe2 } from './regex.js';

/** One Caddyfile token: backquoted (no escapes inside) unless it contains a backquote. */
export function cq(s: string): string {
  if (!s.includes('`')) return '`' + s + '`';
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** A token left bare when plainly safe (names, paths), else quoted. */
export function cw(s: string): string {
  return /^[A-Za-z0-9._/:=+*~@,-]+$/.test(s) ? s : cq(s);
}

/** A header placeholder (`{http.request.header.NAME}`), quoted when the name is unusual. */
export function headerPlaceholder(side: 'request' | 'response', name: string): string {
  const p = `{http.${side}.header.${name}}`;
  return /^[A-Za-z0-9-]+$/.test(name) ? p : cq(p);
}

/**
 * A literal value in a place where Caddy expands `{…}` placeholders at run
 * time (response bodies, header values, redirect targets, rewrites, query
 * values): braces are escaped so `{env.SECRET}` stays text instead of
 * leaking the gateway's environment.
 */
export function cv(s: string): string {
  return cq(s.replace(/[{}]/g, '\\$&'));
}

/** Like cv, but left bare when plainly safe. */
export function cvw(s: string): string {
  return cw(s.replace(/[{}]/g, '\\$&'));
}

/**
 * The first argument of a directive that takes an optional matcher first
 * (`respond`, `redir`): Caddy reads a token starting with "/" or "@", or "*",
 * as that matcher, so a body or target like "/login" would become a path
 * matcher. Such a value is written after an explicit `*` (all requests).
 */
export function afterMatcher(raw: string, token: string): string {
  return raw.startsWith('/') || raw.startsWith('@') || raw === '*' ? `* ${token}` : token;
}

/** A JavaScript regex as one RE2 token. */
export function caddyRe(source: string): string {
  return cq(toRe2(source));
}

/**
 * A regex inside a CEL raw string `r'…'` (expression matchers): a quote would
 * end the string (and let the rest be read as CEL), so quotes become \x27; a
 * `{name}` would be read as a Caddy placeholder, so such braces are escaped.
 */
export function celRegex(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\' && i + 1 < source.length) {
      const next = source[++i];
      out += next === "'" ? '\\x27' : c + next;
    } else if (c === "'") out += '\\x27';
    else if (c === '{' && /^[A-Za-z]/.test(source.slice(i + 1))) out += '\\{';
    else out += c;
  }
  return toRe2(out);
}

/**
 * The Caddyfile replaces `{$NAME}` with an environment variable when it is
 * loaded, inside quotes too, and has no escape for it: a workspace value
 * holding `{$` is refused rather than exported as something else.
 */
export function assertNoEnvReference(text: string): void {
  const line = text.split('\n').find((l) => l.includes('{$'));
  if (line !== undefined) {
    throw new SwitchyardError('CONFIG_INVALID', `cannot export to caddy: the value in ${JSON.stringify(line.trim())} contains "{$", which the Caddyfile replaces with an environment variable when it loads`);
  }
}
