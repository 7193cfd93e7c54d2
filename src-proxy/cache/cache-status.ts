/**
 * The RFC 9211 Cache-Status field. Each cache appends its member, so a value
 * the upstream's own caches set is kept in front of ours.
 */
export interface CacheStatusParams {
  hit?: boolean;
  /** uri-miss | vary-miss | miss | request | stale | bypass */
  fwd?: string;
  fwdStatus?: number;
  /** Seconds of freshness left (negative when stale). */
  ttl?: number;
  stored?: boolean;
  collapsed?: boolean;
  key?: string;
  detail?: string;
}

export function cacheStatusMember(name: string, p: CacheStatusParams): string {
  let s = sfToken(name) ?? sfString(name);
  if (p.hit) s += '; hit';
  if (p.fwd !== undefined) s += `; fwd=${p.fwd}`;
  if (p.fwdStatus !== undefined) s += `; fwd-status=${p.fwdStatus}`;
  if (p.ttl !== undefined) s += `; ttl=${Math.round(p.ttl)}`;
  if (p.stored) s += '; stored';
  if (p.collapsed) s += '; collapsed';
  if (p.key !== undefined && /^[\x20-\x7e]*$/.test(p.key)) s += `; key=${sfString(p.key)}`;
  if (p.detail !== undefined) s += `; detail=${sfToken(p.detail) ?? sfString(p.detail)}`;
  return s;
}

/** Appends our member to whatever Cache-Status the response already carries. */
export function appendCacheStatus(existing: string | string[] | undefined, member: string): string {
  if (existing === undefined) return member;
  const prior = Array.isArray(existing) ? existing.join(', ') : existing;
  return prior === '' ? member : `${prior}, ${member}`;
}

function sfToken(s: string): string | null {
  return /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/.test(s) ? s : null;
}

function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}
