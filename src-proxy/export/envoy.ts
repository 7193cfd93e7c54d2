/**
 * Envoy exporter: a static bootstrap (v3) with one listener per reverse
 * listener (http_connection_manager, one virtual host per host pattern),
 * one cluster per upstream.
 */
import { stringify } from 'yaml';
import type { ListenerPlan, Plan, RoutePlan, ValueCondition } from '../config/plan.js';
import { envoyCluster, hashPolicy, T } from './envoy-cluster.js';
import { EnvoyFilterSet, routePolicies } from './envoy-policies.js';
import { assertExportable } from './shared/export-guard.js';
import type { Exporter, ExportOptions } from './exporter.js';
import { rewriteAsRegex } from './path-rewrite.js';
import { reportComment } from './report.js';
import { inDialect, routeRegexProblem } from './shared/regex-dialect.js';
import { defaultLimits, defaultTimeouts, fullMatchRegex, hostPatternsOf, NoteLog, protoDuration, re2Problem, regexSource, reverseListeners, routeCoversHost, routesFor, toRe2, usedUpstreams } from './translate.js';

type Json = Record<string, unknown>;

const ENVOY_GENERAL = [
  'no-route, bad-gateway and timeout answers are Envoy\'s own (plain text), not RFC 9457 JSON',
  'X-Forwarded-For/-Proto/-Host, X-Real-IP and X-Request-Id are set; the RFC 7239 Forwarded header is not',
  'a route timeout covers the whole response (Switchyard: time to the response headers, then an idle limit inside the body)',
  'connection pools are limited per cluster (circuit breakers), not per target',
  'the request line counts toward max_request_headers_kb; there is no separate URL length limit',
];

export const exportEnvoy: Exporter = (plan: Plan, opts: ExportOptions) => {
  assertExportable(plan, 'envoy');
  const notes = new NoteLog();
  const extraClusters = new Map<string, Json>();
  const listeners = reverseListeners(plan, notes, 'Envoy').map((l) => envoyListener(plan, l, opts, notes, extraClusters));
  const exported = plan.listeners.flatMap((l) => (l.mode === 'reverse' ? routesFor(plan, l.name) : []));
  const clusters = [...usedUpstreams(plan, exported).map((u) => envoyCluster(u, notes)), ...extraClusters.values()];
  const config = { static_resources: { listeners, clusters } };
  const text = reportComment(notes.notes, '#', 'envoy', ENVOY_GENERAL) + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
  return { target: 'envoy', fileName: 'envoy.yaml', text, notes: notes.notes };
};

