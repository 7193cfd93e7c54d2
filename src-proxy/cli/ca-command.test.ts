import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readCaInfo } from '../tls/ca-info.js';
import { caCommand } from './ca-command.js';
import type { CliIO } from './io.js';

let dir: string;
let out: string[];
let err: string[];
const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l) };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-ca-cli-'));
  out = [];
  err = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('ca path creates the CA on first use and prints its certificate path', async () => {
  expect((await readCaInfo(dir)).exists).toBe(false);
  expect(await caCommand(['path', '--data-dir', dir], io)).toBe(0);
  expect(out).toEqual([join(dir, 'ca', 'switchyard-ca.pem')]);
  const cert = new X509Certificate(await readFile(out[0]));
  expect(cert.subject).toContain('Switchyard Local CA');
  const info = await readCaInfo(dir);
  expect(info).toMatchObject({ path: out[0], exists: true, fingerprint256: cert.fingerprint256 });
  expect(info.subject).toContain('CN=Switchyard Local CA');
  expect(Date.parse(info.notAfter!)).toBeGreaterThan(Date.now());
});

it('ca install-help covers Linux, macOS, Windows, Firefox and Node', async () => {
  expect(await caCommand(['install-help', '--data-dir', dir], io)).toBe(0);
  const text = out.join('\n');
  for (const needle of ['update-ca-certificates', 'trust anchor', 'security add-trusted-cert', 'certutil -addstore', 'Firefox', 'NODE_EXTRA_CA_CERTS']) {
    expect(text).toContain(needle);
  }
  expect(text).toContain(join(dir, 'ca', 'switchyard-ca.pem'));
});

it('ca regenerate replaces the CA; unknown subcommands are usage errors', async () => {
  await caCommand(['path', '--data-dir', dir], io);
  const before = (await readCaInfo(dir)).fingerprint256;
  expect(await caCommand(['regenerate', '--data-dir', dir], io)).toBe(0);
  expect((await readCaInfo(dir)).fingerprint256).not.toBe(before);
  expect(await caCommand(['bogus'], io)).toBe(2);
  expect(err.join('\n')).toContain('usage: switchyard ca path');
});
