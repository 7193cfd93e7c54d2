/** Quoting for nginx config: every value goes through one of these, so no input can break a directive. */

/**
 * A double-quoted nginx string with no variables in it. nginx has no escape
 * for `$`, so a literal dollar is written as `$swy_dollar` (a geo variable
 * holding "$"); `usesDollar` tells the caller to declare it.
 */
export function nginxString(s: string, state?: { usesDollar: boolean }): string {
  let out = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  if (out.includes('$')) {
    if (state) state.usesDollar = true;
    out = out.replace(/\$/g, '${swy_dollar}');
  }
  return `"${out}"`;
}

/** A double-quoted regex (map keys, `if` and `rewrite` patterns): `$` is a regex anchor there, not a variable. */
export function nginxRegex(source: string): string {
  return `"${source.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A double-quoted value that may contain nginx variables the exporter wrote itself. */
export function nginxTemplate(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `X-Beta` → `$http_x_beta`. */
export function headerVariable(name: string): string {
  return `$http_${name.toLowerCase().replace(/-/g, '_')}`;
}

/** nginx sizes: 10m, 64k or bytes. */
export function nginxSize(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}m`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}
