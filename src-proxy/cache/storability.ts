/**
 * May a shared cache store this response (RFC 9111 §3, §3.5)? Returns null
 * when it may, or the reason it may not (shown in the Cache-Status detail
 * and the policy decision).
 */
import { seconds, type Directives } from './cache-control.js';
import { freshnessLifetime, type FreshnessPolicy } from './freshness.js';
import { parseVary } from './vary.js';
import type { ResponseHeaders } from '../pipeline/response-sink.js';

export interface StoreRequest {
  readonly method: string;
  readonly directives: Directives;
  readonly hasAuthorization: boolean;
}

export function whyNotStorable(
  req: StoreRequest,
  status: number,
  headers: ResponseHeaders,
  cc: Directives,
  policy: FreshnessPolicy,
  responseTime: number,
): string | null {
  if (req.method !== 'GET') return 'method';
  // 206 needs range support and 304 is not a representation; 1xx never reach a sink.
  if (status === 206 || status === 304 || status < 200) return 'status';
  // A part labelled as something else (a 200 with Content-Range) is not the whole representation (§3.3).
  if (headers['content-range'] !== undefined) return 'content-range';
  if (req.directives.has('no-store')) return 'request-no-store';
  if (cc.has('no-store')) return 'no-store';
  if (cc.has('private')) return 'private';
  // §3.5: a response to a request with credentials is shared only when the origin says so.
  if (req.hasAuthorization && !sharedWithCredentials(cc)) return 'authorization';
  // Storing a Set-Cookie would hand one client's cookie to the next (nginx and Varnish refuse it too).
  if (headers['set-cookie'] !== undefined) return 'set-cookie';
  if (parseVary(headers) === '*') return 'vary-star';
  const validator = headers.etag !== undefined || headers['last-modified'] !== undefined;
  // The qualified form (no-cache="x-field") is taken as the unqualified one: revalidate every use.
  if (cc.has('no-cache')) return validator ? null : 'no-cache-without-validator';
  const lifetime = freshnessLifetime(status, headers, cc, policy, responseTime);
  if (lifetime === null) return 'no-freshness';
  // Stale on arrival and nothing to revalidate with: storing it cannot help.
  if (lifetime === 0 && !validator) return 'no-freshness';
  return null;
}

/** §3.5: may a response be stored for, or served to, a request with Authorization? */
export function sharedWithCredentials(cc: Directives): boolean {
  return cc.has('public') || cc.has('must-revalidate') || seconds(cc, 's-maxage') !== null;
}
