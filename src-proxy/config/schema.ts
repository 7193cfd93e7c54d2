/**
 * The one workspace schema. Strict everywhere (unknown keys are errors); the
 * editor's JSON Schema is generated from it (see json-schema.ts), so every
 * field carries a description for hover docs.
 *
 * The schema only checks shape; cross-references (a route naming an upstream
 * that does not exist, duplicate names) are checked in compile.ts where the
 * whole tree is known.
 */
import { z } from 'zod';
import { policySchema } from './policy-schema.js';
import { duration, headerName, headText, httpMethod, name, size, statusCode, valueCondition } from './schema-parts.js';

const address = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080' })
  .describe('HOST:PORT to listen on; port 0 picks a free port');

const limits = z
  .strictObject({
    maxUrlLength: size.optional().describe('Longest request target accepted (414 above). Default 8KB.'),
    maxHeaderSize: size.optional().describe('Largest request header block accepted (431 above). Default 32KB.'),
    maxBodySize: size.optional().describe('Largest request body accepted (413 above). Default unlimited.'),
    headersTimeout: duration.optional().describe('Time allowed for a client to send its request headers. Default 30s.'),
    keepAliveTimeout: duration.optional().describe('How long an idle client connection is kept open. Default 5s.'),
  })
  .describe('Limits on what clients may send to this listener');

const tlsFile = z.strictObject({
  cert: z.string().describe('Path to a PEM certificate (chain); reloaded when the file changes'),
  key: z.string().describe('Path to the PEM private key'),
  hosts: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('SNI names this pair serves ("*.example.test" allowed); default: the names in the certificate'),
});
const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, { message: 'expected an IP address or CIDR, e.g. 127.0.0.1/32 or ::1/128' })
  .describe('An IPv4 or IPv6 address or CIDR block');

export const listenerSchema = z
  .strictObject({
    name: name.describe('Unique listener name, referenced by routes'),
    address,
    mode: z.enum(['reverse', 'forward']).default('reverse').describe('reverse: route to upstreams; forward: act as an HTTP(S) proxy'),
    tls: z
      .strictObject({
        certificates: z
          .union([z.literal('local-ca'), z.array(tlsFile).min(1)])
          .describe('"local-ca" issues certificates from Switchyard\'s local CA; or a list of cert/key files chosen by SNI (the first is the default)'),
        minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted'),
      })
      .optional()
      .describe('Terminate TLS on this listener'),
    http2: z.boolean().optional().describe('Offer HTTP/2 (ALPN h2) on a TLS listener'),
    intercept: z.array(z.string()).optional().describe('Forward mode: host patterns ("*.example.test") whose HTTPS is decrypted and captured; others tunnel blind'),
    allowClients: z.array(cidr).optional().describe('Forward mode: client addresses allowed to use the proxy (default loopback only)'),
    connectPorts: z
      .array(z.number().int().min(1).max(65535))
      .min(1)
      .optional()
      .describe('Forward mode: ports CONNECT may reach (default 443)'),
    proxyAuth: z
      .strictObject({
        realm: z.string().optional().describe('Realm in Proxy-Authenticate (default "Switchyard")'),
        users: z.record(z.string(), z.string()).describe('user → password hash (bcrypt $2y$…, {SHA}…, $5$/$6$ SHA-crypt)'),
      })
      .optional()
      .describe('Forward mode: require Basic proxy authentication (407)'),
    parentProxy: z.string().optional().describe('Forward mode: send traffic on through this HTTP proxy (http://[user:pass@]host:port)'),
    originTimeouts: z
      .strictObject({
        connect: duration.default('10s').describe('TCP connect and TLS handshake (through the parent proxy too)'),
        response: duration.default('5m').describe('Time to the response headers (or the answer to an upgrade)'),
        idle: duration.default('5m').describe('Longest silence inside a response body'),
      })
      .optional()
      .describe('Forward mode: timeouts towards origins'),
    redirectTo: name.optional().describe('Redirect every request to the named TLS listener (HTTP → HTTPS)'),
    mergeSlashes: z
      .boolean()
      .optional()
      .describe('Reverse mode: merge repeated slashes in request paths before routing and forwarding ("//admin" is "/admin"), as nginx\'s merge_slashes. Default true; turn off for paths that carry URLs ("/fetch/https://…").'),
    limits: limits.optional(),
  })
  .describe('A socket the gateway listens on');

const headerMatch = valueCondition;

