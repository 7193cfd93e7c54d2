/**
 * A forward-proxy listener (`mode: forward`): absolute-form HTTP requests and
 * CONNECT tunnels from allowed clients (loopback unless `allowClients` widens
 * it). Like the HTTP listener it reads the current plan on every request, so
 * intercept patterns, credentials and the parent proxy change on apply
 * without a rebind. Decrypted connections of intercepted tunnels are parsed
 * by an internal server that never listens.
 */
import http from 'node:http';
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
import { answerAndClose } from '../forward/raw-answer.js';
import { answerClientError } from './http-listener.js';

export class ForwardListener {
  readonly server: http.Server;
  /** Parses the decrypted side of intercepted tunnels. */
  private readonly decrypted: http.Server;
  private readonly agents = new OriginAgents();
  private readonly sockets = new Set<Socket>();
  private address: AddressInfo | null = null;

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
      handleForwardUpgrade(req, socket, head, lp, state, ctx);
    };
    this.server = http.createServer(options, onRequest);
    this.server.on('upgrade', onUpgrade);
    this.server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const state = getState();
      const lp = current(state);
      const client = socket as Socket;
      if (!this.admits(lp, client)) return refuse(client, lp, client);
      void handleConnect(req, client, head, lp, state, { agents: this.agents, server: this.decrypted, track: (s) => this.track(s) });
    });
    this.server.on('clientError', answerClientError);
    this.server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      this.track(socket);
      setForwardContext(socket, direct);
    });
    this.decrypted = http.createServer({ ...options, requireHostHeader: true }, onRequest);
    this.decrypted.on('upgrade', onUpgrade);
    this.decrypted.on('clientError', answerClientError);
  }

  private admits(lp: ListenerPlan, socket: Socket): boolean {
    return clientAllowed(lp.allowClients, socket.remoteAddress ?? '');
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.plan.host, port: this.plan.port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.address = this.server.address() as AddressInfo;
        resolve(this.address);
      });
    });
  }

  get boundAddress(): AddressInfo | null {
    return this.address;
  }

  /** As HttpListener.close; tunnels count as in-flight until the grace period ends. */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.decrypted.close();
    const idleSweep = setInterval(() => {
      this.server.closeIdleConnections();
      this.decrypted.closeIdleConnections();
    }, 50);
    this.server.closeIdleConnections();
    const deadline = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    await closed;
    clearInterval(idleSweep);
    clearTimeout(deadline);
    for (const s of this.sockets) s.destroy();
    await this.agents.close();
  }
}

function refuse(socket: Duplex, lp: ListenerPlan, client: Socket): void {
  answerAndClose(
    socket,
    new SwitchyardError('FORBIDDEN', `Client ${client.remoteAddress ?? '?'} may not use forward listener "${lp.name}" (allowClients: ${lp.allowClients.join(', ')}).`),
  );
}
