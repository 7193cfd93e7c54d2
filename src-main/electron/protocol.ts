import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { net, protocol } from 'electron';

/**
 * The packaged renderer is served from `app://switchyard/`, not file://: a
 * custom standard scheme gives the workbench its own origin (file:// pages all
 * share one), lets us attach the CSP as a real response header, and confines
 * reads to the renderer's build directory.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'switchyard';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** True for URLs served by {@link serveRenderer}. (WHATWG gives custom schemes an opaque origin, so compare parts.) */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

export function serveRenderer(rootDir: string, csp: string): void {
  const root = path.resolve(rootDir);
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    let pathname: string;
    try {
      const url = new URL(request.url);
      if (url.host !== APP_HOST) return plain(404, 'Not found');
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return plain(400, 'Bad request');
    }
    const file = path.resolve(root, '.' + (pathname === '/' ? '/index.html' : pathname));
    const rel = path.relative(root, file);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return plain(403, 'Forbidden');
    try {
      const res = await net.fetch(pathToFileURL(file).toString());
      const headers = new Headers(res.headers);
      headers.set('Content-Security-Policy', csp);
      headers.set('X-Content-Type-Options', 'nosniff');
      return new Response(res.body, { status: res.status, headers });
    } catch {
      return plain(404, 'Not found');
    }
  });
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}
