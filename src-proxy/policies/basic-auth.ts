/**
 * basic-auth: HTTP Basic credentials (RFC 7617) checked against users from
 * `users`, `htpasswd` lines and an `htpasswdFile` (read when the policy is
 * built: edit the workspace, or re-apply it, to pick up a changed file).
 * A missing or wrong credential is a 401 with a Basic challenge; an unknown
 * user costs the same hash check as a known one. Successful checks are
 * remembered (bounded, keyed by a salted digest) so a slow bcrypt is paid once
 * per credential, not per request. The user becomes the consumer; the
 * Authorization header is removed before proxying unless `keep: true`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PolicyOf } from '../config/policy-schema.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { removeRequestHeader } from '../pipeline/request-headers.js';
import type { StepResult } from '../pipeline/compose.js';
import { decide } from './decide.js';
import { hashKind, verifyPassword } from './password-hash.js';
import type { IssueReporter, Policy, PolicyFactory } from './policy.js';

type Config = PolicyOf<'basic-auth'>;
const REMEMBERED_MAX = 1024;

export const basicAuthPolicy: PolicyFactory<'basic-auth'> = {
  check(config, report) {
    const users = loadUsers(config, report);
    if (users.size === 0 && config.htpasswdFile === undefined) report([], 'no users are given (users, htpasswd or htpasswdFile): every request will be refused', 'warning');
    // It goes into WWW-Authenticate as a quoted string, where node refuses control characters and anything
    // beyond Latin-1 (every 401 would fail), and Latin-1 bytes would not be the UTF-8 the challenge announces.
    if (config.realm !== undefined && !/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(config.realm)) {
      report(['realm'], 'the realm must be printable ASCII without quotes or backslashes');
    }
  },
  create(name, config): Policy {
    const users = loadUsers(config, () => undefined);
    const realm = config.realm ?? 'Switchyard';
    const challenge = `Basic realm="${realm}", charset="UTF-8"`;
    const keep = config.keep === true;
    // An unknown user is checked against a real hash, so timing does not tell which users exist.
    const decoy = users.values().next().value ?? '{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=';
    const salt = randomBytes(16);
    const remembered = new Set<string>();

    const refuse = (ex: Exchange, outcome: 'missing' | 'invalid', detail: string): SwitchyardError => {
      decide(ex, { policy: name, type: 'basic-auth', outcome, ...(outcome === 'invalid' ? { detail } : {}) });
      return new SwitchyardError('UNAUTHORIZED', detail, { headers: { 'www-authenticate': challenge } });
    };
    const accept = (ex: Exchange, user: string, next: () => StepResult): StepResult => {
      ex.consumer = { name: user, plan: null };
      decide(ex, { policy: name, type: 'basic-auth', outcome: 'ok', detail: user });
      if (!keep) removeRequestHeader(ex, 'authorization');
      return next();
    };

    return {
      name,
      type: 'basic-auth',
      handle(ex, next) {
        const credentials = parseBasic(ex.header('authorization'));
        if (credentials === null) throw refuse(ex, 'missing', 'Basic credentials are required.');
        const { user, password } = credentials;
        const token = createHash('sha256').update(salt).update(user).update('\0').update(password).digest('base64');
        if (remembered.has(token)) return accept(ex, user, next);
        const stored = users.get(user);
        return verifyPassword(password, stored ?? decoy).then((ok) => {
          if (!ok || stored === undefined) throw refuse(ex, 'invalid', 'The user name or password is wrong.');
          if (remembered.size >= REMEMBERED_MAX) remembered.clear();
          remembered.add(token);
          return accept(ex, user, next);
        });
      },
    };
  },
};

/** "Basic base64(user:password)" → its parts (UTF-8, RFC 7617 §2.1); null when absent or malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  if (header === undefined) return null;
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header);
  if (m === null) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return null;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** user → stored hash from every source (later sources win); problems go to `report`. */
function loadUsers(config: Config, report: IssueReporter): Map<string, string> {
  const users = new Map<string, string>();
  const add = (user: string, hash: string, path: (string | number)[]): void => {
    if (hashKind(hash) === null) {
      report(path, `the password of "${user}" is not a supported hash (bcrypt $2y$, {SHA}, $5$/$6$ SHA-crypt, $apr1$/$1$ MD5-crypt); plain text and DES crypt are not accepted`);
      return;
    }
    users.set(user, hash);
  };
  for (const [user, hash] of Object.entries(config.users ?? {})) add(user, hash, ['users', user]);
  const lines = (list: string[], where: (i: number) => (string | number)[], what: (i: number) => string): void => {
    list.forEach((line, i) => {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) return;
      const colon = text.indexOf(':');
      if (colon <= 0) report(where(i), `${what(i)} "user:hash"`);
      else add(text.slice(0, colon), text.slice(colon + 1), where(i));
    });
  };
  lines(config.htpasswd ?? [], (i) => ['htpasswd', i], () => 'expected an htpasswd line');
  const file = config.htpasswdFile;
  if (file !== undefined) {
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      report(['htpasswdFile'], `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (text !== null) lines(text.split(/\r?\n/), () => ['htpasswdFile'], (i) => `line ${i + 1} of ${file} is not`);
  }
  return users;
}
