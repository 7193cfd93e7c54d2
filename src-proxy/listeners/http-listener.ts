/**
 * A plain HTTP/1.1 listener. The server is created once per bound address;
 * which plan it serves is read from the engine on every request, so applying a
 * config never needs to rebind an unchanged listener.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { continueOnFirstRead } from '../pipeline/expect-continue.js';
import { handleRequest } from '../pipeline/handle-request.js';
import { handleUpgrade } from '../pipeline/websocket.js';
import { ignoresUpgrade, serveWithoutUpgrade } from './ignored-upgrade.js';
import { refuseConnect, ServerLifecycle } from './server-lifecycle.js';

export class HttpListener {
  readonly server: http.Server;
  private readonly lifecycle: ServerLifecycle;

  constructor(
    readonly plan: ListenerPlan,
    getState: () => EngineState,
  ) {
    const name = plan.name;
    const current = (state: EngineState) => state.listeners.get(name) ?? plan;
    this.server = http.createServer(
      {
        // Leave room above the header limit so an over-long URL is answered
        // with 414 by the pipeline rather than 431 by the parser.
        maxHeaderSize: plan.limits.maxHeaderSize + plan.limits.maxUrlLength,
        headersTimeout: plan.limits.headersTimeoutMs,
        requestTimeout: 0, // Large uploads may take long; idle sockets are bounded by keepAliveTimeout.
        keepAliveTimeout: plan.limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: 1000,
        // The pipeline answers a missing Host with a 400 problem; node's own check answers a bare 400.
        requireHostHeader: false,
      },
      (req, res) => {
        const state = getState();
        handleRequest(req, res, current(state), state);
      },
    );
    this.server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      continueOnFirstRead(req, res);
      const state = getState();
      handleRequest(req, res, current(state), state);
    });
    // Any other Expect value: the pipeline answers it (a 417 problem, recorded), not node's bare 417.
    this.server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const state = getState();
      handleRequest(req, res, current(state), state);
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (ignoresUpgrade(req)) return serveWithoutUpgrade(req, socket, head, (s) => this.server.emit('connection', s));
      const state = getState();
      handleUpgrade(req, socket, head, current(state), state, this.lifecycle.openWebSockets);
    });
    this.server.on('connect', refuseConnect);
    this.lifecycle = new ServerLifecycle(this.server, plan);
    this.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
  }

  listen(): Promise<AddressInfo> {
    return this.lifecycle.listen();
  }

  get boundAddress(): AddressInfo | null {
    return this.lifecycle.boundAddress;
  }

  close(graceMs: number): Promise<void> {
    return this.lifecycle.close(graceMs);
  }
}
