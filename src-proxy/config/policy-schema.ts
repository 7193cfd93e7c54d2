/**
 * The schema of every policy type (`policies:` in a workspace). Each policy is
 * named once and listed per route; the engine runs a route's policies in
 * order (src-proxy/policies/, one file per type). Descriptions here are the
 * editor's hover docs, so they say what a field does and its default.
 *
 * Cross-field rules that the schema cannot express (e.g. a jwt policy needs
 * exactly one key source) are checked by each policy's compile step, which
 * reports positioned errors like the rest of compile.ts.
 */
import { z } from 'zod';
import { duration, headerName, headText, httpMethod, size, statusCode, valueCondition } from './schema-parts.js';

const base = { description: z.string().optional().describe('What this policy is for (shown in the workbench)') };
const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, { message: 'expected an IP address or CIDR, e.g. 10.0.0.0/8 or 2001:db8::/32' })
  .describe('An IPv4 or IPv6 address or CIDR block');
const headerMap = z.record(headerName, headText);
const conditions = z
  .strictObject({
    headers: z.record(headerName, valueCondition).optional().describe('Header conditions (all must hold)'),
    query: z.record(z.string(), valueCondition).optional().describe('Query parameter conditions (all must hold)'),
  })
  .describe('Only act on requests that meet these conditions');

const apiKey = z
  .strictObject({
    type: z.literal('api-key'),
    ...base,
    header: headerName.optional().describe('Header carrying the key (default x-api-key)'),
    query: z.string().optional().describe('Query parameter carrying the key (checked when the header is absent)'),
    keys: z
      .record(
        z.string(),
        z.strictObject({
          consumer: z.string().describe('Who the key belongs to (used by rate limits `by: consumer`)'),
          plan: z.string().optional().describe('Plan name, looked up in rate-limit `plans`'),
        }),
      )
      .describe('Accepted keys → consumer and plan. Missing key: 401; unknown key: 403'),
    keep: z.boolean().optional().describe('Forward the key upstream (default: removed before proxying)'),
  })
  .describe('Require an API key');

const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256', 'PS384', 'PS512'] as const;
const jwt = z
  .strictObject({
    type: z.literal('jwt'),
    ...base,
    header: headerName.optional().describe('Header carrying the token: "Bearer <token>" (default authorization; another header may carry the bare token)'),
    query: z.string().optional().describe('Query parameter carrying the token'),
    cookie: z.string().optional().describe('Cookie carrying the token'),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).describe('Accepted algorithms; "none" is never accepted'),
    secret: z.string().optional().describe('HMAC secret (HS*). Give exactly one of secret, publicKey, jwksUrl'),
    publicKey: z.string().optional().describe('PEM public key (RS*, ES*, PS*), inline or a file path'),
    jwksUrl: z.string().optional().describe('JWKS URL; keys chosen by `kid`, cached, refreshed on an unknown kid'),
    jwksCacheTtl: duration.optional().describe('How long fetched JWKS keys are kept (default 10m)'),
    jwksCooldown: duration.optional().describe('Least time between JWKS fetches caused by unknown `kid`s, so forged tokens cannot make the gateway hammer the JWKS endpoint (default 30s)'),
    issuer: z.union([z.string(), z.array(z.string()).min(1)]).optional().describe('Accepted `iss` value(s)'),
    audience: z.union([z.string(), z.array(z.string()).min(1)]).optional().describe('Accepted `aud` value(s)'),
    leeway: duration.optional().describe('Clock skew allowed for exp and nbf (default 30s)'),
    requireExp: z.boolean().optional().describe('Refuse tokens without `exp` (default true)'),
    consumerClaim: z.string().optional().describe('Claim naming the consumer for rate limits (default sub)'),
    planClaim: z.string().optional().describe("Claim naming the consumer's plan for rate-limit `plans` (e.g. tier); a dotted path reaches nested claims"),
    forwardClaims: z.record(z.string(), headerName).optional().describe('Claims forwarded upstream as headers: { claim: header-name }'),
    keep: z.boolean().optional().describe('Forward the token upstream (default true); false removes its header or query parameter'),
  })
  .describe('Require a valid JSON Web Token');

const basicAuth = z
  .strictObject({
    type: z.literal('basic-auth'),
    ...base,
    realm: z.string().optional().describe('Realm in WWW-Authenticate (default "Switchyard")'),
    users: z.record(z.string(), z.string()).optional().describe('user → password hash (bcrypt $2y$…, {SHA}…, $5$/$6$ SHA-crypt, $apr1$ MD5-crypt); plain text is refused'),
    htpasswd: z.array(z.string()).optional().describe('htpasswd lines "user:hash"'),
    htpasswdFile: z.string().optional().describe('Path to an htpasswd file'),
    keep: z.boolean().optional().describe('Forward the Authorization header upstream (default: removed)'),
  })
  .describe('Require HTTP Basic credentials');

