/**
 * Upgrades the gateway ignores (see `ignoresUpgrade`). `Upgrade: h2c` is never relayed. Passed to an upstream that accepts it, the
 * client would hold an HTTP/2 connection to that upstream on which every
 * later stream bypasses routing and policies (h2c smuggling); RFC 9113 §3.1
 * has deprecated the mechanism anyway. The request is served as an ordinary
 * one instead (RFC 9110 §7.8 lets a server ignore Upgrade): its head is
 * rebuilt without the upgrade and put back in front of the bytes that
 * followed it, and the connection is handed back to the HTTP server, which
 * parses it afresh (body framing, keep-alive and pipelining included).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Connection tokens that only mean something for the upgrade. */
const UPGRADE_TOKENS = new Set(['upgrade', 'http2-settings']);

/**
 * Upgrades served as ordinary requests: h2c (above), any upgrade carrying
 * a body, which the upgrade path (made for WebSocket handshakes, bodiless by
 * RFC 6455) would not send: the upstream would wait for it forever, and any
 * upgrade in an HTTP/1.0 request, which RFC 9110 §7.8 says a server MUST
 * ignore (node's parser reports it as an upgrade all the same).
 */
export function ignoresUpgrade(req: IncomingMessage): boolean {
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return true;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0')) return true;
  const upgrade = h.upgrade;
  return upgrade !== undefined && upgrade.split(',').some((t) => t.trim().toLowerCase() === 'h2c');
}

/** Puts the request back on `socket` without its upgrade, then lets `reparse` hand the socket to the HTTP server. */
export function serveWithoutUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, reparse: (socket: Duplex) => void): void {
  let text = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'upgrade' || name === 'http2-settings') continue;
    if (name === 'connection') {
      const kept = raw[i + 1].split(',').filter((t) => t.trim() !== '' && !UPGRADE_TOKENS.has(t.trim().toLowerCase()));
      if (kept.length > 0) text += `${raw[i]}: ${kept.join(',').trim()}\r\n`;
      continue;
    }
    text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  socket.unshift(Buffer.concat([Buffer.from(text + '\r\n', 'latin1'), head]));
  reparse(socket);
}