function envoyListener(plan: Plan, l: ListenerPlan, opts: ExportOptions, notes: NoteLog, extraClusters: Map<string, Json>): Json {
  const filters = new EnvoyFilterSet(notes, opts, extraClusters);
  const routes = routesFor(plan, l.name);
  const vhosts: Json[] = [];
  const redirect = l.redirectTo ? plan.listeners.find((x) => x.name === l.redirectTo) : undefined;
  if (redirect) {
    vhosts.push({ name: `${l.name}-redirect`, domains: ['*'], routes: [{ match: { prefix: '/' }, redirect: { https_redirect: true, port_redirect: redirect.port, response_code: 'PERMANENT_REDIRECT' } }] });
    notes.exact(`listener ${l.name}: redirectTo ${redirect.name}`, `every request redirected to https on port ${redirect.port}`);
  } else {
    const converted = new Map<RoutePlan, Json | null>();
    const convert = (r: RoutePlan) => {
      if (!converted.has(r)) converted.set(r, envoyRoute(plan, r, l, filters, notes));
      return converted.get(r) ?? null;
    };
    for (const host of hostPatternsOf(routes)) {
      const rs = routes.filter((r) => routeCoversHost(r.match, host)).map(convert).filter((x): x is Json => x !== null);
      vhosts.push({ name: host, domains: [host], routes: rs });
    }
    vhosts.push({ name: 'any-host', domains: ['*'], routes: routes.filter((r) => r.match.hosts === null).map(convert).filter((x): x is Json => x !== null) });
  }
  const hcm: Json = {
    '@type': T('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
    stat_prefix: l.name,
    codec_type: l.http2 && l.tls ? 'AUTO' : 'HTTP1',
    use_remote_address: true,
    strip_any_host_port: true,
    // Routes match, and upstreams receive, the normalised path, as in Switchyard.
    normalize_path: true,
    merge_slashes: l.mergeSlashes,
    preserve_external_request_id: true,
    always_set_request_id_in_response: true,
    upgrade_configs: [{ upgrade_type: 'websocket' }],
    max_request_headers_kb: Math.min(8192, Math.ceil(l.limits.maxHeaderSize / 1024)),
    request_headers_timeout: protoDuration(l.limits.headersTimeoutMs),
    common_http_protocol_options: { idle_timeout: protoDuration(l.limits.keepAliveTimeoutMs) },
    route_config: {
      name: l.name,
      virtual_hosts: vhosts,
      request_headers_to_add: [
        { header: { key: 'x-real-ip', value: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-forwarded-host', value: '%REQ(:AUTHORITY)%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
    },
    http_filters: [] as Json[],
  };
  if (l.limits.maxBodySize !== null) {
    filters.add(`switchyard.listener-${l.name}-body-limit`, { '@type': T('envoy.extensions.filters.http.buffer.v3.Buffer'), max_request_bytes: l.limits.maxBodySize }, 'body-limit', false);
    notes.approx(`listener ${l.name}: maxBodySize`, 'buffer filter: 413 above the limit, but Envoy buffers whole request bodies');
  }
  hcm.http_filters = filters.httpFilters();
  if (!defaultLimits(l)) {
    notes.approx(`listener ${l.name}: limits`, `max_request_headers_kb ${hcm.max_request_headers_kb}, request_headers_timeout, idle_timeout${l.limits.maxUrlLength !== 8192 ? `; no separate URL length limit (${l.limits.maxUrlLength} bytes)` : ''}`);
  }
  notes.exact(`listener ${l.name}`, `listener on ${l.host}:${l.port}`);
  notes.exact(
    `listener ${l.name}: path matching`,
    `normalize_path (RFC 3986)${l.mergeSlashes ? ' and merge_slashes' : ''}: the path is routed and forwarded normalised (dot segments resolved${l.mergeSlashes ? ', repeated slashes merged' : ''}), as in Switchyard`,
  );

  const chain = (tls: Json | null, serverNames?: string[]) => ({
    ...(serverNames ? { filter_chain_match: { server_names: serverNames } } : {}),
    filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }],
    ...(tls ? { transport_socket: tls } : {}),
  });
  const out: Json = { name: l.name, address: { socket_address: { address: l.host, port_value: l.port } } };
  if (!l.tls) {
    out.filter_chains = [chain(null)];
    return out;
  }
  const alpn = l.http2 ? ['h2', 'http/1.1'] : ['http/1.1'];
  const tlsContext = (certs: { cert: string; key: string }[]) => ({
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': T('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: l.tls?.minVersion === 'TLSv1.3' ? 'TLSv1_3' : 'TLSv1_2' },
        alpn_protocols: alpn,
        tls_certificates: certs.map((c) => ({ certificate_chain: { filename: c.cert }, private_key: { filename: c.key } })),
      },
    },
  });
  out.listener_filters = [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': T('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector') } }];
  if (l.tls.certificates === 'local-ca') {
    out.filter_chains = [chain(tlsContext([{ cert: `/etc/envoy/certs/${l.name}.crt`, key: `/etc/envoy/certs/${l.name}.key` }]))];
    notes.approx(`listener ${l.name}: TLS`, `local-ca certificates are Switchyard's own: placeholder paths /etc/envoy/certs/${l.name}.crt and .key; install real certificates there`);
    return out;
  }
  const certs = l.tls.certificates;
  const named = certs.slice(1).filter((c) => c.hosts !== null);
  out.filter_chains = [
    ...named.map((c) => chain(tlsContext([c]), [...(c.hosts ?? [])])),
    chain(tlsContext([certs[0], ...certs.slice(1).filter((c) => c.hosts === null)])),
  ];
  if (certs.slice(1).some((c) => c.hosts === null)) {
    notes.approx(`listener ${l.name}: TLS`, 'certificates without `hosts` share the default filter chain; Envoy picks among them by the names in each certificate');
  } else {
    notes.exact(`listener ${l.name}: TLS`, `${certs.length} certificate(s), chosen by SNI (server_names filter chains), ALPN ${alpn.join(',')}`);
  }
  return out;
}

function condition(c: ValueCondition): Json {
  if ('equals' in c) return { string_match: { exact: c.equals } };
  if ('regex' in c) return { string_match: { safe_regex: { regex: fullMatchRegex(inDialect(c.regex, 're2')) } } };
  return { present_match: true, ...(c.present ? {} : { invert_match: true }) };
}

