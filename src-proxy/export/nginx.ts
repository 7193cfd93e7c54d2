/**
 * nginx (open source) exporter: one standalone nginx.conf.
 *
 * Switchyard tries routes in one global order (priority, exact, longest
 * prefix, …) with host, method, header and query conditions, and falls
 * through to the next route when a condition fails. nginx's own location
 * selection cannot express that fall-through, so the route table is written
 * as `map`s: one 0/1 variable per route condition, one per route, and one
 * per listener that picks the first matching route (regex map entries are
 * tried in order). Each route is a named location; `location /` jumps to the
 * chosen one with `error_page 418 = $route; return 418;` (method and body are
 * kept on a jump to a named location).
 */
import type { ListenerPlan, Plan, RoutePlan, UpstreamPlan } from '../config/plan.js';
import { assertExportable } from './shared/export-guard.js';
import type { Exporter } from './exporter.js';
import { reportComment } from './report.js';
import { Notes } from './shared/notes.js';
import { nginxRouteAction } from './shared/nginx-routes.js';
import { hasHeaderVariable, headerVariable, nginxPlain, nginxRegex, nginxValue } from './shared/nginx-syntax.js';
import { nginxUpstream } from './shared/nginx-upstreams.js';
import { NginxPolicies } from './shared/nginx-policies.js';
import { hostRegex, identifiers, listenAddress, pathRegex, reverseListeners, routesOf, valueRegex } from './shared/plan-view.js';
import { portabilityIssue } from './shared/regex.js';
import { inDialect, routeRegexProblem } from './shared/regex-dialect.js';
import { TextBlock } from './shared/text-block.js';

/** Differences every nginx export has, whatever the workspace (they do not fail --strict). */
const NGINX_GENERAL = [
  'error answers: nginx answers 404/413/502/503/504 with its own HTML pages, not RFC 9457 problem JSON; status codes are the same',
  'X-Request-Id: kept when the client sends a valid one; generated ids are nginx\'s $request_id (32 hex digits) instead of Switchyard\'s exchange ids',
];

/** Where the generated config keeps runtime files; tests rewrite these prefixes to a temp dir. */
export const NGINX_PATHS = {
  pid: '/run/switchyard-nginx.pid',
  log: '/var/log/nginx/switchyard',
  temp: '/var/lib/nginx/switchyard',
  cache: '/var/cache/nginx/switchyard',
  /** Placeholder certificates for local-CA listeners and htpasswd files for basic-auth policies. */
  etc: '/etc/nginx/switchyard',
} as const;

