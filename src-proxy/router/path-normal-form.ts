/**
 * The form of a path that routes are matched on and that goes upstream, so
 * that no spelling of a path reaches a route's target while missing the
 * route (and its policies): `/public/../admin` and `/%61dmin` are `/admin`,
 * as they are to any upstream that decodes them. Equivalence-preserving
 * changes (RFC 3986 §6.2.2): unreserved characters are decoded, the other
 * escapes get upper-case hex (`%2f` stays an escape: decoding it would split
 * a segment), and dot segments are resolved. Unless the listener says not
 * to, repeated slashes are merged too, as nginx's `merge_slashes` does: not
 * an equivalence under RFC 3986, but Tomcat, Spring, Apache and Go's mux
 * read `//admin` as `/admin`, so a route for `/admin` must as well.
 */
import { SwitchyardError } from '../errors.js';

/** The path in normal form; throws a 400 problem for a path that climbs above the root. */
export function pathNormalForm(path: string, mergeSlashes: boolean): string {
  let p = path.includes('%') ? decodeUnreserved(path) : path;
  // Merged before dot segments are resolved, as nginx does: `/a//../b` is `/b`, not `/a/b`.
  if (mergeSlashes && p.includes('//')) p = p.replace(/\/{2,}/g, '/');
  return p.includes('/.') ? removeDotSegments(p) : p;
}

/** `%41` → `A`, `%7e` → `~`; `%2f` → `%2F`. A `%` not followed by two hex digits is left as it is. */
export function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const c = Number.parseInt(hex, 16);
    return isUnreserved(c) ? String.fromCharCode(c) : `%${hex.toUpperCase()}`;
  });
}

function isUnreserved(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
}

/** RFC 3986 §5.2.4 remove_dot_segments; a path that climbs above the root is refused. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      if (out.length === 0) throw new SwitchyardError('BAD_REQUEST', 'The request path climbs above the root.');
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return '/' + out.join('/');
}
