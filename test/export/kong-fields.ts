/**
 * Kong Gateway 3.x declarative config (decK `_format_version: "3.0"`), as a
 * field list written from Kong's entity and plugin references: services,
 * routes, upstreams, targets, consumers with credentials, and the config of
 * every plugin a Switchyard export can produce. Objects are closed; plugin
 * configs are checked per plugin name. Plus references and uniqueness.
 */
import { shapeProblems, type Shape } from './shape.js';

const str = 'string' as const;
const int = 'int' as const;
const bool = 'bool' as const;
const list = (s: Shape): Shape => ({ list: s });
const strList = list(str);
const transformOps = (keys: string[]): Shape => ({ fields: Object.fromEntries(keys.map((k) => [k, strList])) });

export const KONG_PLUGIN_CONFIGS: Record<string, Shape> = {
  'key-auth': { fields: { key_names: strList, hide_credentials: bool, anonymous: str, key_in_header: bool, key_in_query: bool, key_in_body: bool, run_on_preflight: bool, realm: str } },
  jwt: {
    fields: {
      uri_param_names: strList, cookie_names: strList, header_names: strList, claims_to_verify: list({ enum: ['exp', 'nbf'] }), key_claim_name: str,
      secret_is_base64: bool, anonymous: str, run_on_preflight: bool, maximum_expiration: 'number', realm: str,
    },
  },
  'basic-auth': { fields: { anonymous: str, hide_credentials: bool, realm: str } },
  'rate-limiting': {
    fields: {
      second: int, minute: int, hour: int, day: int, month: int, year: int,
      limit_by: { enum: ['consumer', 'credential', 'ip', 'service', 'header', 'path', 'consumer-group'] }, header_name: str, path: str,
      policy: { enum: ['local', 'cluster', 'redis'] }, fault_tolerant: bool, hide_client_headers: bool, error_code: int, error_message: str, sync_rate: 'number',
    },
  },
  cors: { fields: { origins: strList, methods: strList, headers: strList, exposed_headers: strList, credentials: bool, max_age: 'number', preflight_continue: bool, private_network: bool } },
  'ip-restriction': { fields: { allow: strList, deny: strList, status: int, message: str } },
  'request-transformer': {
    fields: {
      http_method: str,
      remove: transformOps(['body', 'headers', 'querystring']),
      rename: transformOps(['body', 'headers', 'querystring']),
      replace: { fields: { body: strList, headers: strList, querystring: strList, uri: str } },
      add: transformOps(['body', 'headers', 'querystring']),
      append: transformOps(['body', 'headers', 'querystring']),
    },
  },
  'response-transformer': {
    fields: {
      remove: transformOps(['headers', 'json']),
      rename: transformOps(['headers', 'json']),
      replace: transformOps(['headers', 'json', 'json_types']),
      add: transformOps(['headers', 'json', 'json_types']),
      append: transformOps(['headers', 'json', 'json_types']),
    },
  },
  'request-size-limiting': { fields: { allowed_payload_size: int, size_unit: { enum: ['megabytes', 'kilobytes', 'bytes'] }, require_content_length: bool } },
  'proxy-cache': {
    fields: {
      response_code: list(int), request_method: strList, content_type: strList, cache_ttl: int, strategy: { enum: ['memory'] }, cache_control: bool,
      ignore_uri_case: bool, storage_ttl: int, memory: { fields: { dictionary_name: str } }, vary_query_params: strList, vary_headers: strList, response_headers: 'any',
    },
  },
  'request-termination': { fields: { status_code: int, message: str, body: str, content_type: str, trigger: str, echo: bool } },
  redirect: { fields: { status_code: int, location: str, keep_incoming_path: bool } },
};

const plugin: Shape = { fields: { name: { enum: Object.keys(KONG_PLUGIN_CONFIGS) }, config: 'any', enabled: bool, protocols: strList, tags: strList, instance_name: str }, required: ['name'] };

