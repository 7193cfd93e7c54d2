/** Compiles one upstream of a workspace into its plan (targets, balancing, timeouts, retries, health). */
import type { HealthCheckPlan, RetryCondition, TargetPlan, UpstreamPlan } from './plan.js';
import type { UpstreamConfig } from './schema.js';
import { checkPositive, checkTimer, type Report } from './compile-checks.js';
import { mayEject } from '../upstream/ejection-rule.js';
import { parseDuration, parseSize } from './units.js';

/** A request target in origin form: what undici will send (no spaces, controls, non-ASCII or fragment). */
const CHECK_PATH = /^\/[\x21-\x22\x24-\x7e]*$/;
/** RFC 9110 §7.2 Host: a reg-name, IPv4 or IP-literal, then an optional port. */
const CHECK_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?$/;

export function compileUpstream(
  name: string,
  u: UpstreamConfig,
  path: (string | number)[],
  error: Report,
  warn: Report,
): UpstreamPlan {
  const targets: TargetPlan[] = [];
  const seen = new Set<string>();
  u.targets.forEach((t, i) => {
    const tpath = [...path, 'targets', i, 'url'];
    let url: URL;
    try {
      url = new URL(t.url);
    } catch {
      error(tpath, `"${t.url}" is not a valid URL (expected http://host:port)`);
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') error(tpath, `target URL "${t.url}" must start with http:// or https://`);
    else if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) error(tpath, `target URL "${t.url}" must not have a path or query; use rewrite instead`);
    else if (url.username || url.password) error(tpath, 'target URL must not contain credentials');
    else if (url.port === '0') error(tpath, `target URL "${t.url}" has port 0, which nothing can be reached on`);
    if (seen.has(url.origin)) error(tpath, `target ${url.origin} is listed twice in upstream "${name}"`);
    seen.add(url.origin);
    targets.push(Object.freeze({ id: `${name}/${url.origin}`, url: url.origin, origin: url.origin, weight: t.weight, backup: t.backup }));
  });
  if (u.targets.every((t) => t.backup)) error([...path, 'targets'], `upstream "${name}" has only backup targets; mark at least one as primary`);
  const cap = u.outlierDetection?.maxEjectionPercent;
  if (cap !== undefined && !mayEject(0, u.targets.length, cap)) {
    // With this cap not even one of these targets may be ejected.
    warn(
      [...path, 'outlierDetection'],
      `outlierDetection never ejects: ${cap}% of ${u.targets.length} target${u.targets.length === 1 ? '' : 's'} is less than one (raise maxEjectionPercent to ${Math.ceil(100 / u.targets.length)} or more)`,
    );
  }
  if (u.hashOn && u.balancer !== 'consistent-hash') warn([...path, 'hashOn'], `hashOn is only used by the consistent-hash balancer (this upstream uses ${u.balancer})`);
  if (u.balancer === 'round-robin' && u.targets.some((t) => t.weight !== 1)) {
    warn([...path, 'balancer'], 'round-robin ignores weights; use weighted-round-robin to honour them');
  }

  if (u.tls) {
    if ((u.tls.cert === undefined) !== (u.tls.key === undefined)) error([...path, 'tls', u.tls.cert === undefined ? 'key' : 'cert'], 'a client certificate needs both cert and key');
    if (u.tls.insecure) warn([...path, 'tls', 'insecure'], `upstream "${name}" does not verify its targets' certificates (insecure: true)`);
  }
  if ((u.tls || u.http2) && u.targets.every((t) => !t.url.startsWith('https:'))) {
    warn([...path, u.tls ? 'tls' : 'http2'], `upstream "${name}" has no https:// target, so its TLS settings are unused`);
  }

  for (const key of ['connect', 'response', 'idle'] as const) {
    checkTimer(u.timeouts?.[key], [...path, 'timeouts', key], error);
    checkPositive(u.timeouts?.[key], [...path, 'timeouts', key], error, 'the connection pool would wait for ever; set a long duration instead');
  }
  checkTimer(u.keepAlive?.idleTimeout, [...path, 'keepAlive', 'idleTimeout'], error);
  checkPositive(u.keepAlive?.idleTimeout, [...path, 'keepAlive', 'idleTimeout'], error, 'the connection pool refuses it: every request would fail');
  checkTimer(u.healthCheck?.interval, [...path, 'healthCheck', 'interval'], error);
  checkTimer(u.healthCheck?.timeout, [...path, 'healthCheck', 'timeout'], error);
  checkPositive(u.healthCheck?.timeout, [...path, 'healthCheck', 'timeout'], error, 'every probe would time out and mark its target down');
  // Repeated ejections double the time, up to 10×.
  checkTimer(u.outlierDetection?.ejectFor, [...path, 'outlierDetection', 'ejectFor'], error, 10);
  checkPositive(u.outlierDetection?.ejectFor, [...path, 'outlierDetection', 'ejectFor'], error, 'an ejection would end at once');
  // Max-Age counts whole seconds: under one, the cookie would be Max-Age=0, which deletes it.
  if (u.sticky?.ttl !== undefined && parseDuration(u.sticky.ttl) < 1000) error([...path, 'sticky', 'ttl'], `sticky.ttl must be at least 1s (got ${u.sticky.ttl}): cookies live whole seconds`);

  const hc = u.healthCheck;
  let healthCheck: HealthCheckPlan | null = null;
  if (hc) {
    const interval = parseDuration(hc.interval);
    const timeout = parseDuration(hc.timeout);
    if (timeout > interval) warn([...path, 'healthCheck', 'timeout'], 'health check timeout is longer than its interval');
    if (interval < 100) error([...path, 'healthCheck', 'interval'], 'health check interval must be at least 100ms');
    const ranges = hc.expectStatus.split(',').map((part) => {
      const [lo, hi] = part.split('-').map(Number);
      return [lo, hi ?? lo] as const;
    });
    if (ranges.some(([lo, hi]) => lo > hi || lo < 100 || hi > 599)) error([...path, 'healthCheck', 'expectStatus'], `"${hc.expectStatus}" is not a valid status range`);
    // A probe that cannot be sent fails every time and takes every target down: refused here instead.
    if (!CHECK_PATH.test(hc.path)) {
      error([...path, 'healthCheck', 'path'], `health check path "${hc.path}" cannot be sent: use printable ASCII without spaces or "#" (percent-encode the rest)`);
    }
    if (hc.host !== undefined && !CHECK_HOST.test(hc.host)) {
      error([...path, 'healthCheck', 'host'], `health check host "${hc.host}" is not a host[:port]`);
    }
    healthCheck = Object.freeze({
      path: hc.path,
      intervalMs: interval,
      timeoutMs: timeout,
      healthyAfter: hc.healthyAfter,
      unhealthyAfter: hc.unhealthyAfter,
      expectStatus: ranges,
      host: hc.host ?? null,
    });
  }

  const timeouts = u.timeouts ?? { connect: '5s', response: '60s', idle: '60s' };
  const keepAlive = u.keepAlive ?? { connections: 128, idleTimeout: '30s' };
  return Object.freeze({
    name,
    balancer: u.balancer,
    hashOn: u.balancer === 'consistent-hash' ? (u.hashOn ?? 'ip') : (u.hashOn ?? null),
    targets: Object.freeze(targets),
    sticky: u.sticky ? { cookie: u.sticky.cookie, ttlMs: u.sticky.ttl ? parseDuration(u.sticky.ttl) : null } : null,
    slowStartMs: u.slowStart ? parseDuration(u.slowStart) : 0,
    healthCheck,
    outlier: u.outlierDetection
      ? {
          consecutiveFailures: u.outlierDetection.consecutiveFailures,
          ejectForMs: parseDuration(u.outlierDetection.ejectFor),
          maxEjectionPercent: u.outlierDetection.maxEjectionPercent,
        }
      : null,
    retry: u.retry
      ? { attempts: u.retry.attempts, on: new Set<RetryCondition>(u.retry.on), budget: u.retry.budget, bodyBufferBytes: parseSize(u.retry.bodyBuffer) }
      : null,
    timeouts: {
      connectMs: parseDuration(timeouts.connect),
      responseMs: parseDuration(timeouts.response),
      idleMs: parseDuration(timeouts.idle),
    },
    keepAlive: { connections: keepAlive.connections, idleTimeoutMs: parseDuration(keepAlive.idleTimeout) },
    hostHeader: u.hostHeader === 'preserve' || u.hostHeader === 'target' ? u.hostHeader : { fixed: u.hostHeader },
    tls: u.tls
      ? Object.freeze({
          ca: Object.freeze([...(u.tls.ca ?? [])]),
          insecure: u.tls.insecure ?? false,
          servername: u.tls.servername ?? null,
          cert: u.tls.cert ?? null,
          key: u.tls.key ?? null,
        })
      : null,
    http2: u.http2 ?? false,
    fingerprint: JSON.stringify(u),
  });
}
