/** Envoy clusters from Switchyard upstreams (part of the Envoy exporter). */
import { isIP } from 'node:net';
import type { UpstreamPlan } from '../config/plan.js';
import { defaultKeepAlive, protoDuration, targetAddress, type NoteLog } from './translate.js';

type Json = Record<string, unknown>;

export const T = (name: string) => `type.googleapis.com/${name}`;

/** Where Debian and most distributions keep the system CA bundle (Envoy verifies nothing without a trust store). */
const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export function envoyCluster(u: UpstreamPlan, notes: NoteLog): Json {
  const subject = `upstream ${u.name}`;
  const tlsTargets = u.targets.filter((t) => t.url.startsWith('https:'));
  let targets = u.targets;
  if (tlsTargets.length > 0 && tlsTargets.length < u.targets.length) {
    targets = u.targets.filter((t) => t.url.startsWith('http:'));
    notes.unsupported(subject, `mixes http:// and https:// targets; an Envoy cluster has one transport, so ${tlsTargets.map((t) => t.url).join(', ')} left out`);
  }
  const useTls = targets.every((t) => t.url.startsWith('https:'));
  const weighted = u.balancer !== 'round-robin';
  const endpoint = (t: (typeof targets)[number]) => {
    const a = targetAddress(t.url);
    return {
      endpoint: { address: { socket_address: { address: a.host, port_value: a.port } } },
      ...(weighted ? { load_balancing_weight: t.weight } : {}),
    };
  };
  const primaries = targets.filter((t) => !t.backup);
  const backups = targets.filter((t) => t.backup);
  const endpoints: Json[] = [{ priority: 0, lb_endpoints: primaries.map(endpoint) }];
  if (backups.length > 0) {
    endpoints.push({ priority: 1, lb_endpoints: backups.map(endpoint) });
    notes.exact(`${subject}: backup targets`, 'priority 1 endpoints; overprovisioning_factor keeps traffic on priority 0 while any primary is healthy');
  }
  const dns = targets.some((t) => isIP(targetAddress(t.url).host) === 0);
  const cluster: Json = {
    name: u.name,
    type: dns ? 'STRICT_DNS' : 'STATIC',
    connect_timeout: protoDuration(u.timeouts.connectMs),
    ...balancer(u, notes),
    load_assignment: {
      cluster_name: u.name,
      endpoints,
      // 1000× overprovisioning: Envoy only spills to backups when every primary is down, as Switchyard does.
      ...(backups.length > 0 ? { policy: { overprovisioning_factor: 100000 } } : {}),
    },
  };
  notes.exact(`${subject}: connect timeout`, `connect_timeout ${protoDuration(u.timeouts.connectMs)}`);

  const hc = u.healthCheck;
  if (hc) {
    cluster.health_checks = [
      {
        timeout: protoDuration(hc.timeoutMs),
        interval: protoDuration(hc.intervalMs),
        healthy_threshold: hc.healthyAfter,
        unhealthy_threshold: hc.unhealthyAfter,
        http_health_check: {
          path: hc.path,
          ...(hc.host ? { host: hc.host } : {}),
          // Envoy ranges are half-open [start, end).
          expected_statuses: hc.expectStatus.map(([lo, hi]) => ({ start: lo, end: hi + 1 })),
        },
      },
    ];
    notes.exact(`${subject}: health check`, `active HTTP check of ${hc.path} every ${protoDuration(hc.intervalMs)}`);
  }
  if (u.outlier) {
    const eject = u.outlier.ejectForMs;
    cluster.outlier_detection = {
      consecutive_5xx: u.outlier.consecutiveFailures,
      consecutive_gateway_failure: u.outlier.consecutiveFailures,
      base_ejection_time: protoDuration(eject),
      max_ejection_time: protoDuration(eject * 10),
      // Same rule as Switchyard (Envoy's, always_eject_one_host off), counted over both priorities.
      max_ejection_percent: u.outlier.maxEjectionPercent,
      interval: '1s',
    };
    notes.approx(
      `${subject}: outlier detection`,
      `consecutive_5xx / consecutive_gateway_failure with base_ejection_time (doubling up to 10×), max_ejection_percent ${u.outlier.maxEjectionPercent}; Envoy evaluates ejections on a 1s interval sweep instead of at once`,
    );
  }
  cluster.circuit_breakers = {
    thresholds: [
      {
        max_connections: u.keepAlive.connections * Math.max(1, targets.length),
        ...(u.retry ? { retry_budget: { budget_percent: { value: u.retry.budget * 100 }, min_retry_concurrency: 10 } } : {}),
      },
    ],
  };
  if (!defaultKeepAlive(u)) notes.approx(
    `${subject}: keep-alive`,
    `${u.keepAlive.connections} connections per target → cluster-wide circuit breaker max_connections; idle connections closed after ${protoDuration(u.keepAlive.idleTimeoutMs)}`,
  );
  const protocol: Json = { common_http_protocol_options: { idle_timeout: protoDuration(u.keepAlive.idleTimeoutMs) } };
  if (u.http2 && useTls) protocol.explicit_http_config = { http2_protocol_options: {} };
  else protocol.explicit_http_config = { http_protocol_options: {} };
  if (useTls) protocol.upstream_http_protocol_options = { auto_sni: u.tls?.servername == null, auto_san_validation: u.tls?.servername == null && !u.tls?.insecure };
  cluster.typed_extension_protocol_options = {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': T('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'), ...protocol },
  };
  if (useTls) cluster.transport_socket = upstreamTls(u, notes);
  if (u.slowStartMs > 0) notes.approx(`${subject}: slow start`, `slow_start_config window ${protoDuration(u.slowStartMs)} (Envoy ramps by an aggression curve)`);
  return cluster;
}

