/**
 * jwt the way an attacker or a demanding gateway user would probe it: hostile
 * token headers, algorithm confusion against a JWKS, claims with non-ASCII
 * text, credentials in cookies, and an identity provider that goes away.
 */
import http from 'node:http';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Started } from '../helpers/upstreams.js';
import { startAccessRig, type AccessRig } from './access-rig.js';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const hmac = new TextEncoder().encode(SECRET);
let rig: AccessRig;
let idp: Started<http.Server>;
let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
let keys: JWK[] = [];
const hits: Record<string, number> = {};
let down = false;

const now = () => Math.floor(Date.now() / 1000);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const hs = (claims: Record<string, unknown>) => new SignJWT({ exp: now() + 300, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(hmac);
const es = (kid: string, key: CryptoKey = ec.privateKey) => new SignJWT({ sub: 'carol', exp: now() + 300 }).setProtectedHeader({ alg: 'ES256', kid }).sign(key);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request that fails (rather than hangs the test) when the gateway never answers. */
async function send(path: string, headers: Record<string, string>) {
  const res = await request(rig.gw.url + path, { headers, headersTimeout: 5000, bodyTimeout: 5000 });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

beforeAll(async () => {
  ec = await generateKeyPair('ES256', { extractable: true });
  rsa = await generateKeyPair('RS256', { extractable: true });
  keys = [
    { ...(await exportJWK(ec.publicKey)), kid: 'a', alg: 'ES256', use: 'sig' },
    { ...(await exportJWK(rsa.publicKey)), kid: 'r', alg: 'RS256', use: 'sig' },
  ];
  idp = await startServer((req, res) => {
    const path = req.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    if (down) res.writeHead(503).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  rig = await startAccessRig(
    `
  hs: { type: jwt, algorithms: [HS256], secret: ${SECRET}, leeway: 0s, audience: [api, other], issuer: https://issuer.test, requireExp: false }
  claims: { type: jwt, algorithms: [HS256], secret: ${SECRET}, forwardClaims: { name: x-user-name, groups: x-groups } }
  cookie: { type: jwt, algorithms: [HS256], secret: ${SECRET}, cookie: session, keep: false }
  jwks: { type: jwt, algorithms: [ES256, RS256], jwksUrl: ${idp.url}/confusion.json }
  flaky: { type: jwt, algorithms: [ES256], jwksUrl: ${idp.url}/flaky.json, jwksCooldown: 1500ms }
  stale: { type: jwt, algorithms: [ES256], jwksUrl: ${idp.url}/stale.json, jwksCacheTtl: 300ms, jwksCooldown: 300ms }
`,
    `
  - { name: hs, match: { path: /hs }, policies: [hs], upstream: app }
  - { name: claims, match: { path: /claims }, policies: [claims], upstream: app }
  - { name: cookie, match: { path: /cookie }, policies: [cookie], upstream: app }
  - { name: jwks, match: { path: /jwks }, policies: [jwks], upstream: app }
  - { name: flaky, match: { path: /flaky }, policies: [flaky], upstream: app }
  - { name: stale, match: { path: /stale }, policies: [stale], upstream: app }
`,
  );
});
afterAll(async () => {
  await rig?.stop();
  await idp?.close();
});

describe('jwt: hostile token headers', () => {
  it('answers a "crit" naming a line break or non-ASCII with 401 and a sendable challenge (it used to hang the response)', async () => {
    for (const name of ['x\r\nset-cookie: pwned=1', '李']) {
      const token = `${b64({ alg: 'HS256', crit: [name], [name]: 1 })}.${b64({ sub: 'x' })}.AAAA`;
      const r = await send('/hs', { authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      expect(r.headers['set-cookie']).toBeUndefined();
      const challenge = String(r.headers['www-authenticate']);
      expect(challenge).toMatch(/^Bearer realm="hs", error="invalid_token", error_description="[\x20-\x7e]*"$/);
      expect(challenge).not.toContain('"x"');
    }
  });

  it('refuses alg none in any spelling, an alg outside the allow-list, extra segments and bad base64url', async () => {
    const claims = b64({ sub: 'x', aud: 'api', iss: 'https://issuer.test', exp: now() + 60 });
    const good = await hs({ sub: 'x', aud: 'api', iss: 'https://issuer.test' });
    const forged = [
      ...['none', 'None', 'NONE', 'nOnE'].map((alg) => `${b64({ alg, typ: 'JWT' })}.${claims}.`),
      `${b64({ alg: 'HS512' })}.${claims}.${good.split('.')[2]}`,
      `${good}.extra`,
      good.replace(/^[^.]+/, (h) => h.slice(0, -2) + '!!'),
      `${good.split('.')[0]}.${claims}.${good.split('.')[2]}`, // claims swapped under the old signature
    ];
    for (const token of forged) {
      const r = await send('/hs', { authorization: `Bearer ${token}` });
      expect(r.status, token).toBe(401);
      expect(r.headers['www-authenticate']).toContain('error="invalid_token"');
    }
    expect((await send('/hs', { authorization: `Bearer ${good}` })).status).toBe(200);
  });

  it('a large garbage token is a 401 "malformed", not an error', async () => {
    const r = await send('/hs', { authorization: `Bearer ${'a'.repeat(12_000)}.${'b'.repeat(12_000)}.c` });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toContain('error_description="the token is malformed"');
  });

  it('with leeway 0: exp and nbf are exact; aud may be an array; iss must match', async () => {
    const base = { sub: 'x', iss: 'https://issuer.test' };
    const status = async (claims: Record<string, unknown>) => (await send('/hs', { authorization: `Bearer ${await hs({ ...base, ...claims })}` })).status;
    expect(await status({ aud: 'api', exp: now() - 2 })).toBe(401);
    expect(await status({ aud: 'api', nbf: now() + 5 })).toBe(401);
    expect(await status({ aud: ['x', 'other'] })).toBe(200);
    expect(await status({ aud: ['x', 'y'] })).toBe(401);
    expect(await status({ aud: 'api', iss: 'https://issuer.test/' })).toBe(401);
  });
});

describe('jwt: algorithm confusion against a JWKS', () => {
  it('refuses an HS256 token whose secret is the RSA public key (as PEM or as the JWK JSON)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    for (const secret of [pem, JSON.stringify(keys[1])]) {
      const forged = await new SignJWT({ sub: 'mallory', exp: now() + 60 }).setProtectedHeader({ alg: 'HS256', kid: 'r' }).sign(new TextEncoder().encode(secret));
      const r = await send('/jwks', { authorization: `Bearer ${forged}` });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toContain("the token's algorithm is not allowed");
    }
    // An ES256 token naming the RSA key's kid does not verify either.
    expect((await send('/jwks', { authorization: `Bearer ${await es('r')}` })).status).toBe(401);
    expect((await send('/jwks', { authorization: `Bearer ${await es('a')}` })).status).toBe(200);
  });
});

describe('jwt: claims and token sources', () => {
  it('forwards non-ASCII claims as their UTF-8 bytes instead of failing the request with a 502', async () => {
    const token = await hs({ sub: 'u1', name: 'José 李', groups: ['ops', 'dév'] });
    const r = await rig.send('/claims', { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    const utf8 = (v: unknown) => Buffer.from(String(v), 'latin1').toString('utf8');
    expect(utf8(r.echo!.headers['x-user-name'])).toBe('José 李');
    expect(utf8(r.echo!.headers['x-groups'])).toBe('["ops","dév"]');
  });

  it('keep: false takes a token read from a cookie out of the Cookie header, other cookies stay', async () => {
    const token = await hs({ sub: 'u2' });
    const r = await rig.send('/cookie', { cookie: `a=1; session=${token}; b=2` });
    expect(r.status).toBe(200);
    expect(r.echo!.headers.cookie).toBe('a=1; b=2');
    const only = await rig.send('/cookie', { cookie: `session=${token}` });
    expect(only.echo!.headers.cookie).toBeUndefined();
  });
});

describe('jwt: an identity provider that goes away', () => {
  it('while the JWKS cannot be fetched, unknown kids cost at most one fetch per cooldown, not one per token', async () => {
    expect((await send('/flaky', { authorization: `Bearer ${await es('a')}` })).status).toBe(200);
    expect(hits['/flaky.json']).toBe(1);
    down = true;
    try {
      await sleep(1600); // past the cooldown: one refetch is due
      const statuses: number[] = [];
      const started = performance.now();
      for (let i = 0; i < 8; i++) statuses.push((await send('/flaky', { authorization: `Bearer ${await es(`forged-${i}`)}` })).status);
      // Eight tokens take well under the 1.5 s cooldown; a machine that stalls longer is owed one more refetch per cooldown.
      const cooldownsPassed = Math.floor((performance.now() - started) / 1500);
      const refetches = hits['/flaky.json'] - 1;
      expect(refetches).toBeGreaterThanOrEqual(1);
      expect(refetches).toBeLessThanOrEqual(1 + cooldownsPassed);
      expect(statuses[0]).toBe(502); // the token may be valid: the keys could not be checked
      // Each refetch (failed) answers 502; every other unknown kid is refused without one.
      expect(statuses.filter((s) => s === 502)).toHaveLength(refetches);
      expect(statuses.filter((s) => s !== 502 && s !== 401)).toEqual([]);
      // Known keys keep working meanwhile.
      expect((await send('/flaky', { authorization: `Bearer ${await es('a')}` })).status).toBe(200);
    } finally {
      down = false;
    }
  });

  it('keeps verifying with the keys it has when a refetch after jwksCacheTtl fails', async () => {
    expect((await send('/stale', { authorization: `Bearer ${await es('a')}` })).status).toBe(200);
    down = true;
    try {
      await sleep(400); // the keys are past their TTL
      const r = await send('/stale', { authorization: `Bearer ${await es('a')}` });
      expect(r.status).toBe(200);
      expect(hits['/stale.json']).toBe(2); // it did try
    } finally {
      down = false;
    }
    await sleep(400);
    expect((await send('/stale', { authorization: `Bearer ${await es('a')}` })).status).toBe(200);
    expect(hits['/stale.json']).toBe(3);
  });
});
