/**
 * The key set behind `jwksUrl`: jose's remote JWKS (keys cached for `ttl`,
 * refetched when a token names an unknown `kid`, but at most once per
 * `cooldown` so forged kids cannot make us hammer the endpoint; concurrent
 * refetches share one request), with the download bounded in time and size.
 */
import { createRemoteJWKSet, customFetch } from 'jose';

export const MAX_JWKS_BYTES = 512 * 1024;
const FETCH_TIMEOUT_MS = 5000;

export type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

export function remoteKeySet(url: string, ttlMs: number, cooldownMs: number): RemoteKeySet {
  return createRemoteJWKSet(new URL(url), {
    cacheMaxAge: ttlMs,
    cooldownDuration: cooldownMs,
    timeoutDuration: FETCH_TIMEOUT_MS,
    [customFetch]: boundedFetch,
  });
}

/** fetch, but a body larger than MAX_JWKS_BYTES is an error rather than memory. */
async function boundedFetch(url: string, options: RequestInit): Promise<Response> {
  const res = await fetch(url, options);
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader !== undefined) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_JWKS_BYTES) {
        await reader.cancel();
        throw new Error(`the JWKS response is larger than ${MAX_JWKS_BYTES} bytes`);
      }
      chunks.push(value);
    }
  }
  return new Response(Buffer.concat(chunks), { status: res.status, statusText: res.statusText, headers: res.headers });
}
