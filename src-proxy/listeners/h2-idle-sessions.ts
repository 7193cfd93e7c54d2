/**
 * Idle HTTP/2 sessions are closed (GOAWAY) after `timeoutMs` without
 * activity, but only when none of their streams is open. Node's own handling
 * destroys a session whose timeout fires, open streams and all, which cuts a
 * quiet event stream or long poll in the middle. HTTP/1.1 fallback sockets
 * (allowHTTP1) that time out are destroyed, as node does by default.
 */
import type http2 from 'node:http2';
import { Socket } from 'node:net';

export function closeIdleSessions(server: http2.Http2Server | http2.Http2SecureServer, timeoutMs: number): void {
  const openStreams = new WeakMap<http2.ServerHttp2Session, number>();
  const count = (session: http2.ServerHttp2Session, delta: number): void => {
    openStreams.set(session, (openStreams.get(session) ?? 0) + delta);
  };
  server.setTimeout(timeoutMs);
  server.on('session', (session: http2.ServerHttp2Session) => {
    session.on('stream', (stream: http2.ServerHttp2Stream) => {
      count(session, 1);
      stream.once('close', () => count(session, -1));
    });
  });
  server.on('timeout', (idle: http2.ServerHttp2Session | Socket) => {
    if (idle instanceof Socket) idle.destroy();
    else if ((openStreams.get(idle) ?? 0) === 0) idle.close();
  });
}
