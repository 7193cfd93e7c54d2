/**
 * Makes an HTTP/2 request (compat API) look like what the pipeline reads from
 * an HTTP/1.1 one: pseudo-headers leave `rawHeaders` (which becomes the upstream
 * request) with `:authority` turned into Host, and a body without Content-Length
 * is marked as chunked so it is streamed upstream like an HTTP/1.1 chunked body,
 * and cookie crumbs become one Cookie field.
 * `req.headers` keeps its pseudo-headers: the compat API reads method and path from them.
 */
import type { Http2ServerRequest } from 'node:http2';

export function adaptHttp2Request(req: Http2ServerRequest): void {
  const raw = req.rawHeaders;
  const headers = req.headers as Record<string, string | string[] | undefined>;
  const authority = headers[':authority'];
  let w = 0;
  let hasHost = false;
  let cookieAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    if (name === 'host') hasHost = true;
    if (name === 'cookie') {
      // RFC 9113 §8.2.3: cookie crumbs are joined with "; " before going to HTTP/1.1 (which allows one Cookie field).
      if (cookieAt !== -1) {
        raw[cookieAt + 1] += '; ' + raw[i + 1];
        continue;
      }
      cookieAt = w;
    }
    raw[w++] = name;
    raw[w++] = raw[i + 1];
  }
  raw.length = w;
  if (!hasHost && typeof authority === 'string') {
    raw.unshift('host', authority);
    headers.host = authority;
  }
  if (!req.stream.endAfterHeaders && headers['content-length'] === undefined) headers['transfer-encoding'] = 'chunked';
}