export const matchSchema = z
  .strictObject({
    host: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .describe('Host name(s); "*.example.test" matches any subdomain'),
    path: z.string().startsWith('/').optional().describe('Path prefix on segment boundaries (/v2/users matches /v2/users/7, not /v2/usersX)'),
    exact: z.boolean().optional().describe('Match `path` exactly instead of as a prefix'),
    pathRegex: z.string().optional().describe('Regular expression over the path; named or numbered groups usable in rewrite'),
    methods: z.array(httpMethod).min(1).optional().describe('Allowed methods'),
    headers: z.record(headerName, headerMatch).optional().describe('Header conditions (names are case-insensitive)'),
    query: z.record(z.string(), headerMatch).optional().describe('Query parameter conditions'),
  })
  .describe('Conditions a request must meet; all given conditions must hold');

export const routeSchema = z
  .strictObject({
    name: name.describe('Unique route name'),
    priority: z.number().int().optional().describe('Higher is tried first; ties fall back to exact, longest prefix, file order'),
    listeners: z.array(name).min(1).optional().describe('Listeners this route serves; default every reverse listener'),
    match: matchSchema.default({}),
    rewrite: z
      .strictObject({
        stripPrefix: z.string().startsWith('/').optional().describe('Remove this prefix from the path'),
        replacePrefix: z
          .strictObject({ from: z.string().startsWith('/'), to: z.string().startsWith('/') })
          .optional()
          .describe('Replace a path prefix'),
        regex: z
          .strictObject({ pattern: z.string(), replacement: z.string() })
          .optional()
          .describe('Regex replace over the path; $1 or $<name> refer to captures'),
        host: headText.optional().describe('Host header sent upstream'),
      })
      .optional()
      .describe('Change the request before it goes upstream'),
    policies: z.array(name).optional().describe('Policies applied in order (names under `policies:`)'),
    upstream: name.optional().describe('Upstream (name under `upstreams:`) that serves this route'),
    respond: z
      .strictObject({
        status: statusCode.default(200),
        body: z.string().optional(),
        headers: z.record(headerName, headText).optional(),
      })
      .optional()
      .describe('Answer directly from the gateway'),
    redirect: z
      .strictObject({
        to: headText.min(1).describe('Location; may use $1 / $<name> captures of pathRegex and {path}, {query}, {host}'),
        status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).default(302),
      })
      .optional()
      .describe('Redirect the client'),
  })
  .describe('Which requests go where');

const retryCondition = z.union([
  z.enum(['connect-failure', 'timeout', 'reset']),
  statusCode,
]);

export const targetSchema = z
  .strictObject({
    url: z.string().describe('http://host:port or https://host:port of the target'),
    weight: z.number().int().min(1).max(1000).default(1).describe('Relative share of traffic'),
    backup: z.boolean().default(false).describe('Used only when no primary target is available'),
  })
  .describe('One upstream server');

export const BALANCERS = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'ip-hash',
  'consistent-hash',
  'p2c',
  'random',
] as const;

