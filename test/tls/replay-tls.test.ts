/**
 * Replay through the gateway to a TLS listener whose certificate comes from
 * the local CA: the replayer reaches the engine's own listener, with the
 * original's host as SNI, whether or not this process trusts that CA.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { replayExchange } from '../../src-proxy/replay/replay.js';
import { waitFor } from '../helpers/gateway.js';
import { startEcho, startTlsGateway, tlsWorkspace, type Echo, type TlsGateway } from './rig.js';

let echo: Echo;
let gw: TlsGateway;
const records: CapturedExchange[] = [];

beforeAll(async () => {
  echo = await startEcho();
  gw = await startTlsGateway(tlsWorkspace(echo.url, { http2: false }));
  gw.engine.capture.add((r) => records.push(r));
});
afterAll(async () => {
  await gw?.stop();
  await echo?.close();
});

describe('replay of an exchange captured on a local-CA TLS listener', () => {
  it('goes through the gateway again, with the original host as SNI', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port: gw.portOf('secure'), path: '/orders?x=1', servername: 'shop.localhost', headers: { host: 'shop.localhost', 'x-request-id': 'tls-orig' }, rejectUnauthorized: false, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    await waitFor(() => records.some((r) => r.requestId === 'tls-orig'), 3000, 'captured original');
    const original = records.find((r) => r.requestId === 'tls-orig')!;
    expect(original.tls?.sni).toBe('shop.localhost');

    const result = await replayExchange(original, {}, { engine: gw.engine });
    expect(result).toMatchObject({ mode: 'gateway', status: 200, replayOf: original.id });
    await waitFor(() => records.some((r) => r.id === result.id), 3000, 'captured replay');
    const replayed = records.find((r) => r.id === result.id)!;
    expect(replayed).toMatchObject({ replayOf: original.id, url: '/orders?x=1', host: 'shop.localhost', status: 200 });
    expect(replayed.tls?.sni).toBe('shop.localhost');

    // Straight to an https target, the certificate is checked unless asked not to (-k on the command line).
    const target = `https://127.0.0.1:${gw.portOf('secure')}`;
    await expect(replayExchange(original, { target }, { engine: gw.engine })).rejects.toThrow(/TLS failed: .*\(replay with insecure, -k on the command line/);
    const direct = await replayExchange(original, { target, insecure: true }, { engine: gw.engine });
    expect(direct).toMatchObject({ mode: 'direct', status: 200 });
  });
});
