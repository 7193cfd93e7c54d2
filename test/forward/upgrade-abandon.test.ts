/**
 * A WebSocket upgrade through the forward proxy whose client leaves before
 * the origin answered: the origin side is closed (not held until the origin
 * gives up) and the exchange is recorded once, as aborted.
 */
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '../helpers/gateway.js';
import { startProxy, type ProxyRig } from './rig.js';

let rig: ProxyRig;
let origin: http.Server;
let port: number;
const held: { socket: Socket; closed: boolean }[] = [];

beforeAll(async () => {
  // Takes upgrades and never answers them.
  origin = http.createServer();
  origin.on('upgrade', (_req, socket: Socket) => {
    const h = { socket, closed: false };
    // http.Server sockets allow half-open connections: the proxy letting go shows as 'end'.
    socket.on('end', () => (h.closed = true)).on('close', () => (h.closed = true));
    held.push(h);
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  port = (origin.address() as AddressInfo).port;
  rig = await startProxy(`version: 1
listeners:
  - { name: egress, address: 127.0.0.1:0, mode: forward }
`);
});
afterAll(async () => {
  await rig.close();
  for (const h of held) h.socket.destroy();
  await new Promise((r) => origin.close(r));
});

it('a client leaving before the origin answers its upgrade closes the origin side, recorded once as aborted', async () => {
  const client = net.connect(rig.portOf('egress'), '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', () => r()));
  client.write(
    `GET http://127.0.0.1:${port}/ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Request-Id: fwd-ws-vanish\r\n` +
      'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  await waitFor(() => held.length > 0, 3000, 'upgrade at the origin');
  client.destroy();
  await waitFor(() => held[0].closed, 3000, 'origin socket closed');
  const record = await rig.record((r) => r.requestId === 'fwd-ws-vanish');
  expect(record.aborted).toBe(true);
  expect(rig.records.filter((r) => r.requestId === 'fwd-ws-vanish')).toHaveLength(1);
});
