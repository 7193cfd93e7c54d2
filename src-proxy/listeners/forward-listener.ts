/**
 * A forward-proxy listener (`mode: forward`): absolute-form HTTP requests and
 * CONNECT tunnels from allowed clients (loopback unless `allowClients` widens
 * it). Like the HTTP listener it reads the current plan on every request, so
 * intercept patterns, credentials and the parent proxy change on apply
 * without a rebind. Decrypted connections of intercepted tunnels are parsed
 * by internal servers that never listen, one for HTTP/1.1 and one for h2.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError } from '../errors.js';
import { clientAllowed } from '../forward/client-allow-list.js';
import { handleConnect } from '../forward/connect-handler.js';
import { forwardContext, setForwardContext, type ForwardContext } from '../forward/forward-context.js';
import { handleForwardRequest } from '../forward/forward-request.js';
import { handleForwardUpgrade } from '../forward/forward-upgrade.js';
import { OriginAgents } from '../forward/origin-agents.js';
import { answerAndClose } from '../pipeline/raw-answer.js';
import { closeIdleSessions } from './h2-idle-sessions.js';
import { adaptHttp2Request } from './http2-request.js';
import { answerClientError, ServerLifecycle } from './server-lifecycle.js';

export class ForwardListener {
  readonly server: http.Server;
  /** Parse the decrypted side of intercepted tunnels. */
  private readonly decrypted: http.Server;
  private readonly decryptedH2: http2.Http2Server;
  /** Open h2 sessions of intercepted tunnels. */
  private readonly h2Sessions = new Set<http2.ServerHttp2Session>();
  private readonly agents = new OriginAgents();
  private readonly lifecycle: ServerLifecycle;

  constructor(
    readonly plan: ListenerPlan,
    getState: () => EngineState,
  ) {
    const name = plan.name;
    const current = (state: EngineState) => state.listeners.get(name) ?? plan;
    const options: http.ServerOptions = {
      maxHeaderSize: plan.limits.maxHeaderSize + plan.limits.maxUrlLength,
      headersTimeout: plan.limits.headersTimeoutMs,
      requestTimeout: 0,
      keepAliveTimeout: plan.limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: 1000,
      requireHostHeader: false, // absolute-form requests carry their host in the target
    };
    const direct: ForwardContext = { agents: this.agents, tunnel: null };
    const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const state = getState();
      const lp = current(state);
      const ctx = forwardContext(req.socket) ?? direct;
      if (ctx.tunnel === null && !this.admits(lp, req.socket)) return refuse(res.socket ?? req.socket, lp, req.socket);
      handleForwardRequest(req, res, lp, state, ctx);
    };
    const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const state = getState();
      const lp = current(state);
      const ctx = forwardContext(req.socket) ?? direct;
      if (ctx.tunnel === null && !this.admits(lp, req.socket)) return refuse(socket, lp, req.socket);
      handleForwardUpgrade(req, socket, head, lp, state, ctx, this.lifecycle.openWebSockets);
    };
    this.server = http.createServer(options, onRequest);
    // Any other Expect value than 100-continue: the pipeline answers it (a 417 problem, recorded).
    this.server.on('checkExpectation', onRequest);
    this.server.on('upgrade', onUpgrade);
    this.server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const state = getState();
      const lp = current(state);
      const client = socket as Socket;
      if (!this.admits(lp, client)) return refuse(client, lp, client);
      void handleConnect(req, client, head, lp, state, {
        agents: this.agents,
        servers: { http1: this.decrypted, h2: this.decryptedH2 },
        track: (s) => this.lifecycle.track(s),
      });
    });
    this.lifecycle = new ServerLifecycle(this.server, plan);
    this.server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      setForwardContext(socket, direct);
    });
    this.decrypted = http.createServer(options, onRequest);
    this.decrypted.on('checkExpectation', onRequest);
    this.decrypted.on('upgrade', onUpgrade);
    this.decrypted.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, plan.limits.maxUrlLength));
    this.decryptedH2 = http2.createServer({ settings: { maxHeaderListSize: options.maxHeaderSize } });
    // Idle h2 sessions inside tunnels are closed, as on TLS listeners.
    closeIdleSessions(this.decryptedH2, Math.max(plan.limits.keepAliveTimeoutMs, 30_000));
    this.decryptedH2.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      adaptHttp2Request(req);
      // The compat objects stand in for IncomingMessage/ServerResponse (see http2-request.ts).
      onRequest(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse);
    });
    this.decryptedH2.on('session', (session: http2.ServerHttp2Session) => {
      this.h2Sessions.add(session);
      session.once('close', () => this.h2Sessions.delete(session));
    });
  }

  private admits(lp: ListenerPlan, socket: Socket): boolean {
    return clientAllowed(lp.allowClients, socket.remoteAddress ?? '');
  }

  async listen(): Promise<AddressInfo> {
    const address = await this.lifecycle.listen();
    // The decrypted server never listens, but node's HTTP layer starts its connection
    // bookkeeping (headersTimeout, idle sweeps on close) on 'listening': without it a
    // client inside a tunnel could hold its connection with half a request forever.
    this.decrypted.emit('listening');
    return address;
  }

  get boundAddress(): AddressInfo | null {
    return this.lifecycle.boundAddress;
  }

  /** As HttpListener.close; tunnels count as in-flight until the grace period ends. */
  async close(graceMs: number): Promise<void> {
    // h2 sessions get a GOAWAY: no new streams, the open ones finish (the tunnel sockets are cut at the deadline).
    for (const session of this.h2Sessions) session.close();
    await this.lifecycle.close(graceMs, [this.decrypted]);
    await this.agents.close();
  }
}

function refuse(socket: Duplex, lp: ListenerPlan, client: Socket): void {
  answerAndClose(
    socket,
    new SwitchyardError('FORBIDDEN', `Client ${client.remoteAddress ?? '?'} may not use forward listener "${lp.name}" (allowClients: ${lp.allowClients.join(', ')}).`),
  );
}
