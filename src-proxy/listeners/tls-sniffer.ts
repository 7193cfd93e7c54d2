/**
 * Looks at the first byte a client sends to a TLS port before TLS sees it. A TLS
 * record starts with 0x16 (handshake); plain HTTP starts with a method name and
 * gets a plaintext 400 telling the user to use https (as nginx does); anything
 * else is closed. The peeked bytes are put back for the TLS layer to read.
 */
import type { Socket } from 'node:net';
import { SwitchyardError, toProblem } from '../errors.js';

const TLS_HANDSHAKE = 0x16;

export function sniffTls(socket: Socket, timeoutMs: number, onTls: (socket: Socket) => void): void {
  socket.setTimeout(timeoutMs, () => socket.destroy());
  socket.once('error', () => socket.destroy());
  socket.once('data', (chunk: Buffer) => {
    socket.pause();
    socket.setTimeout(0);
    socket.unshift(chunk);
    const first = chunk[0];
    if (first === TLS_HANDSHAKE) onTls(socket);
    else if (first >= 0x41 && first <= 0x5a) answerPlainHttp(socket);
    else socket.destroy();
  });
}

function answerPlainHttp(socket: Socket): void {
  const e = new SwitchyardError('BAD_REQUEST', 'This port expects TLS: a plain HTTP request was sent to an HTTPS listener. Use https://.');
  const body = JSON.stringify(toProblem(e));
  socket.end(
    `HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  socket.resume(); // discard the request so the close is clean
}
