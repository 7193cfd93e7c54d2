/** Quoting for nginx config: every value goes through one of these, so no input can break a directive. */
import { SwitchyardError } from '../../errors.js';

/**
 * A double-quoted nginx string with no variables in it. nginx has no escape
 * for `$`, so a literal dollar is written as `$swy_dollar` (a geo variable
 * holding "$"); `usesDollar` tells the caller to declare it.
 */
export function nginxString(s: string, state?: { usesDollar: boolean }): string {
  let out = quoteInner(s);
  if (out.includes('$')) {
    if (state) state.usesDollar = true;
    out = out.replace(/\$/g, '${swy_dollar}');
  }
  return `"${out}"`;
}

/** A double-quoted regex (map keys, `if` and `rewrite` patterns): `$` is a regex anchor there, not a variable. */
export function nginxRegex(source: string): string {
  return `"${quoteInner(source)}"`;
}

/**
 * The inside of a double-quoted nginx string: `\` and `"` escaped, and line
 * breaks and tabs written as nginx's \n, \r, \t escapes, so a multi-line
 * value stays on one config line (raw, it would be re-indented with the block).
 */
function quoteInner(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/** An argument of a directive that never expands variables (header names, file paths, MIME types), double-quoted unless plainly safe: `$` is literal there. */
export function nginxPlain(s: string): string {
  return /^[A-Za-z0-9._/:=+*~@,-]+$/.test(s) ? s : `"${quoteInner(s)}"`;
}

/** A value of a directive that expands variables (file paths of certificates, htpasswd files): bare when plainly safe, else nginxString. */
export function nginxValue(s: string, state: { usesDollar: boolean }): string {
  return /^[A-Za-z0-9._/:=+*~@,-]+$/.test(s) ? s : nginxString(s, state);
}

/** Whether nginx has a `$http_…` variable for this header: its default `ignore_invalid_headers` drops names with other characters ("_", "."). */
export function hasHeaderVariable(name: string): boolean {
  return /^[A-Za-z0-9-]+$/.test(name);
}

/** A double-quoted value that may contain nginx variables the exporter wrote itself. */
export function nginxTemplate(s: string): string {
  return `"${quoteInner(s)}"`;
}

/**
 * `X-Beta` → `$http_x_beta`. A name nginx has no variable for (see
 * hasHeaderVariable) is refused: `$http_x_k#y` would read `$http_x_k`
 * followed by the text "#y", silently checking another header.
 */
export function headerVariable(name: string, prefix = '$http_'): string {
  if (!hasHeaderVariable(name)) {
    throw new SwitchyardError('CONFIG_INVALID', `cannot export to nginx: header ${JSON.stringify(name)}: nginx has no variable for header names with characters other than letters, digits and "-" (its default ignore_invalid_headers drops them)`);
  }
  return `${prefix}${name.toLowerCase().replace(/-/g, '_')}`;
}

/** nginx sizes: 10m, 64k or bytes. */
export function nginxSize(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}m`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}