export const exportNginx: Exporter = (plan, opts) => {
  assertExportable(plan, 'nginx');
  const notes = new Notes();
  const state = { usesDollar: false };
  const routeIds = identifiers(plan.routes.map((r) => r.name));
  const policies = new NginxPolicies(plan, notes, opts, state, routeIds);
  const maps = new TextBlock();
  const servers = new TextBlock();

  for (const l of plan.listeners.filter((x) => x.mode === 'forward')) {
    notes.unsupported(`listener ${l.name}`, 'forward-proxy mode has no nginx equivalent (CONNECT is not supported by open-source nginx); listener left out');
  }
  notes.exact('forwarding headers', 'X-Forwarded-For/-Proto/-Host, X-Real-IP and Forwarded set as Switchyard sets them; Upgrade/Connection passed for WebSocket');
  notes.approx(
    'path matching',
    'nginx matches the percent-decoded, normalised path ($uri: dot segments resolved, repeated slashes merged as mergeSlashes says); Switchyard decodes only unreserved escapes, so only paths with other escapes (%2F, %C3%A9) can route differently. Unless a route rewrites it, nginx forwards the path as the client sent it, Switchyard the normalised one',
  );

  // Route conditions → one 0/1 variable per route.
  const routeFlag = new Map<RoutePlan, string>();
  for (const r of plan.routes) routeFlag.set(r, routeConditionMaps(r, routeIds.get(r.name)!, maps, notes));

  const upstreamBlocks = new TextBlock();
  for (const u of plan.upstreams.values()) nginxUpstream(u, upstreamBlocks, notes);

  for (const l of reverseListeners(plan)) writeServer(plan, l, routeFlag, routeIds, maps, servers, policies, notes, state);

  const out = new TextBlock();
  out.line('worker_processes auto;');
  out.line(`pid ${NGINX_PATHS.pid};`);
  out.line(`error_log ${NGINX_PATHS.log}-error.log warn;`);
  out.block('events', () => out.line('worker_connections 4096;'));
  out.block('http', () => {
    out.line('default_type application/octet-stream;');
    out.line(`access_log ${NGINX_PATHS.log}-access.log;`);
    for (const [d, dir] of [['client_body', 'body'], ['proxy', 'proxy'], ['fastcgi', 'fastcgi'], ['uwsgi', 'uwsgi'], ['scgi', 'scgi']]) {
      out.line(`${d}_temp_path ${NGINX_PATHS.temp}/${dir};`);
    }
    out.line('server_tokens off;');
    out.line('map_hash_bucket_size 128;');
    out.line('variables_hash_bucket_size 128;');
    out.line('# Switchyard streams bodies both ways and accepts any body size unless a limit says otherwise.');
    out.line('client_max_body_size 0;');
    out.line('proxy_request_buffering off;');
    out.line('proxy_http_version 1.1;');
    out.line('');
    out.line('# Forwarding headers as Switchyard sets them; Connection/Upgrade pass WebSocket upgrades.');
    out.block('map $http_upgrade $swy_connection', () => out.line('default upgrade;').line('"" "";'));
    out.block('map $http_forwarded $swy_forwarded_prev', () => out.line('"" "";').line('default "$http_forwarded, ";'));
    out.block('map $remote_addr $swy_forwarded_for', () => out.line('"~:" "\\"[$remote_addr]\\"";').line('default $remote_addr;'));
    out.block('map $http_host $swy_forwarded_host', () =>
      out.line(`${nginxRegex("~^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")} $http_host;`).line('default "\\"$http_host\\"";'),
    );
    out.block('map $http_x_request_id $swy_request_id', () =>
      out.line(`${nginxRegex('~^[\\x21-\\x7e]{1,200}$')} $http_x_request_id;`).line('default $request_id;'),
    );
    if (state.usesDollar) out.block('geo $swy_dollar', () => out.line('default "$";'));
    for (const l of policies.httpLines()) out.line(l);
    out.line('');
    out.line('# Route conditions: one variable per condition and per route (1 = holds).');
    for (const l of maps.toString().trimEnd().split('\n')) out.line(l);
    out.line('');
    for (const l of upstreamBlocks.toString().trimEnd().split('\n')) out.line(l);
    out.line('');
    for (const l of servers.toString().trimEnd().split('\n')) out.line(l);
  });
  return { target: 'nginx', fileName: 'nginx.conf', notes: notes.list, text: reportComment(notes.list, '#', 'nginx', NGINX_GENERAL) + out.toString() };
};

