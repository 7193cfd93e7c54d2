/**
 * A TLS listener: HTTP/1.1, and HTTP/2 through ALPN when `http2` is on, both
 * through the same pipeline as plain HTTP. A plain TCP server accepts the
 * connections and sniffs the first byte (see tls-sniffer.ts) before handing them
 * to the TLS server, which therefore never listens itself.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { continueOnFirstRead } from '../pipeline/expect-continue.js';
import { handleRequest } from '../pipeline/handle-request.js';
import { handleUpgrade } from '../pipeline/websocket.js';
import { OpenWebSockets } from '../pipeline/websocket-go-away.js';
import type { CertificateService } from '../tls/certificate-service.js';
import { markHandshake } from '../tls/connection-info.js';
import { modernContextOptions } from '../tls/modern-tls.js';
import { openServerCertificates, type Credentials, type ServerCertificates } from '../tls/server-certificates.js';
import { ignoresUpgrade, serveWithoutUpgrade } from './ignored-upgrade.js';
import { closeIdleSessions } from './h2-idle-sessions.js';
import { adaptHttp2Request } from './http2-request.js';
import { answerClientError, endKeepAlive, listenExclusive, refuseConnect } from './server-lifecycle.js';
import { sniffTls } from './tls-sniffer.js';

type TlsHttpServer = https.Server | http2.Http2SecureServer;
type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

export class HttpsListener {
  private readonly front: net.Server;
  private server: TlsHttpServer | null = null;
  private certs: ServerCertificates | null = null;
  private address: AddressInfo | null = null;
  private readonly rawSockets = new Set<Socket>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  /** In-flight HTTP/1.1 requests per TLS socket, so idle keep-alive sockets can be closed at once. */
  private readonly inflight = new Map<Socket, number>();
  /** Accept time per client address:port, for the handshake timing phase. */
  private readonly acceptedAt = new Map<string, number>();
  private closing = false;
  /** WebSockets spliced on this listener's connections. */
  private readonly openWebSockets = new OpenWebSockets();

  constructor(
    readonly plan: ListenerPlan & { tls: NonNullable<ListenerPlan['tls']> },
    private readonly getState: () => EngineState,
    private readonly certificates: CertificateService,
  ) {
    const timeout = plan.limits.headersTimeoutMs;
    this.front = net.createServer((socket) => {
      socket.setNoDelay(true);
      this.rawSockets.add(socket);
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.once('close', () => {
        this.rawSockets.delete(socket);
        this.acceptedAt.delete(key);
      });
      sniffTls(socket, timeout, (s) => {
        this.acceptedAt.set(key, performance.now());
        this.server?.emit('connection', s);
      });
    });
  }

  async listen(): Promise<AddressInfo> {
    const lp = this.plan;
    this.certs = await openServerCertificates(lp, this.certificates, (d) => this.replaceDefaults(d));
    const server = this.createServer(this.certs);
    this.server = server;
    let address: AddressInfo;
    try {
      address = await listenExclusive(this.front, lp);
    } catch (err) {
      this.certs.close();
      throw err;
    }
    // The HTTP layer starts its connection bookkeeping (header timeouts, idle tracking) on 'listening'.
    server.emit('listening');
    this.address = address;
    this.certificates.tlsPorts.set(lp.name, this.address.port);
    return this.address;
  }

  get boundAddress(): AddressInfo | null {
    return this.address;
  }

  private createServer(certs: ServerCertificates): TlsHttpServer {
    const lp = this.plan;
    const options = {
      ...modernContextOptions(lp.tls.minVersion),
      ...certs.defaults,
      SNICallback: certs.sniCallback,
      handshakeTimeout: lp.limits.headersTimeoutMs,
      maxHeaderSize: lp.limits.maxHeaderSize + lp.limits.maxUrlLength,
    };
    const onRequest = (req: AnyRequest, res: AnyResponse) => this.onRequest(req, res);
    let server: TlsHttpServer;
    if (lp.http2) {
      const h2 = http2.createSecureServer({
        ...options,
        allowHTTP1: true,
        settings: { maxHeaderListSize: options.maxHeaderSize },
      });
      h2.on('request', onRequest);
      h2.on('session', (session: http2.ServerHttp2Session) => {
        this.sessions.add(session);
        session.once('close', () => this.sessions.delete(session));
      });
      // HTTP/1.1 fallback settings, read by node's HTTP/1 layer from the server object.
      Object.assign(h2, { headersTimeout: lp.limits.headersTimeoutMs, requestTimeout: 0, keepAliveTimeout: lp.limits.keepAliveTimeoutMs });
      closeIdleSessions(h2, Math.max(lp.limits.keepAliveTimeoutMs, 30_000));
      server = h2;
    } else {
      server = https.createServer(
        {
          ...options,
          ALPNProtocols: ['http/1.1'],
          headersTimeout: lp.limits.headersTimeoutMs,
          requestTimeout: 0,
          keepAliveTimeout: lp.limits.keepAliveTimeoutMs,
          connectionsCheckingInterval: 1000,
          // The pipeline answers a missing Host with a 400 problem; node's own check answers a bare 400.
          requireHostHeader: false,
        },
        onRequest,
      );
    }
    server.on('checkContinue', (req: AnyRequest, res: AnyResponse) => {
      continueOnFirstRead(req, res);
      this.onRequest(req, res);
    });
    // Any other Expect value: the pipeline answers it (a 417 problem, recorded), not node's bare 417.
    server.on('checkExpectation', onRequest);
    server.on('secureConnection', (socket: TLSSocket) => {
      const started = this.acceptedAt.get(`${socket.remoteAddress}:${socket.remotePort}`);
      if (started !== undefined) markHandshake(socket, performance.now() - started);
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      // The TLS server's HTTP/1.1 layer takes connections on 'secureConnection'.
      if (ignoresUpgrade(req)) return serveWithoutUpgrade(req, socket, head, (s) => server.emit('secureConnection', s));
      // An upgraded connection is in flight until it closes: a close lets it go away rather than cutting it.
      const tlsSocket = socket as Socket;
      this.inflight.set(tlsSocket, (this.inflight.get(tlsSocket) ?? 0) + 1);
      tlsSocket.once('close', () => this.requestDone(tlsSocket));
      const state = this.getState();
      handleUpgrade(req, socket, head, this.current(state), state, this.openWebSockets);
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, lp.limits.maxUrlLength));
    // An HTTP/2 server's 'connect' is for HTTP/2 CONNECT streams, which node answers with 405 itself.
    if (!lp.http2) server.on('connect', refuseConnect);
    // Failed handshakes (truncated, wrong protocol, no shared cipher): node closes the socket; nothing to answer.
    server.on('tlsClientError', () => undefined);
    return server;
  }

  private current(state: EngineState): ListenerPlan {
    return state.listeners.get(this.plan.name) ?? this.plan;
  }

  private onRequest(req: AnyRequest, res: AnyResponse): void {
    if (req.httpVersionMajor === 2) {
      adaptHttp2Request(req as http2.Http2ServerRequest);
    } else {
      const socket = req.socket;
      this.inflight.set(socket, (this.inflight.get(socket) ?? 0) + 1);
      // While closing, no response promises keep-alive (see endKeepAlive).
      if (this.closing) (res as http.ServerResponse).shouldKeepAlive = false;
      res.once('close', () => this.requestDone(socket));
    }
    const state = this.getState();
    // The compat objects stand in for IncomingMessage/ServerResponse (see http2-request.ts).
    handleRequest(req as http.IncomingMessage, res as http.ServerResponse, this.current(state), state);
  }

  private requestDone(socket: Socket): void {
    const n = (this.inflight.get(socket) ?? 1) - 1;
    if (n > 0) {
      this.inflight.set(socket, n);
      return;
    }
    this.inflight.delete(socket);
    if (this.closing) socket.destroy();
  }

  private replaceDefaults(defaults: Credentials): void {
    this.server?.setSecureContext({ ...modernContextOptions(this.plan.tls.minVersion), ...defaults });
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then
   * cuts what is left. Idle HTTP/1.1 connections close at once; HTTP/2 sessions
   * get a GOAWAY and close when their streams are done; WebSockets are told
   * to go away.
   */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    this.openWebSockets.goAway();
    endKeepAlive(this.inflight.keys());
    if (this.certificates.tlsPorts.get(this.plan.name) === this.address?.port) this.certificates.tlsPorts.delete(this.plan.name);
    this.certs?.close();
    const closed = new Promise<void>((resolve) => this.front.close(() => resolve()));
    const server = this.server;
    // Never listened itself: close() only runs the HTTP layer's shutdown (its callback reports "not running").
    server?.close(() => undefined);
    for (const session of this.sessions) session.close();
    for (const s of this.rawSockets) if (!this.hasInflight(s)) s.destroy();
    const deadline = setTimeout(() => {
      for (const session of this.sessions) session.destroy();
      for (const s of this.rawSockets) s.destroy();
    }, graceMs);
    await closed;
    clearTimeout(deadline);
  }

  private hasInflight(raw: Socket): boolean {
    for (const session of this.sessions) if (sameConnection(session.socket, raw)) return true;
    for (const socket of this.inflight.keys()) if (sameConnection(socket, raw)) return true;
    return false;
  }
}

function sameConnection(a: Socket, b: Socket): boolean {
  return a.remotePort === b.remotePort && a.remoteAddress === b.remoteAddress;
}
