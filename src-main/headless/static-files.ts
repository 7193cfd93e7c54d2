/**
 * The built renderer (`out/renderer/`) over HTTP. `index.html` is never
 * cached and carries the Content-Security-Policy; hashed files under
 * `assets/` are cached for a year. Paths are decoded, resolved and checked to
 * stay inside the root (also after following symlinks), so `..` in any
 * spelling is refused.
 */
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { projectRoot } from '../../src-proxy/project-root.js';
import { problem, SECURITY_HEADERS, sendProblem } from './responses.js';

export function defaultRendererDir(): string {
  return path.join(projectRoot(), 'out', 'renderer');
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The page's policy; `host` is the already-validated Host header (the WebSocket lives on the same origin). */
export function workbenchCsp(host: string): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://${host}`,
    "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'",
    "worker-src 'self' blob:",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The workbench is not built</h1>
<p>The gateway and its control API are running, but the browser app has not been built yet.
Run <code>npm run build:app</code> in the Switchyard directory, then reload this page.</p>
</body></html>
`;

export class StaticFiles {
  private readonly root: string;
  private realRoot: string | null = null;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string, host: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendProblem(res, problem('METHOD_NOT_ALLOWED', `${req.method} is not allowed here.`, { Allow: 'GET, HEAD' }));
      return;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      sendProblem(res, problem('BAD_REQUEST', 'Malformed path.'));
      return;
    }
    if (decoded.includes('\0')) {
      sendProblem(res, problem('BAD_REQUEST', 'Malformed path.'));
      return;
    }
    const indexFile = path.join(this.root, 'index.html');
    if (!existsSync(indexFile)) {
      this.sendNotBuilt(req, res);
      return;
    }
    const wanted = decoded === '/' || decoded === '' ? '/index.html' : decoded;
    // Backslashes are separators on Windows: treat them as such everywhere.
    const file = path.resolve(this.root, '.' + wanted.replaceAll('\\', '/'));
    if (!this.inside(file)) {
      sendProblem(res, problem('FORBIDDEN', 'The path leaves the workbench directory.'));
      return;
    }

    const found = await this.regularFile(file);
    if (found) {
      this.sendFile(req, res, file, found.size, host);
      return;
    }
    // Client-side routes (no extension) get the app; missing assets get a 404.
    if (path.extname(file) === '' && !decoded.startsWith('/assets/')) {
      const index = await this.regularFile(indexFile);
      if (index) {
        this.sendFile(req, res, indexFile, index.size, host);
        return;
      }
    }
    sendProblem(res, problem('NOT_FOUND', 'No such file.'));
  }

  private inside(file: string): boolean {
    const rel = path.relative(this.root, file);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  /** The file's stat when it is a regular file whose real path stays inside the (real) root. */
  private async regularFile(file: string): Promise<{ size: number } | null> {
    try {
      this.realRoot ??= await realpath(this.root);
      const real = await realpath(file);
      const rel = path.relative(this.realRoot, real);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return null;
      const st = await stat(real);
      return st.isFile() ? { size: st.size } : null;
    } catch {
      return null;
    }
  }

  private sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number, host: string): void {
    const rel = path.relative(this.root, file).split(path.sep).join('/');
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'Content-Type': contentType(file),
      'Content-Length': size,
    };
    if (rel === 'index.html') {
      headers['Cache-Control'] = 'no-store';
      headers['Content-Security-Policy'] = workbenchCsp(host);
    } else if (rel.startsWith('assets/')) {
      // Vite puts a content hash in every file name under assets/.
      headers['Cache-Control'] = 'public, max-age=31536000, immutable';
    } else {
      headers['Cache-Control'] = 'no-cache';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  private sendNotBuilt(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(503, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(NOT_BUILT),
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    });
    res.end(req.method === 'HEAD' ? undefined : NOT_BUILT);
  }
}
