/** Removing one cookie from the request before it goes upstream, keeping the others byte for byte. */
import type { Exchange } from '../pipeline/exchange.js';
import { removeRequestHeader, setRequestHeader } from '../pipeline/request-headers.js';

/** `cookie` header value without every `name=…` pair; null when nothing is left. */
export function withoutCookie(header: string, name: string): string | null {
  const kept = header.split(';').filter((pair) => {
    const eq = pair.indexOf('=');
    return (eq === -1 ? pair : pair.slice(0, eq)).trim() !== name;
  });
  const text = kept.map((p) => p.trim()).filter((p) => p !== '').join('; ');
  return text === '' ? null : text;
}

export function removeRequestCookie(ex: Exchange, name: string): void {
  const raw = ex.req.headers.cookie;
  if (raw === undefined) return;
  const rest = withoutCookie(raw, name);
  if (rest === null) removeRequestHeader(ex, 'cookie');
  else setRequestHeader(ex, 'cookie', rest);
}
