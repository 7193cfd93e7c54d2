/**
 * A plain listener with `redirectTo`: every request is sent to the named TLS
 * listener, same host and path (301 for GET/HEAD, 308 otherwise so that the
 * method and body are kept). HSTS is the security-headers policy's job on the
 * TLS side.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { hostName } from '../pipeline/steps/prepare-request.js';
import type { CertificateService } from '../tls/certificate-service.js';
import { answerClientError } from './http-listener.js';

export class RedirectListener {
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private address: AddressInfo | null = null;

  constructor(
    readonly plan: ListenerPlan & { redirectTo: string },
    getState: () => EngineState,
    certificates: CertificateService,
  ) {
    this.server = http.createServer(
      { headersTimeout: plan.limits.headersTimeoutMs, keepAliveTimeout: plan.limits.keepAliveTimeoutMs, requireHostHeader: true },
      (req, res) => {
        const target = getState().listeners.get(plan.redirectTo);
        const port = certificates.tlsPorts.get(plan.redirectTo) ?? target?.port;
        const host = hostName(req.headers.host ?? '');
        const url = req.url ?? '/';
        const path = url.startsWith('/') ? url : new URL(url).pathname + new URL(url).search;
        const authority = port === undefined || port === 443 ? host : `${host}:${port}`;
        const status = req.method === 'GET' || req.method === 'HEAD' ? 301 : 308;
        res.writeHead(status, { location: `https://${authority}${path}`, 'content-length': '0' });
        res.end();
      },
    );
    this.server.on('clientError', answerClientError);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.plan.host, port: this.plan.port, exclusive: true }, () => {
        this.server.off('error', reject);
        this.address = this.server.address() as AddressInfo;
        resolve(this.address);
      });
    });
  }

  get boundAddress(): AddressInfo | null {
    return this.address;
  }

  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    await closed;
    clearTimeout(deadline);
  }
}
