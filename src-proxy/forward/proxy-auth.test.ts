import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { checkProxyAuth, proxyAuthenticate } from './proxy-auth.js';

const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

describe('proxy auth', () => {
  const plan = {
    realm: 'a "quoted" realm',
    users: { plain: 'plaintext', ann: bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$'), bob: '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=' },
  };

  it('accepts bcrypt ($2y$) and {SHA} hashes, refuses the rest', async () => {
    expect(await checkProxyAuth(plan, basic('ann', 's3cret'))).toEqual({ ok: true, user: 'ann' });
    expect(await checkProxyAuth(plan, basic('ann', 's3cret'))).toEqual({ ok: true, user: 'ann' }); // remembered
    expect(await checkProxyAuth(plan, basic('bob', 'password'))).toEqual({ ok: true, user: 'bob' });
    expect(await checkProxyAuth(plan, basic('ann', 'wrong'))).toEqual({ ok: false, reason: 'invalid' });
    expect(await checkProxyAuth(plan, basic('carol', 'x'))).toEqual({ ok: false, reason: 'invalid' });
    expect(await checkProxyAuth(plan, basic('constructor', 'x'))).toEqual({ ok: false, reason: 'invalid' });
    expect(await checkProxyAuth(plan, basic('plain', 'plaintext'))).toEqual({ ok: false, reason: 'invalid' });
    expect(await checkProxyAuth(plan, 'Bearer abc')).toEqual({ ok: false, reason: 'invalid' });
    expect(await checkProxyAuth(plan, undefined)).toEqual({ ok: false, reason: 'missing' });
  });

  it('quotes the realm in the challenge', () => {
    expect(proxyAuthenticate(plan)).toBe('Basic realm="a \\"quoted\\" realm", charset="UTF-8"');
  });
});
