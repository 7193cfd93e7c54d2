/**
 * Basic proxy authentication (RFC 9110 §11.7): `Proxy-Authorization: Basic …`
 * checked against the listener's users (user → password hash), with the same
 * verifier as the basic-auth policy (bcrypt, {SHA}, SHA-crypt, MD5-crypt).
 * A bcrypt check takes tens of milliseconds, so successful checks are
 * remembered for the exact credentials and hash (a small bounded map).
 */
import { verifyPassword } from '../policies/password-hash.js';

export interface ProxyAuthPlan {
  readonly realm: string;
  readonly users: Readonly<Record<string, string>>;
}

export type AuthResult = { ok: true; user: string } | { ok: false; reason: 'missing' | 'invalid' };

const MAX_REMEMBERED = 1000;
const remembered = new Map<string, string>();

export async function checkProxyAuth(plan: ProxyAuthPlan, header: string | undefined): Promise<AuthResult> {
  if (header === undefined) return { ok: false, reason: 'missing' };
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return { ok: false, reason: 'invalid' };
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return { ok: false, reason: 'invalid' };
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const hash = Object.hasOwn(plan.users, user) ? plan.users[user] : undefined;
  if (hash === undefined) return { ok: false, reason: 'invalid' };
  const key = `${m[1]}\n${hash}`;
  if (remembered.get(key) === user) return { ok: true, user };
  if (!(await verifyPassword(password, hash))) return { ok: false, reason: 'invalid' };
  if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
  remembered.set(key, user);
  return { ok: true, user };
}

/** The 407 challenge header. */
export function proxyAuthenticate(plan: ProxyAuthPlan): string {
  return `Basic realm="${plan.realm.replace(/["\\]/g, '\\$&')}", charset="UTF-8"`;
}
