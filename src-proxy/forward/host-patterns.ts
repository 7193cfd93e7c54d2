/**
 * Host patterns of `intercept`: "api.example.test" (that host), "*.example.test"
 * (its subdomains, not the apex — as route hosts), or "*" (every host).
 * Compiled once per plan array and cached, since every CONNECT asks.
 */
export type HostMatcher = (host: string) => boolean;

const compiled = new WeakMap<readonly string[], HostMatcher>();

export function hostMatcher(patterns: readonly string[]): HostMatcher {
  let m = compiled.get(patterns);
  if (m === undefined) {
    m = compile(patterns);
    compiled.set(patterns, m);
  }
  return m;
}

function compile(patterns: readonly string[]): HostMatcher {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const raw of patterns) {
    const p = normaliseHost(raw);
    if (p === '*') any = true;
    else if (p.startsWith('*.')) suffixes.push(p.slice(1));
    else exact.add(p);
  }
  if (any) return () => true;
  return (host) => {
    const h = normaliseHost(host);
    if (exact.has(h)) return true;
    for (const s of suffixes) if (h.length > s.length && h.endsWith(s)) return true;
    return false;
  };
}

/** Lower case, without a trailing dot or IPv6 brackets. */
export function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}
