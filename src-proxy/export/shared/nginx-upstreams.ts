/** nginx `upstream` blocks: balancer, weights, backup, passive health, keepalive. */
import type { UpstreamPlan } from '../../config/plan.js';
import { noteUncappedEjection } from './ejection-cap.js';
import { headerVariable } from './nginx-syntax.js';
import type { Notes } from './notes.js';
import { fmtDuration, targetHostPort } from './plan-view.js';
import type { TextBlock } from './text-block.js';

export function nginxUpstream(u: UpstreamPlan, out: TextBlock, notes: Notes): void {
  const s = `upstream ${u.name}`;
  const hashing = u.balancer === 'ip-hash' || u.balancer === 'consistent-hash' || u.balancer === 'random' || u.balancer === 'p2c';
  let targets = u.targets;
  if (hashing && targets.some((t) => t.backup)) {
    notes.unsupported(`${s}: backup targets`, `nginx does not allow backup servers with ${u.balancer === 'ip-hash' ? 'ip_hash' : u.balancer === 'consistent-hash' ? 'hash' : 'random'}; backup targets left out`);
    targets = targets.filter((t) => !t.backup);
  }
  // Passive health: Switchyard ejects only with outlierDetection; nginx's default (max_fails=1) would eject on one error.
  let passive = 'max_fails=0';
  if (u.outlier) {
    passive = `max_fails=${u.outlier.consecutiveFailures} fail_timeout=${fmtDuration(u.outlier.ejectForMs)}`;
    notes.approx(
      `${s}: outlierDetection`,
      `max_fails=${u.outlier.consecutiveFailures} fail_timeout=${fmtDuration(u.outlier.ejectForMs)}: nginx counts failures within fail_timeout (not consecutive ones) and does not double the ejection time`,
    );
    noteUncappedEjection(u, s, 'nginx', notes);
  }
  if (u.healthCheck) {
    const hc = u.healthCheck;
    if (!u.outlier) passive = `max_fails=${hc.unhealthyAfter} fail_timeout=${fmtDuration(hc.intervalMs * hc.healthyAfter)}`;
    notes.unsupported(
      `${s}: healthCheck`,
      `active health checks (GET ${hc.path} every ${fmtDuration(hc.intervalMs)}) need NGINX Plus; the passive equivalent is used instead: ${passive} (real requests count as checks)`,
    );
  }

  out.block(s, () => {
    switch (u.balancer) {
      case 'round-robin':
      case 'weighted-round-robin':
        notes.exact(`${s}: balancer ${u.balancer}`, u.balancer === 'round-robin' ? 'nginx round robin (weights left out, as Switchyard ignores them)' : 'nginx smooth weighted round robin');
        break;
      case 'least-connections':
        out.line('least_conn;');
        notes.exact(`${s}: balancer least-connections`, 'least_conn (weighted)');
        break;
      case 'ip-hash':
        out.line('ip_hash;');
        notes.approx(`${s}: balancer ip-hash`, 'ip_hash: one client always reaches one target, but not necessarily the one Switchyard picks, and IPv4 clients are keyed by their first three octets (a /24 shares a target)');
        break;
      case 'consistent-hash': {
        const key = hashKey(u.hashOn ?? 'ip');
        out.line(`hash ${key} consistent;`);
        notes.approx(`${s}: balancer consistent-hash on ${u.hashOn}`, `hash ${key} consistent (ketama): the same key always reaches one target, but the key→target mapping differs from Switchyard's ring`);
        break;
      }
      case 'p2c':
        out.line('random two least_conn;');
        notes.exact(`${s}: balancer p2c`, 'random two least_conn (power of two choices)');
        break;
      case 'random':
        out.line('random;');
        notes.exact(`${s}: balancer random`, 'random (weighted)');
        break;
    }
    for (const t of targets) {
      const { hostPort } = targetHostPort(t);
      const weight = u.balancer !== 'round-robin' && t.weight !== 1 ? ` weight=${t.weight}` : '';
      out.line(`server ${hostPort}${weight} ${passive}${t.backup ? ' backup' : ''};`);
    }
    out.line(`keepalive ${u.keepAlive.connections};`);
    out.line(`keepalive_timeout ${fmtDuration(u.keepAlive.idleTimeoutMs)};`);
  });
  notes.approx(`${s}: keepAlive`, `keepalive ${u.keepAlive.connections} caps idle connections kept per worker, not all connections per target`);
  if (targets.some((t) => t.backup)) notes.exact(`${s}: backup targets`, 'server … backup');
  if (u.sticky) {
    notes.unsupported(`${s}: sticky cookie ${u.sticky.cookie}`, 'cookie stickiness (sticky cookie) is NGINX Plus only; requests are balanced without it');
  }
  if (u.slowStartMs > 0) notes.unsupported(`${s}: slowStart`, 'slow_start is NGINX Plus only; recovered targets get their full weight at once');
  const schemes = new Set(u.targets.map((t) => targetHostPort(t).tls));
  if (schemes.size > 1) notes.unsupported(`${s}: targets`, 'mixes http:// and https:// targets; nginx uses one scheme per upstream (https when any target is https)');
}

function hashKey(hashOn: string): string {
  if (hashOn === 'ip') return '$remote_addr';
  const [kind, name] = [hashOn.slice(0, hashOn.indexOf(':')), hashOn.slice(hashOn.indexOf(':') + 1)];
  if (kind === 'header') return headerVariable(name);
  if (kind === 'cookie') return `$cookie_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return `$arg_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}
