/**
 * basic-auth through the real engine, with hashes made by real tools:
 * bcryptjs ($2b$, and the $2y$ spelling htpasswd writes), {SHA}, and
 * `openssl passwd` for SHA-crypt ($5$, $6$) and MD5-crypt ($apr1$).
 */
import bcrypt from 'bcryptjs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { startAccessRig, type AccessRig } from './access-rig.js';

let rig: AccessRig;
let dir: string;
const openssl = (flag: string, pw: string) => execFileSync('openssl', ['passwd', flag, pw]).toString().trim();
const basic = (user: string, pw: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${pw}`).toString('base64') });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-basic-'));
  const file = path.join(dir, 'htpasswd');
  fs.writeFileSync(file, `# staff\nfrank:${bcrypt.hashSync('frank-pw', 4).replace('$2b$', '$2y$')}\ngrace:${openssl('-apr1', 'grace-pw')}\n`);
  const sha = '{SHA}' + createHash('sha1').update('bob-pw').digest('base64');
  rig = await startAccessRig(
    `
  staff:
    type: basic-auth
    realm: Staff area
    users: { alice: "${bcrypt.hashSync('alice-pw', 4)}", bob: "${sha}", "jörg": "${openssl('-6', 'pässword')}" }
    htpasswd: ["erin:${openssl('-5', 'erin-pw')}"]
    htpasswdFile: ${file}
  kept: { type: basic-auth, keep: true, users: { bob: "${sha}" } }
`,
    `
  - { name: s, match: { path: /s }, policies: [staff], upstream: app }
  - { name: k, match: { path: /k }, policies: [kept], upstream: app }
`,
  );
});
afterAll(async () => {
  await rig?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('basic-auth', () => {
  it('asks for credentials with 401, a Basic challenge and problem JSON', async () => {
    const r = await rig.send('/s');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Basic realm="Staff area", charset="UTF-8"');
    expect(r.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', detail: 'Basic credentials are required.' });
    expect((await rig.record(r)).policies).toEqual([{ policy: 'staff', type: 'basic-auth', outcome: 'missing' }]);
  });

  it('accepts every hash kind, removes Authorization before proxying and records the user', async () => {
    const users: [string, string][] = [
      ['alice', 'alice-pw'], // bcrypt $2b$
      ['bob', 'bob-pw'], // {SHA}
      ['jörg', 'pässword'], // $6$, UTF-8 user and password
      ['erin', 'erin-pw'], // $5$ from an htpasswd line
      ['frank', 'frank-pw'], // $2y$ from the file
      ['grace', 'grace-pw'], // $apr1$ from the file
    ];
    for (const [user, pw] of users) {
      const r = await rig.send('/s', basic(user, pw));
      expect(r.status, user).toBe(200);
      expect(r.echo!.headers.authorization).toBeUndefined();
      expect((await rig.record(r)).policies).toEqual([{ policy: 'staff', type: 'basic-auth', outcome: 'ok', detail: user }]);
    }
  });

  it('refuses a wrong password, an unknown user and a malformed header with 401', async () => {
    for (const headers of [basic('alice', 'wrong'), basic('erin', 'alice-pw'), basic('mallory', 'alice-pw'), { authorization: 'Basic !!!' }, { authorization: 'Bearer x' }]) {
      const r = await rig.send('/s', headers);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Basic realm="Staff area", charset="UTF-8"');
    }
    const wrong = await rig.send('/s', basic('bob', 'nope'));
    expect(wrong.json().detail).toBe('The user name or password is wrong.');
    expect((await rig.record(wrong)).policies[0]).toMatchObject({ outcome: 'invalid' });
  });

  it('a remembered credential still fails with another password', async () => {
    expect((await rig.send('/s', basic('alice', 'alice-pw'))).status).toBe(200);
    expect((await rig.send('/s', basic('alice', 'alice-pw '))).status).toBe(401);
  });

  it('keeps Authorization upstream with keep: true', async () => {
    const r = await rig.send('/k', basic('bob', 'bob-pw'));
    expect(r.status).toBe(200);
    expect(r.echo!.headers.authorization).toBe(basic('bob', 'bob-pw').authorization);
  });
});

describe('basic-auth config checks', () => {
  const issues = (policy: string) =>
    loadWorkspaceText(`version: 1\nlisteners: [{ name: w, address: 127.0.0.1:0 }]\npolicies:\n  p: ${policy}\nroutes: []\nupstreams: {}\n`, 'w.yaml').issues.map(
      (i) => `${i.severity}: ${i.message}`,
    );

  it('refuses plain-text passwords and unreadable files, with the user named', () => {
    expect(issues('{ type: basic-auth, users: { ann: secret } }')).toContain(
      'error: the password of "ann" is not a supported hash (bcrypt $2y$, {SHA}, $5$/$6$ SHA-crypt, $apr1$/$1$ MD5-crypt); plain text and DES crypt are not accepted',
    );
    expect(issues('{ type: basic-auth, htpasswdFile: /nonexistent/htpasswd }')).toContain('error: cannot read /nonexistent/htpasswd: ENOENT');
    expect(issues('{ type: basic-auth, htpasswd: ["no-colon"] }')).toContain('error: expected an htpasswd line "user:hash"');
  });

  it('refuses a realm that cannot be written into WWW-Authenticate', () => {
    const refused = 'error: the realm must be printable ASCII without quotes or backslashes';
    for (const realm of ['"Team 李"', '"Bücher"', '"a\\u0001b"', "'say \"hi\"'", '"a\\\\b"']) {
      expect(issues(`{ type: basic-auth, users: {}, realm: ${realm} }`)).toContain(refused);
    }
    expect(issues('{ type: basic-auth, users: {}, realm: "Staff area (v2)" }')).not.toContain(refused);
  });
});
