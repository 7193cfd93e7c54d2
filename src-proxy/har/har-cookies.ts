/** Cookies for HAR: parsed from Cookie and Set-Cookie header values. */
import type { HarCookie } from './har-types.js';

export function requestCookies(values: readonly string[]): HarCookie[] {
  const out: HarCookie[] = [];
  for (const value of values) {
    for (const part of value.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      out.push({ name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() });
    }
  }
  return out;
}

export function responseCookie(value: string): HarCookie | null {
  const [pair, ...attrs] = value.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return null;
  const cookie: HarCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim() };
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i === -1 ? '' : attr.slice(i + 1).trim();
    if (key === 'path') cookie.path = val;
    else if (key === 'domain') cookie.domain = val;
    else if (key === 'expires') {
      const t = Date.parse(val);
      if (!Number.isNaN(t)) cookie.expires = new Date(t).toISOString();
    } else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
  }
  return cookie;
}

export function responseCookies(values: readonly string[]): HarCookie[] {
  return values.map(responseCookie).filter((c): c is HarCookie => c !== null);
}
