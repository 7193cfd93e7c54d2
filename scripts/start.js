#!/usr/bin/env node
// `npm start` (after `npm run build`): open the desktop app when Electron's
// binary is available (fetching it once if it is missing), otherwise run the
// headless workbench (`switchyard serve`) and say why. Extra arguments are
// passed to whichever one starts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'package.json'));
const args = process.argv.slice(2);
const INSTALL_TIMEOUT_MS = 120_000;

/** Directory of the `electron` package, or null when it is not installed. Never requires it: that throws without the binary. */
function electronPackageDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/** Path of the Electron executable if it is present (mirrors electron/index.js), else null. */
function electronBinary(pkgDir) {
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  if (!relative) return null;
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkgDir, 'dist');
  const exe = path.join(distDir, relative);
  return existsSync(exe) ? exe : null;
}

/** One attempt at Electron's own download script. Returns a short reason on failure. */
function installElectron(pkgDir) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  console.log('switchyard: Electron binary not found; trying to download it once (node node_modules/electron/install.js)…');
  const result = spawnSync(process.execPath, [path.join(pkgDir, 'install.js')], {
    cwd: pkgDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: INSTALL_TIMEOUT_MS,
  });
  if (result.error?.code === 'ETIMEDOUT') return `the download did not finish within ${INSTALL_TIMEOUT_MS / 1000} s`;
  if (result.error) return result.error.message;
  if (result.status !== 0) {
    const lines = `${result.stderr}\n${result.stdout}`.split('\n').map((l) => l.trim());
    return lines.find((l) => /error/i.test(l)) ?? lines.find(Boolean) ?? `install.js exited with ${result.status}`;
  }
  return null;
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Run a child with inherited stdio, forward SIGINT/SIGTERM to it, and exit with its status. */
function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
  child.on('error', (err) => {
    console.error(`switchyard: could not start ${command}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      for (const s of ['SIGINT', 'SIGTERM']) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    } else {
      process.exit(code ?? 1);
    }
  });
}

function serve(reason) {
  console.log(
    `switchyard: starting the headless workbench instead of the desktop app, because ${reason}. ` +
      'It offers the same workbench: open the URL it prints below in a browser. ' +
      'To get the desktop app, run `node node_modules/electron/install.js` on a machine that can reach ' +
      "Electron's download host (github.com, or set ELECTRON_MIRROR), then `npm start` again.",
  );
  run(process.execPath, [path.join(root, 'bin', 'switchyard.js'), 'serve', ...args]);
}

function main() {
  const pkgDir = electronPackageDir();
  if (!pkgDir) return serve('the electron package is not installed (npm ci installs it as a devDependency)');

  let exe = electronBinary(pkgDir);
  let failure = null;
  if (!exe) {
    failure = installElectron(pkgDir);
    exe = electronBinary(pkgDir);
  }
  if (!exe) {
    return serve(`there is no Electron binary and downloading it failed (${failure ?? 'no executable after install'})`);
  }
  if (!hasDisplay()) return serve('no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)');
  if (!existsSync(path.join(root, 'out', 'main', 'index.js'))) {
    return serve('the desktop app has not been built (out/main/index.js is missing; `npm run build` builds it)');
  }

  const electronArgs = ['.', ...args];
  if (process.getuid?.() === 0) {
    // Chromium will not start as root with its OS sandbox enabled.
    console.warn('switchyard: running as root, so Chromium\'s OS-level sandbox is off (--no-sandbox); prefer a normal user.');
    electronArgs.unshift('--no-sandbox');
  }
  run(exe, electronArgs);
}

main();
