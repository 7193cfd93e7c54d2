/**
 * jwt through the real engine with real keys made in the test (HMAC, RSA, EC
 * via jose) and a real JWKS server on loopback that rotates its keys.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import { startAccessRig, type AccessRig } from './access-rig.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
let rig: AccessRig;
let jwks: Started<http.Server>;
let jwksKeys: JWK[] = [];
let jwksHits = 0;
let jwksDown = false;
let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let ecA: { publicKey: CryptoKey; privateKey: CryptoKey };
let ecB: { publicKey: CryptoKey; privateKey: CryptoKey };
let ps: { publicKey: CryptoKey; privateKey: CryptoKey };

const now = () => Math.floor(Date.now() / 1000);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function token(claims: Record<string, unknown>, alg: string, key: CryptoKey | Uint8Array, kid?: string): Promise<string> {
  return new SignJWT({ exp: now() + 300, ...claims }).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}
const hs = (claims: Record<string, unknown> = {}) => token({ sub: 'alice', ...claims }, 'HS256', new TextEncoder().encode(SECRET));

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  ecA = await generateKeyPair('ES256', { extractable: true });
  ecB = await generateKeyPair('ES256', { extractable: true });
  ps = await generateKeyPair('PS256', { extractable: true });
  jwksKeys = [
    { ...(await exportJWK(ecA.publicKey)), kid: 'a', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(ps.publicKey)), kid: 'p', alg: 'PS256', use: 'sig' },
  ];
  jwks = await startServer((req, res) => {
    jwksHits++;
    if (jwksDown) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwksKeys }));
  });
  const pem = (await exportSPKI(rsa.publicKey)).trim().replaceAll('\n', '\n      ');
  rig = await startAccessRig(
    `
  hs:
    type: jwt
    algorithms: [HS256]
    secret: ${SECRET}
    issuer: https://issuer.test
    audience: [api, other]
    leeway: 5s
    forwardClaims: { sub: x-user, roles: x-roles }
  rs:
    type: jwt
    algorithms: [RS256]
    publicKey: |
      ${pem}
    requireExp: false
    keep: false
  remote:
    type: jwt
    algorithms: [ES256, PS256]
    jwksUrl: ${jwks.url}/jwks.json
    jwksCacheTtl: 10m
    jwksCooldown: 300ms
  query-token: { type: jwt, algorithms: [HS256], secret: ${SECRET}, query: access_token, cookie: tok, keep: false }
  per-user: { type: rate-limit, limit: 1, per: 1m, by: consumer }
  tiered: { type: jwt, algorithms: [HS256], secret: ${SECRET}, requireExp: false, planClaim: app.tier }
  per-plan: { type: rate-limit, limit: 1, per: 1m, by: consumer, plans: { gold: { limit: 3 } } }
`,
    `
  - { name: hs, match: { path: /hs }, policies: [hs], upstream: app }
  - { name: rs, match: { path: /rs }, policies: [rs], upstream: app }
  - { name: remote, match: { path: /remote }, policies: [remote], upstream: app }
  - { name: q, match: { path: /q }, policies: [query-token, per-user], upstream: app }
  - { name: tiered, match: { path: /tiered }, policies: [tiered, per-plan], upstream: app }
`,
  );
});
afterAll(async () => {
  await rig?.stop();
  await jwks?.close();
});

const good = { iss: 'https://issuer.test', aud: 'api' };

describe('jwt with an HMAC secret', () => {
  it('asks for a token with 401 and a Bearer challenge without an error code', async () => {
    const r = await rig.send('/hs');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="hs"');
    expect(r.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: 'A bearer token is required.' });
    expect((await rig.record(r)).policies).toEqual([{ policy: 'hs', type: 'jwt', outcome: 'missing' }]);
  });

  it('passes a valid token, forwards claims as headers and drops spoofed copies of them', async () => {
    const r = await rig.send('/hs', { ...bearer(await hs({ ...good, roles: ['admin', 'dev'] })), 'x-user': 'mallory', 'X-Roles': 'root' });
    expect(r.status).toBe(200);
    expect(r.echo!.headers['x-user']).toBe('alice');
    expect(r.echo!.headers['x-roles']).toBe('["admin","dev"]');
    expect(r.echo!.headers.authorization).toMatch(/^Bearer /); // keep defaults to true
    expect((await rig.record(r)).policies).toEqual([{ policy: 'hs', type: 'jwt', outcome: 'ok', detail: 'alice' }]);
  });

  it('refuses expired, not-yet-valid, wrong issuer and wrong audience tokens with invalid_token', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, exp: now() - 60 }, 'the token has expired'],
      [{ ...good, nbf: now() + 60 }, 'the token is not valid yet'],
      [{ ...good, iss: 'https://evil.test' }, 'unexpected issuer'],
      [{ ...good, aud: 'someone-else' }, 'unexpected audience'],
    ];
    for (const [claims, description] of cases) {
      const r = await rig.send('/hs', bearer(await hs(claims)));
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe(`Bearer realm="hs", error="invalid_token", error_description="${description}"`);
      expect(r.json().detail).toBe(`The token is not valid: ${description}.`);
    }
    // Within the 5s leeway an expired token still passes.
    expect((await rig.send('/hs', bearer(await hs({ ...good, exp: now() - 2 })))).status).toBe(200);
  });

  it('refuses alg "none", a token signed with another secret, and garbage', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...good, sub: 'x', exp: now() + 60 })).toString('base64url')}.`;
    const a = await rig.send('/hs', bearer(none));
    expect(a.status).toBe(401);
    expect(a.headers['www-authenticate']).toContain('error="invalid_token"');
    const other = await token({ ...good, sub: 'x' }, 'HS256', new TextEncoder().encode('another-secret-of-at-least-32-bytes'));
    const b = await rig.send('/hs', bearer(other));
    expect(b.headers['www-authenticate']).toContain('error_description="the signature does not verify"');
    expect((await rig.send('/hs', bearer('not.a.jwt'))).status).toBe(401);
  });
});

describe('jwt with an RSA public key (PEM)', () => {
  it('passes RS256 and removes the token with keep: false', async () => {
    const t = await new SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'RS256' }).sign(rsa.privateKey);
    const r = await rig.send('/rs', bearer(t));
    expect(r.status).toBe(200);
    expect(r.echo!.headers.authorization).toBeUndefined();
  });

  it('refuses algorithm confusion: an HS256 token whose secret is the public key PEM', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const forged = await token({ sub: 'mallory' }, 'HS256', new TextEncoder().encode(pem));
    const r = await rig.send('/rs', bearer(forged));
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toContain('error_description="the token\'s algorithm is not allowed"');
  });
});

describe('jwt with a JWKS URL', () => {
  it('selects keys by kid, refetches on an unknown kid after rotation, and not more than once per cooldown', async () => {
    const tA = await token({ sub: 'carol' }, 'ES256', ecA.privateKey, 'a');
    expect((await rig.send('/remote', bearer(tA))).status).toBe(200);
    const tP = await token({ sub: 'dan' }, 'PS256', ps.privateKey, 'p');
    expect((await rig.send('/remote', bearer(tP))).status).toBe(200);
    expect(jwksHits).toBe(1);

    // Rotate: key b replaces key a.
    jwksKeys = [{ ...(await exportJWK(ecB.publicKey)), kid: 'b', alg: 'ES256', use: 'sig' }, jwksKeys[1]];
    await new Promise((r) => setTimeout(r, 350));
    const tB = await token({ sub: 'erin' }, 'ES256', ecB.privateKey, 'b');
    expect((await rig.send('/remote', bearer(tB))).status).toBe(200);
    expect(jwksHits).toBe(2);

    // A flood of unknown kids costs at most one fetch per cooldown.
    const forged = await Promise.all(Array.from({ length: 10 }, (_, i) => token({ sub: 'x' }, 'ES256', ecA.privateKey, `forged-${i}`)));
    const answers = await Promise.all(forged.map((t) => rig.send('/remote', bearer(t))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(401));
    expect(answers[0].headers['www-authenticate']).toContain('error_description="no key matches the token\'s kid"');
    expect(jwksHits).toBeLessThanOrEqual(3);
    // The rotated-out key no longer verifies.
    expect((await rig.send('/remote', bearer(tA))).status).toBe(401);
  });

  it('answers 502 when the JWKS cannot be fetched', async () => {
    jwksDown = true;
    try {
      await new Promise((r) => setTimeout(r, 350));
      const t = await token({ sub: 'x' }, 'ES256', ecA.privateKey, 'unknown-kid-while-down');
      const r = await rig.send('/remote', bearer(t));
      expect(r.status).toBe(502);
      expect(r.json()).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
      expect((await rig.record(r)).policies[0]).toMatchObject({ outcome: 'error' });
    } finally {
      jwksDown = false;
    }
  });
});

describe('jwt token sources and consumers', () => {
  it('reads a query parameter (removed upstream) or a cookie, and the subject is the consumer for rate limits', async () => {
    const r = await rig.send(`/q/x?access_token=${await hs({ sub: 'quinn' })}&a=1`);
    expect(r.status).toBe(200);
    expect(r.echo!.url).toBe('/q/x?a=1');
    expect((await rig.send(`/q/x?access_token=${await hs({ sub: 'quinn' })}`)).status).toBe(429);
    expect((await rig.send('/q/x', { cookie: `other=1; tok=${await hs({ sub: 'rita' })}` })).status).toBe(200);
  });
});

describe('jwt plans', () => {
  it('planClaim names the plan rate-limit plans apply to (a dotted path reaches nested claims)', async () => {
    const gold = await hs({ sub: 'gina', app: { tier: 'gold' } });
    const plain = await hs({ sub: 'pat', app: { tier: 'basic' } });
    const statuses = async (token: string, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await rig.send('/tiered', { authorization: `Bearer ${token}` })).status);
      return out;
    };
    expect(await statuses(gold, 4)).toEqual([200, 200, 200, 429]);
    // A plan not listed under `plans` gets the base limit.
    expect(await statuses(plain, 2)).toEqual([200, 429]);
    const r = await rig.send('/tiered', { authorization: `Bearer ${await hs({ sub: 'hal', app: { tier: 'gold' } })}` });
    expect((await rig.record(r)).policies[0]).toEqual({ policy: 'tiered', type: 'jwt', outcome: 'ok', detail: 'hal (plan gold)' });
  });
});

describe('jwt config checks', () => {
  const issues = (policy: string) =>
    loadWorkspaceText(`version: 1\nlisteners: [{ name: w, address: 127.0.0.1:0 }]\npolicies:\n  p: ${policy}\nroutes: []\nupstreams: {}\n`, 'w.yaml').issues.map(
      (i) => `${i.severity}: ${i.message}`,
    );

  it('needs exactly one key source and algorithms that fit it', async () => {
    expect(issues('{ type: jwt, algorithms: [HS256] }')).toContain('error: give one key source: secret, publicKey or jwksUrl');
    expect(issues(`{ type: jwt, algorithms: [HS256], secret: ${SECRET}, jwksUrl: "http://x/jwks" }`)).toContain('error: give only one key source, not secret and jwksUrl');
    expect(issues(`{ type: jwt, algorithms: [RS256], secret: ${SECRET} }`)).toContain('error: RS256 need a public key or a JWKS, not a secret');
    expect(issues('{ type: jwt, algorithms: [HS256, ES256], jwksUrl: "http://x/jwks" }')[0]).toMatch(/^error: HS256 with a JWKS is refused/);
    expect(issues('{ type: jwt, algorithms: [none], secret: x }').join()).toMatch(/algorithms/);
    const pem = JSON.stringify(await exportSPKI(rsa.publicKey));
    expect(issues(`{ type: jwt, algorithms: [ES256], publicKey: ${pem} }`)).toContain(
      'error: the rsa public key cannot verify ES256 (it verifies RS256, RS384, RS512, PS256, PS384, PS512)',
    );
  });

  it('reads a PEM file path, and says when it cannot', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-jwt-'));
    try {
      const file = path.join(dir, 'ec.pem');
      fs.writeFileSync(file, await exportSPKI(ecA.publicKey));
      expect(issues(`{ type: jwt, algorithms: [ES256], publicKey: ${file} }`)).toEqual([]);
      expect(issues(`{ type: jwt, algorithms: [ES384], publicKey: ${file} }`)).toContain('error: the ec prime256v1 public key cannot verify ES384 (it verifies ES256)');
      expect(issues(`{ type: jwt, algorithms: [ES256], publicKey: ${dir}/missing.pem }`)[0]).toMatch(/^error: not a readable PEM public key: ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
