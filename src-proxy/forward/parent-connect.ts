/**
 * A TCP stream to `host:port`: a direct connection, or a CONNECT tunnel
 * through the parent proxy (RFC 9110 §9.3.6) when the listener chains.
 */
import net, { type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { formatAuthority, type Authority } from './authority.js';
import type { ParentProxy } from './origin-agents.js';

const MAX_RESPONSE_HEAD = 16 * 1024;

export interface StreamOptions {
  /** The listener's originTimeouts.connect: TCP connect and, through a parent, its answer to CONNECT. */
  timeoutMs: number;
  /** Keep sending after the peer ends its side (tunnels carry half-closes through). */
  allowHalfOpen?: boolean;
}

/** A connect step that ran out of time (the code undici gives its own, so both report UPSTREAM_CONNECT_TIMEOUT). */
export function connectTimeout(message: string): Error {
  return Object.assign(new Error(message), { code: 'UND_ERR_CONNECT_TIMEOUT' });
}

export function isConnectTimeout(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'UND_ERR_CONNECT_TIMEOUT';
}

export function openStream(target: Authority, parent: ParentProxy | null, opts: StreamOptions): Promise<Socket> {
  return parent === null ? connectDirect(target.host, target.port, opts) : connectViaParent(target, parent, opts);
}

function connectDirect(host: string, port: number, opts: StreamOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: opts.allowHalfOpen === true });
    const timer = setTimeout(() => socket.destroy(connectTimeout(`timed out connecting to ${host}:${port}`)), opts.timeoutMs);
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
  // One budget for both steps: the parent's TCP connect and its answer to CONNECT.
  const deadline = performance.now() + opts.timeoutMs;
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
    const timer = setTimeout(() => fail(connectTimeout('the parent proxy did not answer CONNECT in time')), Math.max(0, deadline - performance.now()));
    const cleanup = () => {
      clearTimeout(timer);
      socket.removeListener('data', onData).removeListener('error', onError).removeListener('close', onClose).removeListener('end', onClose);
    };
    // 'end' too: a half-open capable socket does not close by itself when the parent hangs up.
    socket.on('data', onData).on('error', onError).on('close', onClose).on('end', onClose);
  });
}