/** Writes the maps for a route's conditions and returns the variable (or constant "1") that says the route matches. */
function routeConditionMaps(r: RoutePlan, id: string, maps: TextBlock, notes: Notes): string {
  const m = r.match;
  const problem = routeRegexProblem(r, 'pcre');
  if (problem) {
    notes.unsupported(`route ${r.name}`, `${problem}; route left out`);
    return '0';
  }
  // Dropping the condition would make the route match more requests than in Switchyard: leave the route out instead.
  const unnamedQuery = m.query.find(([name]) => !/^[A-Za-z0-9_]+$/.test(name));
  if (unnamedQuery) {
    notes.unsupported(`route ${r.name}`, `match.query: nginx $arg_ variables only exist for names made of letters, digits and "_" (here ${JSON.stringify(unnamedQuery[0])}); route left out`);
    return '0';
  }
  const unnamed = m.headers.find(([name]) => !hasHeaderVariable(name));
  if (unnamed) {
    notes.unsupported(`route ${r.name}`, `match.headers: nginx ignores header names with characters other than letters, digits and "-" (here ${JSON.stringify(unnamed[0])}) and has no variable for them; route left out`);
    return '0';
  }
  const parts: string[] = [];
  const flagMap = (variable: string, name: string, entries: [string, string][], dflt: string) => {
    maps.block(`map ${variable} $${name}`, () => {
      for (const [k, v] of entries) maps.line(`${k} ${v};`);
      maps.line(`default ${dflt};`);
    });
    parts.push(`$${name}`);
  };
  const host = hostRegex(m);
  if (host !== null) flagMap('$host', `swy_host_${id}`, [[nginxRegex('~' + host), '1']], '0');
  const path = pathRegex(m);
  if (path !== null) {
    if (m.pathRegex) {
      const issue = portabilityIssue(m.pathRegex.source, 'pcre');
      if (issue) notes.approx(`route ${r.name}: pathRegex`, `the pattern ${issue} (PCRE); check that it matches the same paths`);
    }
    flagMap('$uri', `swy_path_${id}`, [[nginxRegex('~' + inDialect(path, 'pcre')), '1']], '0');
  }
  if (m.methods !== null) flagMap('$request_method', `swy_method_${id}`, [[nginxRegex(`~^(${[...m.methods].join('|')})$`), '1']], '0');
  m.headers.forEach(([name, , cond], i) => {
    const v = headerVariable(name);
    if ('present' in cond) {
      notes.approx(`route ${r.name}: header ${name}`, 'nginx cannot tell an empty header from a missing one; an empty value counts as absent');
      flagMap(v, `swy_h${i}_${id}`, [['""', cond.present ? '0' : '1']], cond.present ? '1' : '0');
    } else {
      notes.approx(`route ${r.name}: header ${name}`, 'nginx before 1.23 reads only the first line of a repeated header (1.23+ joins the lines with ", " as Switchyard does)');
      flagMap(v, `swy_h${i}_${id}`, [[nginxRegex('~' + inDialect(valueRegex(cond)!, 'pcre')), '1']], '0');
    }
  });
  m.query.forEach(([name, , cond], i) => {
    notes.approx(`route ${r.name}: query ${name}`, 'nginx compares the raw (still percent-encoded) value and matches the parameter name case-insensitively');
    const v = `$arg_${name}`;
    if ('present' in cond) flagMap(v, `swy_q${i}_${id}`, [['""', cond.present ? '0' : '1']], cond.present ? '1' : '0');
    else flagMap(v, `swy_q${i}_${id}`, [[nginxRegex('~' + inDialect(valueRegex(cond)!, 'pcre')), '1']], '0');
  });
  if (parts.length === 0) return '1';
  if (parts.length === 1) return parts[0];
  flagMapAll(maps, `swy_r_${id}`, parts);
  return `$swy_r_${id}`;
}

function flagMapAll(maps: TextBlock, name: string, parts: string[]): void {
  maps.block(`map "${parts.join('')}" $${name}`, () => {
    maps.line(`${'1'.repeat(parts.length)} 1;`);
    maps.line('default 0;');
  });
}