function envoyRoute(plan: Plan, r: RoutePlan, l: ListenerPlan, filters: EnvoyFilterSet, notes: NoteLog): Json | null {
  const subject = `route ${r.name}`;
  const m = r.match;
  const match: Json = {};
  if (m.path !== null) {
    if (m.exact) match.path = m.path;
    else if (m.path === '/' || m.path.endsWith('/')) match.prefix = m.path;
    else match.path_separated_prefix = m.path;
  } else if (m.pathRegex !== null) {
    const problem = re2Problem(regexSource(m.pathRegex));
    if (problem) {
      notes.unsupported(subject, `pathRegex uses ${problem}, which Envoy's RE2 does not support; route left out`);
      return null;
    }
    match.safe_regex = { regex: fullMatchRegex(inDialect(regexSource(m.pathRegex), 're2')) };
  } else {
    match.prefix = '/';
  }
  // Envoy refuses the whole configuration when one RE2 pattern does not compile.
  const regexProblem = routeRegexProblem(r, 're2');
  if (regexProblem) {
    notes.unsupported(subject, `${regexProblem}; route left out`);
    return null;
  }
  const headers: Json[] = [];
  if (m.methods) {
    const list = [...m.methods];
    headers.push({ name: ':method', string_match: list.length === 1 ? { exact: list[0] } : { safe_regex: { regex: list.join('|') } } });
  }
  for (const [name, , c] of m.headers) headers.push({ name, ...condition(c) });
  if (headers.length) match.headers = headers;
  const query: Json[] = [];
  for (const [name, , c] of m.query) {
    if ('present' in c && !c.present) {
      notes.unsupported(subject, `query condition "${name} absent" has no Envoy matcher; route left out`);
      return null;
    }
    query.push('present' in c ? { name, present_match: true } : { name, ...condition(c) });
  }
  if (query.length) match.query_parameters = query;

  const pol = routePolicies(r, l, plan.policies, filters);
  const out: Json = { name: r.name, match };
  const a = r.action;
  if (pol.directResponse) {
    out.direct_response = pol.directResponse;
  } else if (a.kind === 'respond') {
    out.direct_response = { status: a.status, ...(a.body.length ? { body: { inline_string: a.body.toString('utf8') } } : {}) };
    for (const [k, v] of Object.entries(a.headers)) pol.responseHeadersToAdd.push({ header: { key: k, value: v }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' });
    notes.exact(subject, `direct_response ${a.status}`);
  } else if (a.kind === 'redirect') {
    const redirect = redirectAction(a.to, a.status, r);
    if (!redirect) {
      notes.unsupported(subject, `redirect target "${a.to}" mixes templates in a way Envoy's redirect action cannot build; route left out`);
      return null;
    }
    out.redirect = redirect;
    notes.exact(subject, `redirect ${a.status} to ${a.to}`);
  } else {
    const u = plan.upstreams.get(a.upstream);
    if (!u) return null;
    const action: Json = { cluster: u.name, timeout: protoDuration(u.timeouts.responseMs), idle_timeout: protoDuration(u.timeouts.idleMs) };
    if (!defaultTimeouts(u)) notes.approx(`upstream ${u.name}: timeouts`, `route timeout ${protoDuration(u.timeouts.responseMs)} covers the whole response in Envoy (Switchyard: time to response headers); idle_timeout ${protoDuration(u.timeouts.idleMs)}`);
    const host = r.rewrite?.host ?? (typeof u.hostHeader === 'object' ? u.hostHeader.fixed : null);
    if (host) action.host_rewrite_literal = host;
    else if (u.hostHeader === 'target') action.auto_host_rewrite = true;
    if (r.rewrite && (r.rewrite.stripPrefix || r.rewrite.replacePrefix || r.rewrite.regex)) {
      const rw = rewriteAsRegex(r.rewrite, (n) => `\\${n}`);
      if ('problem' in rw) {
        notes.unsupported(subject, `rewrite ${rw.problem}; route left out`);
        return null;
      }
      action.regex_rewrite = { pattern: { regex: rw.pattern }, substitution: rw.replacement };
      if (rw.exact) notes.exact(`${subject}: rewrite`, `regex_rewrite ${rw.pattern} → ${rw.replacement}`);
      else notes.approx(`${subject}: rewrite`, `regex_rewrite: ${rw.detail}`);
    }
    const hp = hashPolicy(u);
    if (hp) action.hash_policy = hp;
    if (u.sticky) {
      // Cookie-based stateful session: the balancer picks first, the cookie then pins the target (falling back when it is down).
      const name = `switchyard.sticky.${u.name}`;
      filters.add(
        name,
        {
          '@type': T('envoy.extensions.filters.http.stateful_session.v3.StatefulSession'),
          session_state: {
            name: 'envoy.http.stateful_session.cookie',
            typed_config: {
              '@type': T('envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState'),
              cookie: { name: u.sticky.cookie, path: '/', ...(u.sticky.ttlMs ? { ttl: protoDuration(u.sticky.ttlMs) } : {}) },
            },
          },
        },
        'sticky',
      );
      pol.perFilter[name] = { '@type': T('envoy.config.route.v3.FilterConfig') };
      notes.approx(`upstream ${u.name}: sticky cookie`, `stateful_session filter with cookie ${u.sticky.cookie}: the balancer picks first, then the cookie (Envoy's encoding of the target address, not Switchyard's) keeps the client there while it is healthy`);
    }
    if (u.retry && u.retry.attempts > 0) {
      const on = [...u.retry.on];
      const statuses = on.filter((x): x is number => typeof x === 'number');
      const kinds = [
        ...(on.includes('connect-failure') ? ['connect-failure'] : []),
        ...(on.includes('reset') ? ['reset'] : []),
        ...(on.includes('timeout') ? ['gateway-error'] : []),
        ...(statuses.length ? ['retriable-status-codes'] : []),
      ];
      action.retry_policy = {
        retry_on: kinds.join(','),
        num_retries: u.retry.attempts,
        ...(statuses.length ? { retriable_status_codes: statuses } : {}),
        retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': T('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate') } }],
        host_selection_retry_max_attempts: 5,
      };
      notes.approx(`upstream ${u.name}: retry`, `retry_policy ${kinds.join(',')} × ${u.retry.attempts} on other hosts${on.includes('timeout') ? ' (timeout → gateway-error, which also retries 502/503/504)' : ''}; Envoy also retries non-idempotent methods on every condition (Switchyard only after connect-failure), and bodies up to its buffer limit (Switchyard: retry.bodyBuffer); budget → circuit-breaker retry_budget`);
    }
    out.route = action;
    notes.exact(subject, `route to cluster ${u.name}`);
  }
  if (m.pathRegex && r.action.kind === 'proxy') notes.exact(`${subject}: pathRegex`, 'safe_regex (RE2, full match; unanchored patterns wrapped in .*)');
  if (pol.requestHeadersToAdd.length) out.request_headers_to_add = pol.requestHeadersToAdd;
  if (pol.requestHeadersToRemove.length) out.request_headers_to_remove = pol.requestHeadersToRemove;
  if (pol.responseHeadersToAdd.length) out.response_headers_to_add = pol.responseHeadersToAdd;
  if (pol.responseHeadersToRemove.length) out.response_headers_to_remove = pol.responseHeadersToRemove;
  if (Object.keys(pol.perFilter).length) out.typed_per_filter_config = pol.perFilter;
  if (r.priority !== 0) notes.exact(`${subject}: priority`, 'routes are listed in Switchyard\'s order; Envoy takes the first match');
  return out;
}

const RESPONSE_CODES: Record<number, string> = { 301: 'MOVED_PERMANENTLY', 302: 'FOUND', 303: 'SEE_OTHER', 307: 'TEMPORARY_REDIRECT', 308: 'PERMANENT_REDIRECT' };

/** A redirect target as Envoy's RedirectAction, or null when it cannot be built from its parts. */
function redirectAction(to: string, status: number, r: RoutePlan): Json | null {
  const out: Json = { response_code: RESPONSE_CODES[status] };
  const m = /^(?:(https?):\/\/(\{host\}(?::\d+)?|[^/?{]+))?([^?]*)(?:\?(.*))?$/.exec(to);
  if (!m) return null;
  const [, scheme, authority, path, query] = m;
  if (scheme) out.scheme_redirect = scheme;
  const keepHost = authority ? /^\{host\}(?::(\d+))?$/.exec(authority) : null;
  if (keepHost?.[1]) out.port_redirect = Number(keepHost[1]);
  else if (authority && !keepHost) {
    if (/[{}$]/.test(authority)) return null;
    const [host, port] = authority.split(':');
    out.host_redirect = host;
    if (port) out.port_redirect = Number(port);
  }
  if (path === '{path}') {
    // keep the request path
  } else if (/\$(\d|<)/.test(path) && r.match.pathRegex) {
    const source = regexSource(r.match.pathRegex);
    if (re2Problem(source) || /[{}]/.test(path.replace(/\$<[^>]+>/g, ''))) return null;
    const sub = path.replace(/\$(\d+)/g, '\\$1');
    if (/\$</.test(sub)) return null;
    out.regex_rewrite = { pattern: { regex: toRe2(fullMatchRegex(source)) }, substitution: sub };
  } else if (path !== '') {
    if (/[{}$]/.test(path)) return null;
    out.path_redirect = path;
  }
  if (query === undefined) out.strip_query = true;
  else if (query !== '{query}') return null;
  return out;
}
