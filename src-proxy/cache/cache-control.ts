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
  // Empty elements (",,") and an element that does not parse are skipped, never the rest of the field:
  // a no-store after them must still count.
  for (const element of splitList(text)) {
    const eq = element.indexOf('=');
    const name = (eq === -1 ? element : element.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    if (/\s/.test(name)) {
      // Directives run together ("no-store max-age=60"): each word counts, without its value (so max-age is invalid).
      for (const word of name.split(/\s+/)) if (!out.has(word)) out.set(word, true);
      continue;
    }
    let v: string | true = true;
    if (eq !== -1) {
      const raw = element.slice(eq + 1).trim();
      const quoted = /^"((?:[^"\\]|\\.)*)"$/.exec(raw);
      // Anything else after '=' is kept as it is: "60 no-store" is then an invalid max-age (stale).
      v = quoted !== null ? quoted[1]!.replace(/\\(.)/g, '$1') : raw;
    }
    // The first occurrence wins when a directive repeats (RFC 9111 §4.2.1 says such a response is invalid).
    if (!out.has(name)) out.set(name, v);
  }
  return out.size === 0 ? EMPTY : out;
}

/** The comma-separated elements, trimmed, empty ones left out; a quoted value may contain commas (no-cache="a, b"). */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  // An unterminated quote would swallow the directives after it: split those plainly.
  if (quoted) parts.push(...text.slice(start).split(',').map((p) => p.trim()));
  else parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
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
