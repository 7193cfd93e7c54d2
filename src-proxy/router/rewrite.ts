/** Path rewriting for proxied routes, and `$1` / `$<name>` capture templates. */
import type { RewritePlan } from '../config/plan.js';

export function rewritePath(rw: RewritePlan, path: string): string {
  let out = path;
  if (rw.stripPrefix !== null && startsOnSegment(out, rw.stripPrefix)) {
    out = out.slice(rw.stripPrefix.length);
    if (!out.startsWith('/')) out = '/' + out;
  }
  if (rw.replacePrefix !== null && startsOnSegment(out, rw.replacePrefix.from)) {
    const rest = out.slice(rw.replacePrefix.from.length);
    out = joinPath(rw.replacePrefix.to, rest);
  }
  if (rw.regex !== null) {
    out = out.replace(rw.regex.pattern, rw.regex.replacement);
    if (!out.startsWith('/')) out = '/' + out;
  }
  return out;
}

function startsOnSegment(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false;
  return path.length === prefix.length || prefix.endsWith('/') || path[prefix.length] === '/';
}

function joinPath(base: string, rest: string): string {
  if (rest === '') return base;
  if (base.endsWith('/') && rest.startsWith('/')) return base + rest.slice(1);
  if (!base.endsWith('/') && !rest.startsWith('/')) return base + '/' + rest;
  return base + rest;
}

/** Expands `$1`, `$<name>` from regex captures and `{path}`, `{query}`, `{host}` in a redirect target. */
export function expandTemplate(
  template: string,
  captures: RegExpExecArray | null,
  vars: { path: string; query: string; host: string },
): string {
  // One pass: text that came from the request (a capture, the path) is never expanded again.
  return template.replace(
    /\$(\d+)|\$<([A-Za-z_][A-Za-z0-9_]*)>|\{(path|query|host)\}/g,
    (_, n: string | undefined, name: string | undefined, v: 'path' | 'query' | 'host' | undefined) => {
      if (v !== undefined) return vars[v];
      if (!captures) return '';
      if (n !== undefined) return captures[Number(n)] ?? '';
      return captures.groups?.[name as string] ?? '';
    },
  );
}