function writeServer(
  plan: Plan,
  l: ListenerPlan,
  routeFlag: Map<RoutePlan, string>,
  routeIds: Map<string, string>,
  maps: TextBlock,
  out: TextBlock,
  policies: NginxPolicies,
  notes: Notes,
  state: { usesDollar: boolean },
): void {
  // Routes left out (flag "0") get no location either: their regexes may not compile in PCRE.
  const routes = routesOf(plan, l).filter((r) => routeFlag.get(r) !== '0');
  const pick = `$swy_route_${l.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  maps.block(`map "${routes.map((r) => routeFlag.get(r)).join('')}" ${pick}`, () => {
    routes.forEach((r, i) => maps.line(`${nginxRegex(`~^.{${i}}1`)} @${routeIds.get(r.name)};`));
    maps.line('default @swy_no_route;');
  });
  out.block('server', () => {
    const tls = l.tls !== null;
    out.line(`listen ${listenAddress(l)}${tls ? ' ssl' : ''}${tls && l.http2 ? ' http2' : ''};`);
    out.line('server_name _;');
    if (!l.mergeSlashes) out.line('merge_slashes off;');
    if (l.tls) writeTls(l, out, maps, notes, state);
    const lim = l.limits;
    if (lim.maxBodySize !== null) out.line(`client_max_body_size ${lim.maxBodySize};`);
    out.line(`client_header_timeout ${Math.ceil(lim.headersTimeoutMs / 1000)}s;`);
    out.line(`keepalive_timeout ${Math.ceil(lim.keepAliveTimeoutMs / 1000)}s;`);
    out.line(`large_client_header_buffers 4 ${Math.ceil(Math.max(lim.maxHeaderSize, lim.maxUrlLength) / 1024)}k;`);
    notes.approx(
      `listener ${l.name}: limits`,
      'maxHeaderSize and maxUrlLength become large_client_header_buffers (a per-line limit, answered with 400/414 rather than 431)',
    );
    if (l.redirectTo !== null) {
      const target = plan.listeners.find((x) => x.name === l.redirectTo)!;
      out.block('location /', () => out.line(`return 308 https://$host:${target.port}$request_uri;`));
      notes.approx(`listener ${l.name}: redirectTo`, `every request is redirected with 308 to https://<host>:${target.port}<uri>`);
      return;
    }
    out.block('location /', () => out.line(`error_page 418 = ${pick};`).line('return 418;'));
    for (const r of routes) {
      out.block(`location @${routeIds.get(r.name)}`, () => {
        const upstream: UpstreamPlan | undefined = r.action.kind === 'proxy' ? plan.upstreams.get(r.action.upstream) : undefined;
        for (const line of policies.locationLines(r, l)) out.line(line);
        nginxRouteAction(r, upstream, l, out, notes, state);
      });
    }
    out.block('location @swy_no_route', () => out.line('return 404;'));
  });
  if (routes.length === 0) notes.approx(`listener ${l.name}`, 'serves no routes: every request gets 404');
}

function writeTls(l: ListenerPlan, out: TextBlock, maps: TextBlock, notes: Notes, state: { usesDollar: boolean }): void {
  const tls = l.tls!;
  const id = l.name.replace(/[^A-Za-z0-9_]/g, '_');
  if (tls.certificates === 'local-ca') {
    out.line(`ssl_certificate ${NGINX_PATHS.etc}/${l.name}.crt;`);
    out.line(`ssl_certificate_key ${NGINX_PATHS.etc}/${l.name}.key;`);
    notes.approx(
      `listener ${l.name}: tls local-ca`,
      `Switchyard's local CA issues certificates on demand; nginx reads placeholder paths ${NGINX_PATHS.etc}/${l.name}.crt/.key: put a certificate for the served hosts there`,
    );
  } else if (tls.certificates.length === 1) {
    out.line(`ssl_certificate ${nginxValue(tls.certificates[0].cert, state)};`);
    out.line(`ssl_certificate_key ${nginxValue(tls.certificates[0].key, state)};`);
    notes.exact(`listener ${l.name}: tls`, 'ssl_certificate / ssl_certificate_key');
  } else {
    // SNI choice by a map over $ssl_server_name (nginx loads variable certificates per handshake).
    const [first, ...rest] = tls.certificates;
    const cert = `$swy_cert_${id}`;
    const key = `$swy_key_${id}`;
    for (const [v, pick] of [[cert, 'cert'], [key, 'key']] as const) {
      maps.block(`map $ssl_server_name ${v}`, () => {
        maps.line('hostnames;');
        for (const c of rest) for (const h of c.hosts ?? []) maps.line(`${nginxPlain(h)} ${nginxValue(c[pick], state)};`);
        maps.line(`default ${nginxValue(first[pick], state)};`);
      });
    }
    out.line(`ssl_certificate ${cert};`);
    out.line(`ssl_certificate_key ${key};`);
    if (rest.some((c) => c.hosts === null)) {
      notes.approx(`listener ${l.name}: tls`, 'certificates without `hosts` are chosen by the names inside them in Switchyard; nginx needs the names, so those are only served as the default');
    } else notes.exact(`listener ${l.name}: tls`, 'certificates chosen by SNI through a map over $ssl_server_name');
  }
  out.line(`ssl_protocols ${tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2 TLSv1.3'};`);
  if (l.http2) notes.exact(`listener ${l.name}: http2`, 'listen … ssl http2');
}
