// Switchyard from its CLI, as a user runs it: `serve` with a workspace file
// and a data dir of its own under `dir`, on a free loopback port.
import fs from 'node:fs';
import path from 'node:path';
import { startProcess } from './processes.js';
import { backendsUpstream } from './backend.js';
import { freePort } from './ports.js';

/**
 * Writes `workspace(port)` to dir/workspace.yaml and starts `switchyard serve`
 * on it (the caller waits for the port). Returns the process, the port, the
 * command's arguments and the data dir.
 */
export async function launchSwitchyard(ctx, { dir, name = 'switchyard', logFile, workspace }) {
  const { rootDir, settings } = ctx;
  const bin = path.join(rootDir, 'bin', 'switchyard.js');
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const config = path.join(dir, 'workspace.yaml');
  fs.writeFileSync(config, workspace(port));
  const args = [bin, 'serve', '--config', config, '--no-ui', '--data-dir', dataDir, ...settings.switchyardArgs];
  const proc = startProcess(process.execPath, args, { name, cwd: rootDir, logFile: path.join(dir, logFile) });
  return { proc, port, args, dataDir };
}

/** The benchmark's plain workspace: one reverse listener on `port`, one route `path: /` to a round-robin upstream over `backendPorts`. */
export function plainWorkspace(port, backendPorts) {
  return [
    'version: 1',
    'listeners:',
    `  - { name: bench, address: 127.0.0.1:${port}, mode: reverse }`,
    'routes:',
    '  - name: all',
    '    match: { path: / }',
    '    upstream: backends',
    ...backendsUpstream(backendPorts),
    '',
  ].join('\n');
}
