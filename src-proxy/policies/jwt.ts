/**
 * jwt: a JSON Web Token from the Authorization header ("Bearer …"), another
 * header, a query parameter or a cookie, verified with jose against an HMAC
 * secret, a PEM public key or a JWKS URL. `algorithms` is an allow-list
 * ("none" cannot be listed) and must fit the key kind (jwt-keys.ts), so
 * algorithm confusion is refused by config checks and again by jose at run
 * time. iss, aud, exp and nbf are checked with `leeway`. Chosen claims go
 * upstream as headers; any client-sent header of those names is removed
 * first, so clients cannot spoof them. Refusals are 401 with an RFC 6750
 * Bearer challenge; a JWKS that cannot be fetched is a 502.
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { PolicyOf } from '../config/policy-schema.js';
import { parseDuration } from '../config/units.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { addRequestHeader, removeRequestHeader } from '../pipeline/request-headers.js';
import { decide } from './decide.js';
import { remoteKeySet } from './jwks-cache.js';
import { algorithmsForKey, isHmac, loadPublicKey } from './jwt-keys.js';
import type { Policy, PolicyFactory } from './policy.js';
import { removeQueryParam } from './query-param.js';
import { removeRequestCookie } from './request-cookie.js';

type Config = PolicyOf<'jwt'>;

export const jwtPolicy: PolicyFactory<'jwt'> = {
  check(config, report) {
    const sources = (['secret', 'publicKey', 'jwksUrl'] as const).filter((k) => config[k] !== undefined);
    if (sources.length !== 1) {
      report([], sources.length === 0 ? 'give one key source: secret, publicKey or jwksUrl' : `give only one key source, not ${sources.join(' and ')}`);
      return;
    }
    const hmac = config.algorithms.filter(isHmac);
    const asymmetric = config.algorithms.filter((a) => !isHmac(a));
    if (config.secret !== undefined) {
      if (asymmetric.length > 0) report(['algorithms'], `${asymmetric.join(', ')} need a public key or a JWKS, not a secret`);
      if (Buffer.byteLength(config.secret) < 32) report(['secret'], 'an HMAC secret shorter than 32 bytes can be brute-forced', 'warning');
    } else if (hmac.length > 0) {
      report(['algorithms'], `${hmac.join(', ')} with a ${config.publicKey ? 'public key' : 'JWKS'} is refused: it would let a public key be used as an HMAC secret (algorithm confusion)`);
    }
    if (config.publicKey !== undefined) {
      let key: KeyObject;
      try {
        key = loadPublicKey(config.publicKey);
      } catch (err) {
        report(['publicKey'], `not a readable PEM public key: ${(err as Error).message}`);
        return;
      }
      const fits = algorithmsForKey(key);
      const misfit = asymmetric.filter((a) => !fits.includes(a));
      if (misfit.length > 0) report(['algorithms'], `the ${describeKey(key)} public key cannot verify ${misfit.join(', ')}${fits.length ? ` (it verifies ${fits.join(', ')})` : ''}`);
    }
    if (config.jwksUrl !== undefined && !/^https?:\/\/[^/]/i.test(config.jwksUrl)) report(['jwksUrl'], 'expected an http:// or https:// URL');
  },
  create(name, config): Policy {
    const key = verificationKey(config);
    const options: JWTVerifyOptions = {
      algorithms: config.algorithms,
      clockTolerance: Math.floor(parseDuration(config.leeway ?? '30s') / 1000),
      requiredClaims: config.requireExp === false ? [] : ['exp'],
      ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
      ...(config.audience !== undefined ? { audience: config.audience } : {}),
    };
    const header = (config.header ?? 'authorization').toLowerCase();
    const bearerOnly = header === 'authorization';
    const query = config.query ?? null;
    const cookie = config.cookie ?? null;
    const keep = config.keep !== false;
    const consumerClaim = config.consumerClaim ?? 'sub';
    const planClaim = config.planClaim ?? null;
    const forward = Object.entries(config.forwardClaims ?? {}).map(([claim, h]) => [claim, h.toLowerCase()] as const);
    const realm = `realm="${name}"`;
    const verify = key.kind === 'local' ? (t: string) => jwtVerify(t, key.key, options) : (t: string) => jwtVerify(t, key.get, options);

    const refuse = (ex: Exchange, outcome: 'missing' | 'invalid', description: string): SwitchyardError => {
      decide(ex, { policy: name, type: 'jwt', outcome, ...(outcome === 'invalid' ? { detail: description } : {}) });
      const challenge = outcome === 'missing' ? `Bearer ${realm}` : `Bearer ${realm}, error="invalid_token", error_description="${quoteSafe(description)}"`;
      return new SwitchyardError('UNAUTHORIZED', outcome === 'missing' ? 'A bearer token is required.' : `The token is not valid: ${description}.`, {
        headers: { 'www-authenticate': challenge },
      });
    };

    return {
      name,
      type: 'jwt',
      handle(ex, next) {
        // Before anything else: a refused request must not leave spoofed claim headers behind either.
        for (const [, h] of forward) if (ex.req.headers[h] !== undefined) removeRequestHeader(ex, h);
        let token: string | undefined;
        let from: 'header' | 'query' | 'cookie' = 'header';
        const raw = ex.header(header);
        if (raw !== undefined) {
          const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(raw);
          token = m !== null ? m[1] : bearerOnly ? undefined : raw.trim() || undefined;
        }
        if (token === undefined && query !== null && (token = ex.query(query)) !== undefined) from = 'query';
        if (token === undefined && cookie !== null && (token = ex.cookie(cookie)) !== undefined) from = 'cookie';
        if (token === undefined || token === '') throw refuse(ex, 'missing', 'no token');

        return verify(token).then(
          ({ payload }) => {
            const consumer = payload[consumerClaim];
            const plan = planClaim === null ? null : planOf(payload, planClaim);
            if (typeof consumer === 'string' && consumer !== '') ex.consumer = { name: consumer, plan };
            const detail = typeof consumer === 'string' ? (plan ? `${consumer} (plan ${plan})` : consumer) : undefined;
            decide(ex, { policy: name, type: 'jwt', outcome: 'ok', ...(detail !== undefined ? { detail } : {}) });
            for (const [claim, h] of forward) {
              const value = claimText(payload, claim);
              if (value !== null) addRequestHeader(ex, h, value);
            }
            if (!keep) {
              if (from === 'header') removeRequestHeader(ex, header);
              else if (from === 'query') ex.search = removeQueryParam(ex.search, query!);
              else removeRequestCookie(ex, cookie!);
            }
            return next();
          },
          (err: unknown) => {
            if (key.kind === 'remote' && isFetchFailure(err)) {
              decide(ex, { policy: name, type: 'jwt', outcome: 'error', detail: 'JWKS unavailable' });
              throw new SwitchyardError('UPSTREAM_BAD_RESPONSE', `The JWKS at ${config.jwksUrl} could not be fetched: ${(err as Error).message}`, { cause: err });
            }
            throw refuse(ex, 'invalid', describeError(err));
          },
        );
      },
    };
  },
};

type VerificationKey = { kind: 'local'; key: KeyObject | Uint8Array } | { kind: 'remote'; get: JWTVerifyGetKey };

function verificationKey(config: Config): VerificationKey {
  if (config.secret !== undefined) return { kind: 'local', key: new TextEncoder().encode(config.secret) };
  if (config.publicKey !== undefined) return { kind: 'local', key: loadPublicKey(config.publicKey) };
  const ttl = parseDuration(config.jwksCacheTtl ?? '10m');
  const cooldown = parseDuration(config.jwksCooldown ?? '30s');
  return { kind: 'remote', get: remoteKeySet(config.jwksUrl!, ttl, Math.min(cooldown, ttl)) };
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve ? `${key.asymmetricKeyType} ${curve}` : (key.asymmetricKeyType ?? 'unknown');
}

/**
 * A claim as a header value: strings as they are, anything else as JSON;
 * control characters dropped. Header values travel as bytes (Node writes them
 * as latin1), so the UTF-8 encoding is handed over byte for byte: "李" would
 * otherwise be refused by the HTTP client and the request would fail.
 */
