/**
 * Electron main process: a thin host for the control service. It owns the
 * window, the security boundary (sandboxed renderer, CSP, navigation and
 * permission lockdown, sender-frame checks) and the IPC transport; all proxy
 * logic lives in src-proxy.
 */
import path from 'node:path';
import { app, BrowserWindow, session } from 'electron';
import { contentSecurityPolicy } from './csp.js';
import { registerControlIpc, type ControlCaller } from './ipc.js';
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

/**
 * The desktop shell's own service. It answers `app.info` so the renderer can
 * prove the IPC path end to end; the engine's control service replaces it
 * when the workbench issue wires src-proxy into this host.
 */
const shellService: ControlCaller = {
  async call(method) {
    if (method === 'app.info') {
      return {
        name: 'switchyard',
        version: app.getVersion(),
        host: 'electron',
        platform: process.platform,
        versions: {
          electron: process.versions.electron,
          chrome: process.versions.chrome,
          node: process.versions.node,
        },
      };
    }
    throw Object.assign(new Error(`Unknown method: ${method}`), {
      code: 'METHOD_NOT_FOUND',
      status: 404,
      title: 'Unknown method',
    });
  },
};

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
  void app.whenReady().then(start);
}

function start(): void {
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

  registerControlIpc(shellService, isTrustedUrl);

  const open = () =>
    createMainWindow({ preload: path.join(here, '../preload/index.cjs'), url: devRendererUrl ?? APP_URL });
  open();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
}
