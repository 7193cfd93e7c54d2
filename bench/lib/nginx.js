// Run nginx from a config template in bench/nginx/, entirely inside a temp
// prefix: config, pid, error log and temp paths all live there, so nothing
// under /etc or /var is touched and several instances can run side by side.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, runCommand } from './processes.js';
import { waitForPort } from './ports.js';

const TEMPLATE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../nginx');
export const NGINX_BIN = process.env.BENCH_NGINX ?? (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

export async function nginxVersion() {
  try {
    const { stderr, stdout } = await runCommand(NGINX_BIN, ['-v'], { timeoutMs: 5000 });
    return (stderr || stdout).trim().replace(/^nginx version:\s*/, '');
  } catch {
    return null;
  }
}

export function renderTemplate(text, vars) {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (m, key) => {
    if (!(key in vars)) throw new Error(`nginx template: no value for {{${key}}}`);
    return String(vars[key]);
  });
}

/**
 * Start nginx with bench/nginx/<template> in its own prefix directory.
 * vars fill the template; PREFIX, USER and TEMP_PATHS are provided here.
 * waitPorts: ports to poll until they accept connections.
 * Returns the process handle (stop() sends SIGTERM: fast shutdown incl. workers).
 */
export async function startNginx({ template, prefix, vars, waitPorts = [], name = 'nginx', timeoutMs = 10000 }) {
  fs.mkdirSync(prefix, { recursive: true });
  const tempPaths = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${path.join(prefix, `${kind}_temp`)};`)
    .join('\n    ');
  // As root, nginx would switch its workers to `nobody`; keep them root so they
  // can use the temp dirs created here. Not root: the directive only warns.
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const conf = renderTemplate(fs.readFileSync(path.join(TEMPLATE_DIR, template), 'utf8'), {
    ...vars,
    PREFIX: prefix,
    USER: isRoot ? 'user root;' : '',
    TEMP_PATHS: tempPaths,
  });
  const confFile = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(confFile, conf);
  const proc = startProcess(
    NGINX_BIN,
    ['-p', prefix + '/', '-c', confFile, '-e', path.join(prefix, 'error.log')],
    { name, logFile: path.join(prefix, 'stdio.log'), stopSignal: 'SIGTERM' },
  );
  try {
    for (const port of waitPorts) await waitForPort(port, { timeoutMs, alive: () => proc.alive() });
  } catch (err) {
    await proc.stop();
    let log = proc.logTail();
    try {
      log += fs.readFileSync(path.join(prefix, 'error.log'), 'utf8').slice(-2000);
    } catch {
      /* no error log yet */
    }
    throw new Error(`${name}: ${err.message}${log ? `\n${log.trim()}` : ''}`);
  }
  return proc;
}
