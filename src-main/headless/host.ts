/**
 * The headless workbench host behind `switchyard serve`: the control service
 * over loopback HTTP (`POST /api/rpc/<method>`), the engine's events over a
 * WebSocket (`GET /api/events`) and the built renderer as static files.
 *
 * Every request passes the Host check (DNS rebinding) and, when it carries an
 * Origin, the same-origin check (CSRF); every /api request needs the session
 * token. See auth.ts, rpc.ts, events-socket.ts and static-files.ts.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_UI_PORT, type StartUi, type UiHost } from '../../src-proxy/cli/serve-command.js';
import { allowedHosts, bearerToken, checkHost, checkOrigin, generateToken, tokensEqual, webSocketToken } from './auth.js';
import { EventsSocket, type BatchOptions } from './events-socket.js';
import { problem, rejectUpgrade, sendProblem, type HttpProblem } from './responses.js';
import { handleRpc, RPC_PREFIX } from './rpc.js';
import { defaultRendererDir, StaticFiles } from './static-files.js';

export const EVENTS_PATH = '/api/events';

export type HeadlessHostOptions = Parameters<StartUi>[0] & {
  /** Where the built renderer lives (default: `<package>/out/renderer`). */
  rendererDir?: string;
  /**
   * When the port is taken, take a free one instead (and say so in `note`).
   * Default: only for the default port, so an explicit `--ui-port` fails loudly.
   */
  fallbackOnPortInUse?: boolean;
  /** Event batching and slow-client limits (tests shorten them). */
  events?: BatchOptions & { maxClients?: number };
  /** Where unexpected errors are reported (default: stderr). */
  log?: (message: string) => void;
};

export interface HeadlessHost extends UiHost {
  /** `http://127.0.0.1:PORT/?token=TOKEN`: open it in a browser. */
  url: string;
  /** The origin without the token, e.g. `http://127.0.0.1:PORT`. */
  origin: string;
  host: string;
  port: number;
  token: string;
  /** Set when something did not go as asked (e.g. the default port was taken). */
  note?: string;
  /** Connected event-stream clients (for tests and diagnostics). */
  readonly eventClients: number;
  close(): Promise<void>;
}

export async function startHeadlessHost(opts: HeadlessHostOptions): Promise<HeadlessHost> {
  const bindHost = opts.host ?? '127.0.0.1';
  const token = opts.token ?? generateToken();
  // An empty token would match the empty sub-protocol token `switchyard.token.`.
  if (token.trim() === '') throw new Error('the session token must not be empty');
  const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
  const statics = new StaticFiles(opts.rendererDir ?? defaultRendererDir());
  const events = new EventsSocket(opts.engine.events, opts.events);
  let hosts = new Set<string>();

  const server = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refusal = gate(req);
    if ('problem' in refusal) {
      req.resume();
      sendProblem(res, refusal.problem);
      return;
    }
    const { pathname, host } = refusal;
    if (pathname === '/api' || pathname.startsWith('/api/')) {
      if (!authorised(bearerToken(req))) {
        req.resume();
        sendProblem(res, unauthorised());
        return;
      }
      const requestId = randomUUID();
      if (pathname.startsWith(RPC_PREFIX)) {
        handleRpc(req, res, pathname, { control: opts.control, requestId, log }).catch((err: unknown) => {
          log(`workbench: request ${requestId} failed: ${(err as Error).message}`);
          res.destroy();
        });
      } else if (pathname === EVENTS_PATH) {
        req.resume();
        sendProblem(res, problem('UPGRADE_REQUIRED', `${EVENTS_PATH} is a WebSocket.`, { Upgrade: 'websocket', Connection: 'Upgrade' }));
      } else {
        req.resume();
        sendProblem(res, problem('NOT_FOUND', 'No such API endpoint.', undefined, requestId));
      }
      return;
    }
    statics.handle(req, res, pathname, host).catch((err: unknown) => {
      log(`workbench: static file failed: ${(err as Error).message}`);
      if (!res.headersSent) sendProblem(res, problem('INTERNAL', 'Could not serve the file.'));
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const refusal = gate(req);
    if ('problem' in refusal) return rejectUpgrade(socket, refusal.problem);
    if (refusal.pathname !== EVENTS_PATH) return rejectUpgrade(socket, problem('NOT_FOUND', 'No WebSocket here.'));
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return rejectUpgrade(socket, problem('BAD_REQUEST', 'Only WebSocket upgrades are supported.'));
    }
    const offered = webSocketToken(req, new URL(req.url ?? '/', 'http://localhost'));
    if (!authorised(offered?.token ?? null)) return rejectUpgrade(socket, unauthorised(true));
    if (events.full) return rejectUpgrade(socket, problem('TOO_MANY_CLIENTS', 'Too many event-stream clients are connected.'));
    events.upgrade(req, socket, head);
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  /** Host (DNS rebinding), Origin (CSRF) and request-target checks shared by requests and upgrades. */
  function gate(req: IncomingMessage): { pathname: string; host: string } | { problem: HttpProblem } {
    const host = checkHost(req, hosts);
    if (host === null) {
      return { problem: problem('FORBIDDEN', 'The Host header does not name this server (DNS rebinding protection).') };
    }
    if (!checkOrigin(req, host)) {
      return { problem: problem('FORBIDDEN', 'Cross-origin requests are not allowed.') };
    }
    const target = req.url ?? '';
    if (!target.startsWith('/')) return { problem: problem('BAD_REQUEST', 'Expected an origin-form request target.') };
    const q = target.indexOf('?');
    return { pathname: q === -1 ? target : target.slice(0, q), host };
  }

  function authorised(given: string | null): boolean {
    return given !== null && tokensEqual(given, token);
  }

  function unauthorised(ws = false): HttpProblem {
    return problem(
      'UNAUTHORIZED',
      ws
        ? 'A session token is required: pass ?token=… or the sub-protocol switchyard.token.<token>.'
        : 'A session token is required: send Authorization: Bearer <token> (the token is in the URL that `switchyard serve` printed).',
      ws ? undefined : { 'WWW-Authenticate': 'Bearer realm="switchyard"' },
    );
  }

  const fallback = opts.fallbackOnPortInUse ?? opts.port === DEFAULT_UI_PORT;
  let note: string | undefined;
  try {
    await listen(server, opts.port, bindHost);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && fallback && opts.port !== 0) {
      await listen(server, 0, bindHost);
      note = `port ${opts.port} is in use; the workbench took port ${(server.address() as AddressInfo).port} instead`;
    } else {
      throw new Error(`cannot start the workbench on ${bindHost}:${opts.port}: ${code ?? (err as Error).message}`, { cause: err });
    }
  }
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(bindHost, port);

  const urlHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  const origin = `http://${urlHost}:${port}`;
  let closing: Promise<void> | null = null;

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    host: bindHost,
    port,
    token,
    ...(note ? { note } : {}),
    get eventClients() {
      return events.clientCount;
    },
    close() {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await events.close();
        server.closeAllConnections();
        await serverClosed;
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host, exclusive: true });
  });
}
