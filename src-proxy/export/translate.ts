/**
 * Helpers shared by the exporters: the note log, which routes a listener
 * serves, host patterns, regex dialect conversion and unit formatting.
 */
import type { ListenerPlan, Plan, RouteMatchPlan, RoutePlan, UpstreamPlan } from '../config/plan.js';
import { pathMatches } from '../router/match-route.js';
import type { TranslationNote } from './exporter.js';

export class NoteLog {
  readonly notes: TranslationNote[] = [];
  private readonly seen = new Set<string>();
  exact(subject: string, detail: string): void {
    this.add({ fidelity: 'exact', subject, detail });
  }
  approx(subject: string, detail: string): void {
    this.add({ fidelity: 'approximated', subject, detail });
  }
  unsupported(subject: string, detail: string): void {
    this.add({ fidelity: 'unsupported', subject, detail });
  }
  /** A route served by several listeners is translated once per listener; report it once. */
  private add(note: TranslationNote): void {
    const key = `${note.fidelity}\0${note.subject}\0${note.detail}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.notes.push(note);
  }
}

/** Reverse listeners; forward-proxy listeners are reported as not translatable. */
export function reverseListeners(plan: Plan, notes: NoteLog, target: string): ListenerPlan[] {
  for (const l of plan.listeners.filter((x) => x.mode === 'forward')) {
    notes.unsupported(`listener ${l.name}`, `forward-proxy mode has no ${target} equivalent; listener left out`);
  }
  return plan.listeners.filter((l) => l.mode === 'reverse');
}

/** Routes a listener serves, in the plan's (first match wins) order. */
export function routesFor(plan: Plan, listener: string): RoutePlan[] {
  return plan.routes.filter((r) => r.listeners === null || r.listeners.has(listener));
}

/** Host patterns as written: exact names and `*.suffix` wildcards; empty for any host. */
export function hostPatterns(m: RouteMatchPlan): string[] {
  if (m.hosts === null) return [];
  return [...m.hosts, ...m.hostSuffixes.map((s) => '*' + s)];
}

/** Whether a route with these conditions can match requests for the host pattern `host` (exact name or `*.suffix`). */
export function routeCoversHost(m: RouteMatchPlan, host: string): boolean {
  if (m.hosts === null) return true;
  if (host.startsWith('*.')) {
    const suffix = host.slice(1);
    return m.hostSuffixes.some((s) => suffix === s || suffix.endsWith(s));
  }
  return m.hosts.has(host) || m.hostSuffixes.some((s) => host.length > s.length && host.endsWith(s));
}

/** Every distinct host pattern the listener's routes name, most specific first (exact names, then longer suffixes). */
export function hostPatternsOf(routes: readonly RoutePlan[]): string[] {
  const all = new Set(routes.flatMap((r) => hostPatterns(r.match)));
  return [...all].sort((a, b) => Number(a.startsWith('*')) - Number(b.startsWith('*')) || b.length - a.length || a.localeCompare(b));
}

/** A compiled regex's pattern as written: RegExp#source escapes "/" as "\\/", which other engines do not need. */
export function regexSource(re: RegExp): string {
  let out = '';
  for (let i = 0; i < re.source.length; i++) {
    const c = re.source[i];
    if (c === '\\' && re.source[i + 1] === '/') continue; // drop the escape, keep the "/"
    out += c;
    if (c === '\\') out += re.source[++i] ?? '';
  }
  return out;
}

/** Whether one request could match both routes (conservative: regexes, headers and query always may). */
export function mayOverlap(a: RoutePlan, b: RoutePlan): boolean {
  const ma = a.match;
  const mb = b.match;
  const hostsMeet = ma.hosts === null || mb.hosts === null || hostPatterns(ma).some((h) => routeCoversHost(mb, h)) || hostPatterns(mb).some((h) => routeCoversHost(ma, h));
  const methodsMeet = ma.methods === null || mb.methods === null || [...ma.methods].some((x) => mb.methods?.has(x));
  const pathsMeet = (() => {
    if (ma.path === null || mb.path === null) return true;
    if (ma.exact && mb.exact) return ma.path === mb.path;
    if (ma.exact) return pathMatches(mb.path, false, ma.path);
    if (mb.exact) return pathMatches(ma.path, false, mb.path);
    return pathMatches(ma.path, false, mb.path) || pathMatches(mb.path, false, ma.path);
  })();
  return hostsMeet && methodsMeet && pathsMeet;
}

/** Regex features RE2 (Envoy, Traefik's Go regexp) lacks: lookaround and backreferences. */
export function re2Problem(source: string): string | null {
  if (/\(\?<?[=!]/.test(source)) return 'lookaround';
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences';
  return null;
}

/** JS regex source in RE2/Go syntax: named groups `(?<n>` → `(?P<n>`. */
export function toRe2(source: string): string {
  return source.replace(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?P<$1>');
}

/** The pattern for engines that match the whole string (Envoy safe_regex), keeping the JS "search anywhere" meaning. */
export function fullMatchRegex(source: string): string {
  const anchoredStart = source.startsWith('^');
  const anchoredEnd = source.endsWith('$') && !source.endsWith('\\$');
  let body = source;
  if (anchoredStart) body = body.slice(1);
  if (anchoredEnd) body = body.slice(0, -1);
  if (anchoredStart && anchoredEnd) return toRe2(body);
  return `${anchoredStart ? '' : '.*'}(?:${toRe2(body)})${anchoredEnd ? '' : '.*'}`;
}

/** Index of a named capture group (1-based), counting capture groups left to right. */
export function groupIndex(source: string, name: string): number | null {
  let index = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c !== '(') continue;
    if (source[i + 1] !== '?') {
      index++;
      continue;
    }
    const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(source.slice(i));
    if (named) {
      index++;
      if (named[1] === name) return index;
    }
  }
  return null;
}

/** `$1` / `$<name>` in a replacement written with the target's group syntax, or null when a name does not exist. */
export function convertReplacement(source: string, replacement: string, group: (n: number) => string): string | null {
  let ok = true;
  const out = replacement.replace(/\$(\d+)|\$<([A-Za-z_][A-Za-z0-9_]*)>/g, (_, n: string | undefined, name: string | undefined) => {
    const idx = n !== undefined ? Number(n) : groupIndex(source, name as string);
    if (idx === null) {
      ok = false;
      return '';
    }
    return group(idx);
  });
  return ok ? out : null;
}

/** Whether an upstream's timeouts and pool are Switchyard's defaults (their general differences are in the report's preamble). */
export function defaultTimeouts(u: UpstreamPlan): boolean {
  return u.timeouts.connectMs === 5000 && u.timeouts.responseMs === 60_000 && u.timeouts.idleMs === 60_000;
}
export function defaultKeepAlive(u: UpstreamPlan): boolean {
  return u.keepAlive.connections === 128 && u.keepAlive.idleTimeoutMs === 30_000;
}
export function defaultLimits(l: ListenerPlan): boolean {
  const x = l.limits;
  return x.maxUrlLength === 8192 && x.maxHeaderSize === 32 * 1024 && x.maxBodySize === null && x.headersTimeoutMs === 30_000 && x.keepAliveTimeoutMs === 5000;
}

/** `1500` → `1.5s` (protobuf JSON Duration). */
export function protoDuration(ms: number): string {
  return `${ms / 1000}s`;
}

/** `90000` → `90s`, `500` → `500ms`: Go's time.ParseDuration syntax (Traefik). */
export function goDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const s = ms / 1000;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** host:port of a target URL, with its scheme's default port filled in. */
export function targetAddress(url: string): { host: string; port: number; tls: boolean } {
  const u = new URL(url);
  const tls = u.protocol === 'https:';
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port: u.port ? Number(u.port) : tls ? 443 : 80, tls };
}

/** Upstreams that some exported route uses, in name order. */
export function usedUpstreams(plan: Plan, routes: readonly RoutePlan[]): UpstreamPlan[] {
  const names = new Set(routes.flatMap((r) => (r.action.kind === 'proxy' ? [r.action.upstream] : [])));
  return [...plan.upstreams.values()].filter((u) => names.has(u.name)).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The name of a secret's placeholder, SWITCHYARD_SECRET_<POLICY>_<WHAT>_<N>:
 * the same scheme in every export, so one set of variables fills them all.
 */
export function secretName(policy: string, what: string, index: number): string {
  return `SWITCHYARD_SECRET_${policy}_${what}_${index}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Readable list: `a, b and c`. */
export function listText(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