const route: Shape = {
  fields: {
    name: str, protocols: list({ enum: ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp', 'ws', 'wss'] }), methods: strList, hosts: strList, paths: strList,
    headers: { map: strList }, https_redirect_status_code: { enum: [426, 301, 302, 307, 308] }, regex_priority: int, strip_path: bool,
    path_handling: { enum: ['v0', 'v1'] }, preserve_host: bool, request_buffering: bool, response_buffering: bool, snis: strList, tags: strList,
    service: 'any', plugins: list(plugin),
  },
};

const service: Shape = {
  fields: {
    name: str, host: str, port: int, protocol: { enum: ['http', 'https', 'grpc', 'grpcs', 'tcp', 'tls', 'udp', 'ws', 'wss'] }, path: str, retries: int,
    connect_timeout: int, write_timeout: int, read_timeout: int, tags: strList, client_certificate: 'any', tls_verify: bool, tls_verify_depth: int,
    ca_certificates: strList, enabled: bool, url: str, routes: list(route), plugins: list(plugin),
  },
  required: ['name'],
};

const healthy: Shape = { fields: { interval: 'number', http_statuses: list(int), successes: int } };
const unhealthy: Shape = { fields: { interval: 'number', http_statuses: list(int), tcp_failures: int, timeouts: int, http_failures: int } };

const upstream: Shape = {
  fields: {
    name: str, algorithm: { enum: ['consistent-hashing', 'least-connections', 'round-robin', 'latency', 'sticky-sessions'] },
    hash_on: { enum: ['none', 'consumer', 'ip', 'header', 'cookie', 'path', 'query_arg', 'uri_capture'] }, hash_fallback: str,
    hash_on_header: str, hash_fallback_header: str, hash_on_cookie: str, hash_on_cookie_path: str, hash_on_query_arg: str, hash_fallback_query_arg: str,
    hash_on_uri_capture: str, hash_fallback_uri_capture: str, slots: int, host_header: str, client_certificate: 'any', use_srv_name: bool, tags: strList,
    healthchecks: {
      fields: {
        active: {
          fields: {
            type: { enum: ['tcp', 'http', 'https', 'grpc', 'grpcs'] }, timeout: 'number', concurrency: int, http_path: str, https_verify_certificate: bool,
            https_sni: str, headers: { map: strList }, healthy, unhealthy,
          },
        },
        passive: { fields: { type: { enum: ['tcp', 'http', 'https', 'grpc', 'grpcs'] }, healthy: { fields: { http_statuses: list(int), successes: int } }, unhealthy } },
        threshold: 'number',
      },
    },
    targets: list({ fields: { target: str, weight: int, tags: strList }, required: ['target'] }),
  },
  required: ['name'],
};

const consumer: Shape = {
  fields: {
    username: str, custom_id: str, tags: strList, plugins: list(plugin),
    keyauth_credentials: list({ fields: { key: str, ttl: int, tags: strList } }),
    basicauth_credentials: list({ fields: { username: str, password: str, tags: strList }, required: ['username', 'password'] }),
    jwt_secrets: list({ fields: { key: str, algorithm: { enum: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] }, secret: str, rsa_public_key: str, tags: strList } }),
  },
};

export const KONG_DECK: Shape = {
  fields: { _format_version: { enum: ['3.0'] }, _transform: bool, services: list(service), routes: list(route), upstreams: list(upstream), consumers: list(consumer), plugins: list(plugin) },
  required: ['_format_version'],
};

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Field lists, plugin configs, unique names, and every service host naming an upstream. */
export function kongProblems(config: Any): string[] {
  const problems = shapeProblems(config, KONG_DECK);
  const routes: Any[] = [...(config.routes ?? []), ...(config.services ?? []).flatMap((s: Any) => s.routes ?? [])];
  const plugins: Any[] = [...routes, ...(config.services ?? []), ...(config.consumers ?? [])].flatMap((x) => x.plugins ?? []);
  for (const p of plugins) {
    const shape = KONG_PLUGIN_CONFIGS[p.name];
    if (shape) problems.push(...shapeProblems(p.config ?? {}, shape, `plugin ${p.name}`));
  }
  const unique = (kind: string, names: string[]) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) problems.push(`${kind} name ${n} is used twice`);
      seen.add(n);
    }
  };
  unique('route', routes.map((r) => r.name));
  unique('service', (config.services ?? []).map((s: Any) => s.name));
  unique('upstream', (config.upstreams ?? []).map((u: Any) => u.name));
  unique('consumer', (config.consumers ?? []).map((c: Any) => c.username));
  const upstreams = new Set((config.upstreams ?? []).map((u: Any) => u.name));
  for (const s of config.services ?? []) if (!upstreams.has(s.host)) problems.push(`service ${s.name}: host ${s.host} is not an upstream`);
  for (const r of routes) {
    if (!r.paths && !r.hosts && !r.methods && !r.headers) problems.push(`route ${r.name}: needs paths, hosts, methods or headers`);
    for (const p of r.paths ?? []) if (!p.startsWith('/') && !p.startsWith('~')) problems.push(`route ${r.name}: path ${p} must start with / (or ~ for a regex)`);
  }
  return problems;
}
