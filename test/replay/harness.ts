/**
 * A gateway with capture attached, in front of two echo targets that tell
 * which one answered, plus a helper that sends a request and waits for its
 * captured record.
 */
import http from 'node:http';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { startGateway, waitFor, type Gateway } from '../helpers/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../helpers/upstreams.js';

export interface Rig {
  gw: Gateway;
  echoA: EchoUpstream;
  echoB: EchoUpstream;
  records: CapturedExchange[];
  /** Sends a request through the gateway; resolves with the captured record of it. */
  send(opts: { method?: string; path: string; headers?: Record<string, string | string[]>; body?: Buffer | string }): Promise<CapturedExchange>;
  close(): Promise<void>;
}

export async function startRig(extra = ''): Promise<Rig> {
  const echoA = await startEchoUpstream('a');
  const echoB = await startEchoUpstream('b');
  const gw = await startGateway(`
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
  - { name: side, address: "127.0.0.1:0" }
routes:
  - { name: api, match: { host: api.localhost, path: /api }, upstream: pool }
  - { name: other, match: { path: / }, upstream: only-b }
upstreams:
  pool: { targets: [{ url: "${echoA.url}" }, { url: "${echoB.url}" }], balancer: round-robin }
  only-b: { targets: [{ url: "${echoB.url}" }] }
capture: { maxBodySize: 1KB }
${extra}
`);
  const records: CapturedExchange[] = [];
  gw.engine.capture.add((r) => records.push(r));
  return {
    gw,
    echoA,
    echoB,
    records,
    async send({ method = 'GET', path, headers = {}, body }) {
      const requestId = `rig-${Math.random().toString(36).slice(2)}`;
      await new Promise<void>((resolve, reject) => {
        const req = http.request(`${gw.url}${path}`, { method, headers: { 'x-request-id': requestId, ...headers }, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        req.end(body);
      });
      await waitFor(() => records.some((r) => r.requestId === requestId), 3000, 'captured record');
      return records.find((r) => r.requestId === requestId)!;
    },
    async close() {
      await gw.stop();
      await echoA.close();
      await echoB.close();
    },
  };
}
