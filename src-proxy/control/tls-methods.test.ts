import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Engine } from '../engine.js';
import { ControlService, type ControlDeps } from './control-service.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sy-ca-info-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('ca.info reports the engine CA without creating it, then its details once it exists', async () => {
  const engine = new Engine({ dataDir: dir });
  const control = new ControlService({ engine } as ControlDeps);
  const before = (await control.call('ca.info', {})) as Record<string, unknown>;
  expect(before).toMatchObject({ path: join(dir, 'ca', 'switchyard-ca.pem'), exists: false, subject: null, notAfter: null, fingerprint256: null });
  expect(before.installHelp).toContain('NODE_EXTRA_CA_CERTS');

  await engine.certificates.localCa();
  const after = (await control.call('ca.info', {})) as Record<string, unknown>;
  expect(after.exists).toBe(true);
  expect(after.subject).toContain('CN=Switchyard Local CA');
  expect(after.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  expect(Number.isNaN(Date.parse(after.notAfter as string))).toBe(false);
  await expect(control.call('ca.info', { extra: 1 })).rejects.toThrow(/Invalid arguments/);
});
