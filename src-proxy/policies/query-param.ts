/** Editing the raw query string by parameter name, keeping every parameter not named byte for byte. */

/** `search` without '?'; returns it without every `name=…` (and bare `name`) parameter. */
export function removeQueryParam(search: string, name: string): string {
  return splitQuery(search)
    .filter((p) => p.name !== name)
    .map((p) => p.raw)
    .join('&');
}

export interface QueryOps {
  rename?: Record<string, string>;
  remove?: string[];
  set?: Record<string, string>;
}

/**
 * The transform policy's query operations, in the order rename, remove, set.
 * A renamed parameter moves to the end with its value bytes unchanged; `set`
 * replaces the first occurrence in place (and drops the others) or appends.
 * Parameters no operation names are not re-encoded (`a%20b` stays, a bare
 * `flag` does not become `flag=`), so signed or byte-sensitive URLs survive.
 */
export function rewriteQuery(search: string, ops: QueryOps): string {
  let params = splitQuery(search);
  for (const [from, to] of Object.entries(ops.rename ?? {})) {
    const moved = params.filter((p) => p.name === from);
    if (moved.length === 0) continue;
    params = [...params.filter((p) => p.name !== from), ...moved.map((p) => param(to, p.rawValue))];
  }
  const removed = new Set(ops.remove ?? []);
  params = params.filter((p) => !removed.has(p.name));
  for (const [name, value] of Object.entries(ops.set ?? {})) {
    const fresh = param(name, encode(value));
    const at = params.findIndex((p) => p.name === name);
    if (at === -1) params.push(fresh);
    else params = params.flatMap((p, i) => (i === at ? [fresh] : p.name === name ? [] : [p]));
  }
  return params.map((p) => p.raw).join('&');
}

interface Param {
  /** Decoded name. */
  readonly name: string;
  /** The value as sent (still encoded); null for a bare `name`. */
  readonly rawValue: string | null;
  readonly raw: string;
}

function splitQuery(search: string): Param[] {
  if (search === '') return [];
  return search.split('&').map((raw) => {
    const eq = raw.indexOf('=');
    return { name: decode(eq === -1 ? raw : raw.slice(0, eq)), rawValue: eq === -1 ? null : raw.slice(eq + 1), raw };
  });
}

function param(name: string, rawValue: string | null): Param {
  const key = encode(name);
  return { name, rawValue, raw: rawValue === null ? key : `${key}=${rawValue}` };
}

const encode = (text: string): string => encodeURIComponent(text);

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}
