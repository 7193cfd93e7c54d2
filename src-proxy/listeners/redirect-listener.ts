/**
 * A plain listener with `redirectTo`: every request is sent to the named TLS
 * listener, same host and path (301 for GET/HEAD, 308 otherwise so that the
 * method and body are kept). HSTS is the security-headers policy's job on the
 * TLS side.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError } from '../errors.js';
import { answerAndClose } from '../pipeline/raw-answer.js';
import { hostName } from '../pipeline/steps/prepare-request.js';
import type { CertificateService } from '../tls/certificate-service.js';
import { ServerLifecycle } from './server-lifecycle.js';

export class RedirectListener {
  private readonly server: http.Server;
  private readonly lifecycle: ServerLifecycle;

  constructor(
    readonly plan: ListenerPlan & { redirectTo: string },
    getState: () => EngineState,
    certificates: CertificateService,
  ) {
    this.server = http.createServer(
      // Without node's own Host check, which answers a bare 400: a problem like every other listener's.
      { headersTimeout: plan.limits.headersTimeoutMs, keepAliveTimeout: plan.limits.keepAliveTimeoutMs, requireHostHeader: false },
      (req, res) => {
        if (!req.headers.host) return answerAndClose(req.socket, new SwitchyardError('BAD_REQUEST', 'The request has no Host header, so there is no address to redirect to.'));
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
    this.lifecycle = new ServerLifecycle(this.server, plan);
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