function balancer(u: UpstreamPlan, notes: NoteLog): Json {
  const subject = `upstream ${u.name}: balancer ${u.balancer}`;
  const slowStart = u.slowStartMs > 0 ? { slow_start_config: { slow_start_window: protoDuration(u.slowStartMs) } } : {};
  switch (u.balancer) {
    case 'round-robin':
      notes.exact(subject, 'ROUND_ROBIN');
      return { lb_policy: 'ROUND_ROBIN', ...(u.slowStartMs > 0 ? { round_robin_lb_config: slowStart } : {}) };
    case 'weighted-round-robin':
      notes.exact(subject, 'ROUND_ROBIN with load_balancing_weight per endpoint');
      return { lb_policy: 'ROUND_ROBIN', ...(u.slowStartMs > 0 ? { round_robin_lb_config: slowStart } : {}) };
    case 'least-connections': {
      const choices = Math.max(2, u.targets.length);
      notes.approx(subject, `LEAST_REQUEST with choice_count ${choices}: fewest active requests among ${choices} random picks, not a full scan of open connections`);
      return { lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: choices, ...slowStart } };
    }
    case 'p2c':
      notes.exact(subject, 'LEAST_REQUEST with choice_count 2 (power of two choices)');
      return { lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 2, ...slowStart } };
    case 'random':
      notes.exact(subject, 'RANDOM');
      return { lb_policy: 'RANDOM' };
    case 'ip-hash':
      notes.approx(subject, 'RING_HASH on the client address: a client keeps its target, but which target differs from Switchyard\'s');
      return { lb_policy: 'RING_HASH' };
    case 'consistent-hash':
      notes.approx(subject, `RING_HASH on ${u.hashOn ?? 'ip'}: a key keeps its target, but which target differs from Switchyard's`);
      return { lb_policy: 'RING_HASH' };
  }
}

/** The route's hash_policy for hashing balancers (Envoy takes the hash key from the route). */
export function hashPolicy(u: UpstreamPlan): Json[] | null {
  if (u.balancer === 'ip-hash') return [{ connection_properties: { source_ip: true } }];
  if (u.balancer !== 'consistent-hash') return null;
  const on = u.hashOn ?? 'ip';
  if (on === 'ip') return [{ connection_properties: { source_ip: true } }];
  const [kind, name] = [on.slice(0, on.indexOf(':')), on.slice(on.indexOf(':') + 1)];
  if (kind === 'header') return [{ header: { header_name: name } }];
  if (kind === 'cookie') return [{ cookie: { name } }];
  return [{ query_parameter: { name } }];
}

function upstreamTls(u: UpstreamPlan, notes: NoteLog): Json {
  const subject = `upstream ${u.name}: TLS`;
  const tls = u.tls;
  const common: Json = {};
  if (u.http2) common.alpn_protocols = ['h2'];
  if (tls?.cert && tls.key) common.tls_certificates = [{ certificate_chain: { filename: tls.cert }, private_key: { filename: tls.key } }];
  if (!tls?.insecure) {
    const ca = tls?.ca ?? [];
    common.validation_context = { trusted_ca: { filename: ca[0] ?? SYSTEM_CA_BUNDLE } };
    if (ca.length === 0) notes.approx(subject, `certificates verified against ${SYSTEM_CA_BUNDLE} (the system store's path on Debian; adjust for other systems)`);
    else if (ca.length > 1) notes.unsupported(subject, `Envoy takes one trusted_ca file: ${ca.slice(1).join(', ')} not used (concatenate them into ${ca[0]})`);
    else notes.approx(subject, `trusted_ca ${ca[0]} replaces the system store (Switchyard adds it to the system store)`);
  } else {
    notes.exact(subject, 'no validation_context: certificates are not verified (insecure: true)');
  }
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': T('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
      ...(tls?.servername ? { sni: tls.servername } : {}),
      common_tls_context: common,
    },
  };
}
