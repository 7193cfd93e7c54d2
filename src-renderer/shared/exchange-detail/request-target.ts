/**
 * What the detail title shows as the request's address. An origin-form target
 * ("/orders?x=1") follows its host; a forward proxy's absolute-form
 * ("http://example.test/a") or CONNECT authority-form ("example.test:443")
 * already names it, and prefixing the host gave "127.0.0.1http://…".
 */
export function requestTarget(host: string, url: string): string {
  return url.startsWith('/') ? `${host}${url}` : url;
}

/**
 * The path and query that edit & resend starts from: replay sends origin-form,
 * so a forward proxy's absolute-form URL is reduced to its path (as the engine
 * does for a plain replay) instead of being refused as "must start with /".
 */
export function editablePath(url: string): string {
  if (url.startsWith('/') || url === '*') return url;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^#]*)/i.exec(url);
  if (!m) return url;
  return m[1] === '' ? '/' : m[1].startsWith('/') ? m[1] : '/' + m[1];
}
