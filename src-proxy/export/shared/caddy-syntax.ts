/** Quoting for the Caddyfile. */
import { toRe2 } from './regex.js';

/** One Caddyfile token: backquoted (no escapes inside) unless it contains a backquote. */
export function cq(s: string): string {
  if (!s.includes('`')) return '`' + s + '`';
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** A JavaScript regex as one RE2 token. */
export function caddyRe(source: string): string {
  return cq(toRe2(source));
}
