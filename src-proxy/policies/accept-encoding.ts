/** Accept-Encoding negotiation (RFC 9110 §12.5.3): q-values, `*`, and `identity;q=0`. */

/** The first of `offered` (in the server's order of preference) that the client accepts with the highest q, or null. */
export function negotiateEncoding(header: string | undefined, offered: readonly string[]): string | null {
  if (header === undefined || header.trim() === '') return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [token, ...params] = part.trim().split(';');
    const name = token.trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, weight);
  }
  const star = q.get('*');
  let best: string | null = null;
  let bestQ = 0;
  for (const enc of offered) {
    const weight = q.get(enc) ?? star ?? 0;
    if (weight > bestQ) {
      best = enc;
      bestQ = weight;
    }
  }
  return best;
}
