/**
 * The workbench's Content-Security-Policy: one source for the response header
 * (Electron's app:// handler, the dev-server hook in main) and for the <meta>
 * tag that the renderer build writes into index.html. Pure data, no Electron
 * import, so build config and the headless host can use it too.
 *
 * No remote origin is allowed anywhere, and there is no 'unsafe-eval' and
 * no inline *script* in production. The Monaco editor needs two things:
 * `worker-src 'self'` for its bundled language workers (editor + YAML), and
 * `style-src 'unsafe-inline'` because it injects <style> elements at runtime
 * (theme colours, decorations). Monaco does not need 'unsafe-eval' when its
 * workers are bundled, so it stays out.
 */
export interface CspOptions {
  /** Vite dev server: HMR needs inline scripts/styles and its WebSocket. */
  dev?: boolean;
  /** The <meta> form: browsers ignore frame-ancestors there, so omit it. */
  meta?: boolean;
}

export function contentSecurityPolicy(options: CspOptions = {}): string {
  const { dev = false, meta = false } = options;
  const directives: Array<[string, string]> = [
    ['default-src', "'none'"],
    ['script-src', dev ? "'self' 'unsafe-inline'" : "'self'"],
    ['style-src', "'self' 'unsafe-inline'"],
    ['worker-src', "'self'"],
    ['img-src', "'self' data:"],
    ['font-src', "'self'"],
    ['connect-src', dev ? "'self' ws://localhost:* ws://127.0.0.1:*" : "'self'"],
    ['base-uri', "'none'"],
    ['form-action', "'none'"],
    ['object-src', "'none'"],
  ];
  if (!meta) directives.push(['frame-ancestors', "'none'"]);
  return directives.map(([name, value]) => `${name} ${value}`).join('; ');
}
