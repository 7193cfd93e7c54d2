/**
 * The key set behind `jwksUrl`. Keys are fetched on first use and kept for
 * `ttl`; a token naming an unknown `kid` (key rotation) refetches early. Every
 * fetch attempt, failed ones included, starts a `cooldown` during which no
 * other is made, so neither forged kids nor an identity provider that is down
 * turn client traffic into one JWKS request per token. When a refetch fails,
 * the keys already held keep verifying (past `ttl`) until one succeeds.
 * Concurrent fetches share one request; the download is bounded in time and size.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export const MAX_JWKS_BYTES = 512 * 1024;
const FETCH_TIMEOUT_MS = 5000;

export function remoteKeySet(url: string, ttlMs: number, cooldownMs: number): JWTVerifyGetKey {
  let local: ReturnType<typeof createLocalJWKSet> | null = null;
  let fetchedAt = -Infinity;
  let triedAt = -Infinity;
  let lastError: unknown = null;
  let pending: Promise<void> | null = null;

  const reload = (): Promise<void> =>
    (pending ??= (async () => {
      try {
        local = createLocalJWKSet(await fetchJwks(url));
        fetchedAt = Date.now();
        lastError = null;
      } catch (err) {
        lastError = err;
        throw err;
      } finally {
        // The cooldown runs from the end of an attempt: a slow identity provider does not shorten it.
        triedAt = Date.now();
        pending = null;
      }
    })());
  const mayFetch = () => pending !== null || Date.now() - triedAt >= cooldownMs;

  return async (header, token) => {
    if (local === null || Date.now() - fetchedAt >= ttlMs) {
      if (mayFetch()) {
        try {
          await reload();
        } catch (err) {
          if (local === null) throw err;
          // Stale keys are better than refusing every token while the identity provider is away.
        }
      } else if (local === null) {
        throw lastError;
      }
    }
    try {
      return await local!(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || !mayFetch()) throw err;
      await reload();
      return local!(header, token);
    }
  };
}

/** GET the JWKS: 200 and JSON required, redirects not followed, at most MAX_JWKS_BYTES, within FETCH_TIMEOUT_MS. */
async function fetchJwks(url: string): Promise<JSONWebKeySet> {
  const signal = AbortSignal.timeout(FETCH_TIMEOUT_MS);
  try {
    const res = await fetch(url, { redirect: 'manual', signal, headers: { accept: 'application/json, application/jwk-set+json' } });
    const body = await boundedBody(res);
    if (res.status !== 200) throw new errors.JOSEError(`Expected 200 OK from the JSON Web Key Set HTTP response, got ${res.status}`);
    try {
      return JSON.parse(body.toString('utf8')) as JSONWebKeySet;
    } catch {
      throw new errors.JOSEError('Failed to parse the JSON Web Key Set HTTP response as JSON');
    }
  } catch (err) {
    if (signal.aborted) throw new errors.JWKSTimeout();
    throw err;
  }
}

/** The body, or an error rather than memory when it is larger than MAX_JWKS_BYTES. */
async function boundedBody(res: Response): Promise<Buffer> {
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
  return Buffer.concat(chunks);
}