const rateLimit = z
  .strictObject({
    type: z.literal('rate-limit'),
    ...base,
    limit: z.number().int().min(1).describe('Requests allowed per `per` (for consumers without a plan entry)'),
    per: duration.describe('The window: 1s, 1m, 1h'),
    by: z
      .string()
      .regex(/^(ip|consumer|route|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/, { message: 'expected ip, consumer, route or header:NAME' })
      .default('ip')
      .describe('What is counted: ip (IPv6 by /64) | consumer (from api-key/jwt/basic-auth) | route | header:NAME; without a consumer or the header, by ip'),
    plans: z
      .record(z.string(), z.strictObject({ limit: z.number().int().min(1), per: duration.optional() }))
      .optional()
      .describe('Limits per plan name (api-key plans or a jwt planClaim), e.g. free: {limit: 100, per: 1m}'),
    algorithm: z.enum(['token-bucket', 'sliding-window']).default('token-bucket').describe('token-bucket allows bursts up to `limit`'),
    maxKeys: z.number().int().min(1).optional().describe('Most keys tracked at once; idle keys are evicted first (default 100000)'),
  })
  .describe('Limit request rate (429 with RateLimit-* and Retry-After)');

const cors = z
  .strictObject({
    type: z.literal('cors'),
    ...base,
    origins: z.array(z.string()).min(1).describe('Allowed origins: "*", "https://app.example.com", or "https://*.example.com"'),
    methods: z.array(httpMethod).optional().describe('Allowed methods (default GET, HEAD, POST, PUT, PATCH, DELETE)'),
    headers: z.array(headerName).optional().describe('Allowed request headers (default: those the preflight asks for)'),
    exposeHeaders: z.array(headerName).optional().describe('Response headers scripts may read'),
    credentials: z.boolean().optional().describe('Allow cookies/credentials (never with a literal "*" origin reply)'),
    maxAge: duration.optional().describe('How long browsers cache a preflight answer'),
  })
  .describe('Cross-origin resource sharing; preflights answered by the gateway');

const ipFilter = z
  .strictObject({
    type: z.literal('ip-filter'),
    ...base,
    allow: z.array(cidr).optional().describe('Only these clients may pass (when given)'),
    deny: z.array(cidr).optional().describe('These clients are refused (deny wins over allow)'),
    trustedProxies: z.array(cidr).optional().describe('Take the client address from X-Forwarded-For only behind these proxies'),
  })
  .describe('Allow or deny clients by address (403)');

const headerOps = z
  .strictObject({
    add: headerMap.optional().describe('Append these headers (keeps existing values)'),
    set: headerMap.optional().describe('Set these headers (replaces existing values)'),
    remove: z.array(headerName).optional().describe('Remove these headers'),
    rename: z.record(headerName, headerName).optional().describe('Rename headers: { from: to }'),
  })
  .describe('Header changes, applied in the order remove, rename, set, add');

const headers = z
  .strictObject({
    type: z.literal('headers'),
    ...base,
    request: headerOps.optional().describe('Changes to the request sent upstream'),
    response: headerOps.optional().describe('Changes to the response sent to the client'),
    securityHeaders: z
      .union([
        z.boolean(),
        z.strictObject({
          hsts: z
            .union([z.literal(false), z.strictObject({ maxAge: duration.default('365d'), includeSubDomains: z.boolean().default(true), preload: z.boolean().default(false) })])
            .optional()
            .describe('Strict-Transport-Security on TLS listeners (default max-age 1 year, includeSubDomains)'),
          contentTypeOptions: z.boolean().optional().describe('X-Content-Type-Options: nosniff (default true)'),
          frameOptions: z.union([z.enum(['DENY', 'SAMEORIGIN']), z.literal(false)]).optional().describe('X-Frame-Options (default DENY)'),
          referrerPolicy: z.union([z.string(), z.literal(false)]).optional().describe('Referrer-Policy (default strict-origin-when-cross-origin)'),
          csp: z.string().optional().describe('Content-Security-Policy value'),
        }),
      ])
      .optional()
      .describe('The security-headers preset: true for the defaults, or an object to tune them'),
  })
  .describe('Add, set, remove and rename headers; security-headers preset');

const bodyLimit = z
  .strictObject({
    type: z.literal('body-limit'),
    ...base,
    maxSize: size.describe('Largest request body; larger ones get 413, checked while streaming'),
  })
  .describe('Cap request body size');

const bodyTransform = z
  .strictObject({
    convert: z.enum(['json-to-xml', 'xml-to-json']).optional().describe('Convert the body between JSON and XML'),
    xmlRoot: z.string().optional().describe('Root element name for json-to-xml (default "root")'),
    pick: z.array(z.string()).optional().describe('JSON: keep only these fields (dotted paths)'),
    rename: headerMap.optional().describe('JSON: rename fields { "a.b": "c" } (dotted paths)'),
    remove: z.array(z.string()).optional().describe('JSON: remove these fields (dotted paths)'),
  })
  .describe('Body changes; JSON field operations run after conversion to JSON or before conversion to XML');

const transform = z
  .strictObject({
    type: z.literal('transform'),
    ...base,
    request: z
      .strictObject({
        body: bodyTransform.optional(),
        path: z.strictObject({ pattern: z.string(), replacement: z.string() }).optional().describe('Regex replace over the path as the client sent it (before the route\'s rewrite); $1 / $<name> captures'),
        query: z
          .strictObject({
            set: headerMap.optional(),
            remove: z.array(z.string()).optional(),
            rename: headerMap.optional(),
          })
          .optional()
          .describe('Query parameter changes'),
      })
      .optional(),
    response: z.strictObject({ body: bodyTransform.optional() }).optional(),
    maxBodySize: size.optional().describe('Largest body buffered for a transform (default 1MB): 413 for requests, 502 for responses above it'),
  })
  .describe('Transform requests and responses (JSON ↔ XML, JSON fields, path, query)');

const compress = z
  .strictObject({
    type: z.literal('compress'),
    ...base,
    algorithms: z.array(z.enum(['br', 'zstd', 'gzip', 'deflate'])).min(1).optional().describe('In order of preference (default br, gzip); zstd where Node has it'),
    minSize: size.optional().describe('Smallest response compressed (default 1KB)'),
    contentTypes: z.array(z.string()).optional().describe('Compressible types; "text/*" allowed (default text/*, JSON, JavaScript, XML, SVG)'),
    level: z.number().int().min(1).max(11).optional().describe('Compression level (algorithm-specific default)'),
  })
  .describe('Compress responses by Accept-Encoding');

const fault = z
  .strictObject({
    type: z.literal('fault'),
    ...base,
    percentage: z.number().min(0).max(100).optional().describe('Share of matching requests affected (default 100)'),
    when: conditions.optional(),
    delay: z
      .union([duration, z.strictObject({ min: duration, max: duration })])
      .optional()
      .describe('Delay before proxying: fixed, or uniformly random in a range'),
    abort: z.strictObject({ status: statusCode, body: z.string().optional() }).optional().describe('Answer with this status instead of proxying'),
    reset: z.boolean().optional().describe('Reset the client connection instead of answering'),
  })
  .describe('Inject faults: delay, abort, reset');

const mock = z
  .strictObject({
    type: z.literal('mock'),
    ...base,
    when: conditions.optional(),
    status: statusCode.default(200),
    headers: headerMap.optional(),
    body: z.string().optional().describe('Inline body'),
    bodyFile: z.string().optional().describe('File whose bytes are the body'),
  })
  .describe('Answer from the gateway with a fixed response');

const cache = z
  .strictObject({
    type: z.literal('cache'),
    ...base,
    defaultTtl: duration.optional().describe('Freshness for responses without max-age, s-maxage or Expires whose status is heuristically cacheable (200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501) or that say public (default: such responses are not stored)'),
    heuristic: z.number().min(0).max(1).optional().describe('Heuristic freshness as a fraction of (Date − Last-Modified) (RFC 9111 §4.2.2; default off)'),
    maxSize: size.optional().describe('Total bytes kept in memory (default 64MB); least recently used evicted first'),
    maxObjectSize: size.optional().describe('Largest response stored (default 1MB)'),
    key: z
      .strictObject({
        method: z.boolean().default(true).describe('Start the key with the method (always GET: HEAD is answered from the stored GET)'),
        host: z.boolean().default(true).describe('Include the host name (without port)'),
        query: z.union([z.boolean(), z.array(z.string())]).default(true).describe('true: whole query; a list: only these parameters'),
        headers: z.array(headerName).default([]).describe('Request headers added to the key'),
      })
      .optional()
      .describe('What the cache key is made of (path is always part of it)'),
    staleWhileRevalidate: duration.optional().describe('Serve stale while revalidating in the background, when the response does not say'),
    staleIfError: duration.optional().describe('Serve stale when the upstream fails, when the response does not say'),
    disk: z
      .strictObject({
        path: z.string().optional().describe('Directory (default <data-dir>/cache/<policy name>)'),
        maxSize: size.optional().describe('Bytes kept on disk (default 256MB); least recently used removed first'),
      })
      .optional()
      .describe('Also keep entries on disk, surviving restarts'),
  })
  .describe('Shared HTTP cache (RFC 9111)');

export const POLICY_TYPES = [
  'api-key', 'jwt', 'basic-auth', 'rate-limit', 'cors', 'ip-filter', 'headers', 'body-limit', 'transform', 'compress', 'fault', 'mock', 'cache',
] as const;

export const policySchema = z.discriminatedUnion('type', [
  apiKey, jwt, basicAuth, rateLimit, cors, ipFilter, headers, bodyLimit, transform, compress, fault, mock, cache,
]);

export type PolicyConfig = z.output<typeof policySchema>;
export type PolicyType = PolicyConfig['type'];
/** The config of one policy type, e.g. `PolicyOf<'cors'>`. */
export type PolicyOf<T extends PolicyType> = Extract<PolicyConfig, { type: T }>;