function claimText(payload: JWTPayload, claim: string): string | null {
  const v = payload[claim];
  if (v === undefined || v === null) return null;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  // eslint-disable-next-line no-control-regex
  return Buffer.from(text.replace(/[\x00-\x1f\x7f]/g, ''), 'utf8').toString('latin1');
}

/**
 * The plan a claim names: the claim of that exact name first (namespaced claims
 * such as https://example.com/plan contain dots), else a dotted path into
 * nested claims; strings and numbers only.
 */
function planOf(payload: JWTPayload, claim: string): string | null {
  let v: unknown = payload[claim];
  if (v === undefined && claim.includes('.')) {
    v = claim.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), payload);
  }
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

/** jose's errors, in words a client developer can act on. */
function describeError(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'the token is not valid yet';
    if (err.claim === 'iss') return 'unexpected issuer';
    if (err.claim === 'aud') return 'unexpected audience';
    return `claim ${err.claim}: ${err.reason}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'the token\'s algorithm is not allowed';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key matches the token\'s kid';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'the token is malformed';
  if (err instanceof errors.JOSEError) return err.message;
  return 'the token cannot be verified';
}

/** Errors that mean "we could not get the keys" rather than "the token is bad". */
function isFetchFailure(err: unknown): boolean {
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  if (err instanceof errors.JOSEError) return err.code === 'ERR_JOSE_GENERIC';
  // Network errors from fetch ("fetch failed") and the size bound in jwks-cache.ts.
  return err instanceof Error && (err.message === 'fetch failed' || err.message.startsWith('the JWKS response'));
}

/**
 * Text fit for a quoted-string in a header. Some descriptions carry token
 * content (jose names an unknown "crit" parameter verbatim): line breaks or
 * non-ASCII there would make the challenge header unsendable.
 */
function quoteSafe(text: string): string {
  return text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
}