export const upstreamSchema = z
  .strictObject({
    balancer: z.enum(BALANCERS).default('round-robin').describe('How a target is chosen'),
    hashOn: z
      .string()
      .regex(/^(ip|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+|cookie:[^\s;=]+|query:[^\s&=]+)$/, {
        message: 'expected ip, header:NAME, cookie:NAME or query:NAME',
      })
      .optional()
      .describe('consistent-hash key: ip | header:NAME | cookie:NAME | query:NAME'),
    targets: z.array(targetSchema).min(1),
    sticky: z
      .strictObject({
        cookie: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'not a valid cookie name' }),
        ttl: duration.optional().describe('Cookie lifetime; default: session cookie'),
      })
      .optional()
      .describe('Keep a client on one target with a cookie'),
    slowStart: duration.optional().describe('Ramp a recovered target\'s weight up over this time'),
    healthCheck: z
      .strictObject({
        path: z.string().startsWith('/').default('/'),
        interval: duration.default('5s'),
        timeout: duration.default('2s'),
        healthyAfter: z.number().int().min(1).default(2),
        unhealthyAfter: z.number().int().min(1).default(3),
        expectStatus: z
          .string()
          .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, { message: 'expected a status or range list, e.g. 200-399 or 200,204' })
          .default('200-399'),
        host: headText.optional().describe('Host header for checks'),
      })
      .optional()
      .describe('Active health checks'),
    outlierDetection: z
      .strictObject({
        consecutiveFailures: z.number().int().min(1).default(5),
        ejectFor: duration.default('30s').describe('First ejection time; doubles on each repeat, up to 10×'),
        maxEjectionPercent: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(50)
          .describe('Most targets (primaries and backups together) ejected at once, in percent; Envoy\'s rule: one more ejection must not exceed it'),
      })
      .optional()
      .describe('Passive health: eject targets that keep failing'),
    retry: z
      .strictObject({
        attempts: z.number().int().min(0).max(10).default(1).describe('Retries after the first try, each on another target'),
        on: z.array(retryCondition).default(['connect-failure']).describe('connect-failure | timeout | reset | a status code'),
        budget: z.number().min(0).max(1).default(0.2).describe('Retries allowed as a share of requests (plus 10/s)'),
        bodyBuffer: size
          .default('64KB')
          .describe('Request bodies up to this size are kept in memory while sent, so idempotent requests with one are retried on every condition ("0B": only after connect-failure)'),
      })
      .optional()
      .describe('Retry idempotent requests (and any request after connect-failure) on another target'),
    timeouts: z
      .strictObject({
        connect: duration.default('5s'),
        response: duration.default('60s').describe('Time to the response headers'),
        idle: duration.default('60s').describe('Longest silence inside a response body'),
      })
      .optional(),
    keepAlive: z
      .strictObject({
        connections: z.number().int().min(1).max(10_000).default(128).describe('Most connections per target'),
        idleTimeout: duration.default('30s'),
      })
      .optional(),
    tls: z
      .strictObject({
        ca: z.array(z.string()).optional().describe('Extra CA certificate files trusted for https:// targets (added to the system store)'),
        insecure: z.boolean().optional().describe('Skip certificate verification (reported as a warning)'),
        servername: z.string().optional().describe('SNI name sent (default: the Host sent upstream, else the target host)'),
        cert: z.string().optional().describe('Client certificate file (mTLS)'),
        key: z.string().optional().describe('Client key file (mTLS)'),
      })
      .optional()
      .describe('TLS to https:// targets'),
    http2: z.boolean().optional().describe('Speak HTTP/2 to https:// targets (ALPN h2)'),
    hostHeader: z
      .union([z.enum(['preserve', 'target']), z.string()])
      .default('preserve')
      .describe('Host sent upstream: preserve the client\'s, use the target\'s, or a fixed value'),
  })
  .describe('A pool of targets');

export { policySchema };

export const captureSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Record exchanges (live inspector and history)'),
    maxBodySize: size.default('1MB').describe('Bytes kept per request or response body; the rest is counted, flagged truncated'),
    keepSecrets: z
      .boolean()
      .default(false)
      .describe('Keep Authorization, Cookie, Set-Cookie, API-key headers and JWTs unmasked in captures (default: masked)'),
    maskHeaders: z.array(z.string()).default([]).describe('More header names whose values are masked'),
  })
  .describe('What the gateway records of each exchange');

export const historySchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Store captured exchanges in <data-dir>/history.db'),
    maxRows: z.number().int().min(100).default(200_000).describe('Oldest exchanges are removed beyond this count'),
    maxSize: size.default('1GB').describe('Oldest exchanges are removed beyond this stored size'),
    maxAge: duration.default('30d').describe('Exchanges that entered history longer ago than this are removed (imported ones count from their import)'),
  })
  .describe('The on-disk request history');

export const workspaceSchema = z
  .strictObject({
    version: z.literal(1).describe('Workspace format version'),
    listeners: z.array(listenerSchema).min(1),
    routes: z.array(routeSchema).default([]),
    upstreams: z.record(name, upstreamSchema).default({}),
    policies: z.record(name, policySchema).default({}),
    capture: captureSchema.default({ enabled: true, maxBodySize: '1MB', keepSecrets: false, maskHeaders: [] }),
    history: historySchema.default({ enabled: true, maxRows: 200_000, maxSize: '1GB', maxAge: '30d' }),
  })
  .describe('A Switchyard workspace');

export type Workspace = z.output<typeof workspaceSchema>;
export type ListenerConfig = z.output<typeof listenerSchema>;
export type RouteConfig = z.output<typeof routeSchema>;
export type UpstreamConfig = z.output<typeof upstreamSchema>;
export type TargetConfig = z.output<typeof targetSchema>;
export type { PolicyConfig } from './policy-schema.js';
export type CaptureConfig = z.output<typeof captureSchema>;
export type HistoryConfig = z.output<typeof historySchema>;
export type BalancerName = (typeof BALANCERS)[number];
