/**
 * A TCP stream to `host:port`: a direct connection, or a CONNECT tunnel
 * through the parent proxy (RFC 9110 §9.3.6) when the listener chains.
 */
import net, { type Socket } from 'node:net';
import { formatAuthority, type Authority } from './authority.js';
import type { ParentProxy } from './origin-agents.js';

const CONNECT_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_HEAD = 16 * 1024;

export interface StreamOptions {
  /** Keep sending after the peer ends its side (tunnels carry half-closes through). */
  allowHalfOpen?: boolean;
}

export function openStream(target: Authority, parent: ParentProxy | null, opts: StreamOptions = {}): Promise<Socket> {
  return parent === null ? connectDirect(target.host, target.port, opts) : connectViaParent(target, parent, opts);
}

function connectDirect(host: string, port: number, opts: StreamOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: opts.allowHalfOpen === true });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`timed out connecting to ${host}:${port}`), { code: 'ETIMEDOUT' })), CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });
}

async function connectViaParent(target: Authority, parent: ParentProxy, opts: StreamOptions): Promise<Socket> {
  const socket = await connectDirect(parent.host, parent.port, opts);
  const authority = formatAuthority(target);
  let request = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (parent.authorization) request += `Proxy-Authorization: ${parent.authorization}\r\n`;
  socket.write(request + '\r\n');
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const fail = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > MAX_RESPONSE_HEAD) fail(new Error('the parent proxy sent an oversized answer to CONNECT'));
        return;
      }
      const statusLine = buffered.subarray(0, buffered.indexOf('\r\n')).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
      if (!m || m[1][0] !== '2') return fail(new Error(`the parent proxy answered CONNECT with "${statusLine}"`));
      cleanup();
      socket.pause(); // no 'data' listener any more: hold the bytes for whoever pipes the stream
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    const onError = (err: Error) => fail(err);
    const onClose = () => fail(new Error('the parent proxy closed the connection during CONNECT'));
    const timer = setTimeout(() => fail(new Error('the parent proxy did not answer CONNECT in time')), CONNECT_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      socket.removeListener('data', onData).removeListener('error', onError).removeListener('close', onClose).removeListener('end', onClose);
    };
    // 'end' too: a half-open capable socket does not close by itself when the parent hangs up.
    socket.on('data', onData).on('error', onError).on('close', onClose).on('end', onClose);
  });
}
