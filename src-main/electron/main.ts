/**
 * Electron main process: a thin host for the control service. It owns the
 * window, the security boundary (sandboxed renderer, CSP, navigation and
 * permission lockdown, sender-frame checks) and the IPC transport. The engine
 * itself runs in a child Node process, `switchyard serve` on a loopback port
 * (engine-bridge.ts): its native module (better-sqlite3) is built for Node,
 * not for Electron's ABI. Main forwards calls and event batches, offers a
 * restart when the child dies, and stops it on quit.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { defaultDataDir } from '../../src-proxy/cli/data-dir.js';
import { contentSecurityPolicy } from './csp.js';
import { parseDesktopArgs } from './desktop-args.js';
import { EngineBridge } from './engine-bridge.js';
import { registerControlIpc, registerEventsIpc, type EventsIpc } from './ipc.js';
import { nodeCandidates } from './node-binary.js';
import { APP_URL, isAppUrl, registerAppScheme, serveRenderer } from './protocol.js';
import { createMainWindow, hardenWebContents } from './window.js';

const here = import.meta.dirname;
const devRendererUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const devOrigin = devRendererUrl ? new URL(devRendererUrl).origin : undefined;

function isTrustedUrl(url: string): boolean {
  if (isAppUrl(url)) return true;
  if (!devOrigin) return false;
  try {
    return new URL(url).origin === devOrigin;
  } catch {
    return false;
  }
}

/** The engine child gets this long after SIGINT (serve lets in-flight requests finish for up to 10 s) before SIGKILL. */
const GRACE_MS = 12_000;
let bridge: EngineBridge | null = null;
let eventsIpc: EventsIpc | null = null;
let stopping = false;
let dialogOpen = false;

registerAppScheme();
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isTrustedUrl));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Quit waits for the engine child: listeners close, in-flight requests finish, history is flushed.
  app.on('before-quit', (event) => {
    if (stopping || bridge === null) return;
    event.preventDefault();
    stopping = true;
    eventsIpc?.close();
    void bridge
      .stop()
      .catch((err: unknown) => console.error('switchyard: engine shutdown failed:', err))
      .finally(() => app.quit());
  });
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);

  serveRenderer(path.join(here, '../renderer'), contentSecurityPolicy());
  if (devOrigin) {
    // The Vite dev server sends no CSP of its own; add the (HMR-relaxed) one.
    const csp = contentSecurityPolicy({ dev: true });
    ses.webRequest.onHeadersReceived({ urls: [`${devOrigin}/*`] }, (details, callback) => {
      const headers = Object.fromEntries(
        Object.entries(details.responseHeaders ?? {}).filter(([k]) => k.toLowerCase() !== 'content-security-policy'),
      );
      callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [csp] } });
    });
  }

  // Arguments after the app path, as `npm start -- --config FILE` passes them.
  const args = parseDesktopArgs(process.argv.slice(1));
  bridge = new EngineBridge({
    // out/main/ → the package root, where bin/switchyard.js and dist/ are (not app.getAppPath():
    // that is out/main/ when Electron is started with the script's path, as the e2e spec does).
    appRoot: path.resolve(here, '..', '..'),
    args,
    dataDir: path.resolve(args.dataDir ?? defaultDataDir()),
    nodes: nodeCandidates(process.env),
    graceMs: GRACE_MS,
  });
  registerControlIpc(ipcMain, bridge, isTrustedUrl);
  eventsIpc = registerEventsIpc(ipcMain, bridge.events, isTrustedUrl);
  bridge.onState((s) => {
    if (s.state === 'crashed' && !stopping) void offerRestart('The Switchyard engine stopped', s.message, 'Restart engine');
  });

  const open = () =>
    createMainWindow({ preload: path.join(here, '../preload/index.cjs'), url: devRendererUrl ?? APP_URL });
  open();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
  // The window loads while the engine starts; calls made meanwhile wait for it.
  startEngine();
}

function startEngine(): void {
  bridge?.start().catch((err: unknown) => {
    void offerRestart('Switchyard could not start its engine', err instanceof Error ? err.message : String(err), 'Retry');
  });
}

/**
 * A window-modal error with the reason (the child's stderr tail included)
 * and a way out: start the engine again, or quit. Until then every call from
 * the workbench answers 503 ENGINE_UNAVAILABLE with the same reason.
 */
async function offerRestart(title: string, detail: string, retryLabel: string): Promise<void> {
  if (dialogOpen || stopping) return;
  dialogOpen = true;
  const options = { type: 'error' as const, title, message: title, detail, buttons: [retryLabel, 'Quit'], defaultId: 0, cancelId: 1, noLink: true };
  // Attached to the window when it is on screen (a sheet on macOS); a failure before it shows gets a free-standing box.
  const win = BrowserWindow.getAllWindows().find((w) => w.isVisible());
  const { response } = await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options)).finally(() => (dialogOpen = false));
  if (response === 0) startEngine();
  else app.quit();
}
