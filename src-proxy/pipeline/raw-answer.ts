/** Answers written straight onto a socket (parse errors, CONNECT refusals, refused clients): a problem, then close. */
import type { Duplex } from 'node:stream';
import { toProblem, type SwitchyardError } from '../errors.js';

export function answerAndClose(socket: Duplex, err: SwitchyardError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(toProblem(err));
  let head = `HTTP/1.1 ${err.status} ${err.title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n`;
  for (const [name, value] of Object.entries(err.headers ?? {})) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`);
  // A client that keeps sending must not hold the socket open.
  socket.once('finish', () => setTimeout(() => socket.destroy(), 1000).unref());
}
