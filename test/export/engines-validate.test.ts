/**
 * Every example workspace, exported to nginx, HAProxy and Caddy, is accepted
 * by the real engine's own config check: `nginx -t`, `haproxy -c`,
 * `caddy adapt` + `caddy validate`. Certificate paths point at a generated
 * self-signed pair; runtime paths at a temp dir, so no root is needed.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCaddy } from '../../src-proxy/export/caddy.js';
import { exportHaproxy } from '../../src-proxy/export/haproxy.js';
import { exportNginx } from '../../src-proxy/export/nginx.js';
import {
  EXAMPLES,
  caddyEnv,
  certPair,
  check,
  compile,
  exampleText,
  localiseCaddy,
  localiseHaproxy,
  localiseNginx,
  removeDir,
  tempDir,
  useCertificate,
} from './engines.js';

let dir: string;
let pair: { cert: string; key: string };

beforeAll(async () => {
  dir = await tempDir('swy-export-validate-');
  pair = await certPair(dir, 'workspace');
});
afterAll(async () => {
  await removeDir(dir);
});

async function planOf(name: string) {
  return compile(useCertificate(await exampleText(name), pair));
}

function localCaListeners(plan: ReturnType<typeof compile>): string[] {
  return plan.listeners.filter((l) => l.tls?.certificates === 'local-ca').map((l) => l.name);
}

describe.each([...EXAMPLES, 'fixture:edge'])('example %s', (name) => {
  it('passes nginx -t', async () => {
    const plan = await planOf(name);
    const d = path.join(dir, `nginx-${name.replace(':', '-')}`);
    const conf = path.join(d, 'nginx.conf');
    const text = await localiseNginx(exportNginx(plan, { includeSecrets: false }).text, d, localCaListeners(plan));
    await writeFile(conf, text);
    const out = (await check('nginx', ['-t', '-c', conf, '-e', path.join(d, 'error.log')])).all;
    expect(out).toContain('test is successful');
  });

  it('passes haproxy -c', async () => {
    const plan = await planOf(name);
    const d = path.join(dir, `haproxy-${name.replace(':', '-')}`);
    const cfg = path.join(d, 'haproxy.cfg');
    const text = await localiseHaproxy(exportHaproxy(plan, { includeSecrets: false }).text, d, localCaListeners(plan));
    await writeFile(cfg, text);
    const out = (await check('haproxy', ['-c', '-f', cfg])).all;
    expect(out).toContain('Configuration file is valid');
    // Warnings mean HAProxy would reorder or ignore something we wrote.
    expect(out).not.toMatch(/\[WARNING\]/);
  });

  it('passes caddy adapt and caddy validate', async () => {
    const plan = await planOf(name);
    const d = await tempDir(`swy-caddy-${name.replace(':', '-')}-`);
    try {
      const file = path.join(d, 'Caddyfile');
      await writeFile(file, await localiseCaddy(exportCaddy(plan, { includeSecrets: false }).text, d));
      const env = caddyEnv(d);
      const adapted = await check('caddy', ['adapt', '--config', file, '--adapter', 'caddyfile'], env);
      expect(JSON.parse(adapted.stdout)).toHaveProperty('apps.http.servers');
      const out = (await check('caddy', ['validate', '--config', file, '--adapter', 'caddyfile'], env)).all;
      expect(out).toContain('Valid configuration');
    } finally {
      await removeDir(d);
    }
  });
});

it('a config an engine refuses is reported as a failure (the checks can fail)', async () => {
  const d = path.join(dir, 'broken');
  const conf = path.join(d, 'nginx.conf');
  const plan = await planOf('weighted');
  const text = await localiseNginx(exportNginx(plan, { includeSecrets: false }).text, d, []);
  await writeFile(conf, text.replace('least_conn;', 'least_conn').replace('keepalive 64;', 'keepalive sixty-four;'));
  await expect(check('nginx', ['-t', '-c', conf, '-e', path.join(d, 'error.log')])).rejects.toThrow(/nginx -t/);
});
