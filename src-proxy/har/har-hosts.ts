/**
 * The host of an imported HAR entry: where it comes from (Host header,
 * HTTP/2 `:authority`, the URL) and what it may hold, since it becomes a Host
 * header that replays send and terminals show.
 */
import type { CapturedExchange } from '../capture/captured-exchange.js';
import { hostName } from '../pipeline/steps/prepare-request.js';

/**
 * What can never be in a host that becomes a Host header: controls (a CR/LF would add a header,
 * an escape would drive a terminal) and spaces. Other characters, Unicode included, are kept as
 * the file has them (a look-alike host is shown for what it is, not refused).
 */
// eslint-disable-next-line no-control-regex
const NOT_IN_AUTHORITY = /[\u0000-\u0020\u007f-\u009f]/;

export const usableAuthority = (authority: string): boolean => !NOT_IN_AUTHORITY.test(authority);

/** A URL's host and port, without credentials. */
function authorityOf(url: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  return m === null ? null : m[1].slice(m[1].lastIndexOf('@') + 1);
}

/**
 * An export writes request.url from the Host header, so a host edited in the URL (pointing a
 * captured request at staging, say) is meant for the Host header too; else the header would win.
 */
export function hostFollowsUrl(x: CapturedExchange, exported: string, harUrl: string): CapturedExchange {
  const now = authorityOf(harUrl);
  if (now === null || now === '' || now.toLowerCase() === authorityOf(exported)?.toLowerCase()) return x;
  const requestHeaders = x.requestHeaders.map((v, i) => (i % 2 === 1 && x.requestHeaders[i - 1].toLowerCase() === 'host' ? now : v));
  return { ...x, requestHeaders, host: hostName(now) };
}

/** The value of an HTTP/2 `:authority` pseudo-header in a HAR header list (browsers write it), or null. */
export function pseudoAuthority(list: unknown): string | null {
  if (!Array.isArray(list)) return null;
  for (const h of list) {
    if (typeof h === 'object' && h !== null && typeof h.name === 'string' && h.name.toLowerCase() === ':authority' && typeof h.value === 'string') return h.value;
  }
  return null;
}
