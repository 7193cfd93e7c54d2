/**
 * Cache-Control parsing (RFC 9111 §5.2). Directive names are case-insensitive;
 * values may be quoted. Repeated fields are joined, as HTTP allows.
 */
export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

export function parseCacheControl(value: string | string[] | undefined): Directives {
  if (value === undefined) return EMPTY;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === '') return EMPTY;
  const out = new Map<string, string | true>();
  // A quoted value may contain commas (e.g. no-cache="set-cookie, x-a").
  const re = /\s*([^=,\s]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*)))?\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    const name = m[1].toLowerCase();
    const v = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    // The first occurrence wins when a directive repeats (RFC 9111 §4.2.1 says such a response is invalid).
    if (!out.has(name)) out.set(name, v === undefined ? true : v);
    if (m[0] === '') break;
  }
  return out;
}

/** A delta-seconds directive (max-age=60) as seconds, or null when absent or malformed. */
export function seconds(d: Directives, name: string): number | null {
  const v = d.get(name);
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return null;
  return Math.min(Number(v), 2 ** 31);
}

/** The request's directives; `Pragma: no-cache` counts as `no-cache` only without Cache-Control (RFC 9111 §5.4). */
export function requestDirectives(headers: Record<string, string | string[] | undefined>): Directives {
  const cc = headers['cache-control'];
  if (cc !== undefined) return parseCacheControl(cc);
  const pragma = headers.pragma;
  if (pragma !== undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(Array.isArray(pragma) ? pragma.join(',') : pragma)) {
    return new Map([['no-cache', true]]);
  }
  return EMPTY;
}
