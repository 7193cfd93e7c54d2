/**
 * A raw HTTP/1.1 upstream for conformance tests: it parses requests itself
 * (head, then a Content-Length or chunked body), records the exact bytes of
 * every request head it received, and answers each path with exact bytes from
 * a script. Paths without a script get a JSON echo of the head and body length.
 */
import type net from 'node:net';
import { startRawServer, type Started } from '../../helpers/upstreams.js';

export interface SeenRequest {
  /** The request head exactly as received, without the final CRLF CRLF. */
  head: string;
  method: string;
  target: string;
  /** Header lines as [name, value], in order. */
  headers: [string, string][];
  body: Buffer;
}

/** What to send for a request; `close` ends the connection after it. */
export type Answer = { bytes: string | Buffer; close?: boolean } | ((req: SeenRequest, socket: net.Socket) => void);

export interface ScriptedUpstream extends Started<net.Server> {
  seen: SeenRequest[];
  /** Requests to `path` (without the query) seen so far. */
  seenAt(path: string): SeenRequest[];
}

export function headerOf(req: SeenRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  return req.headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export async function startScriptedUpstream(script: Record<string, Answer>): Promise<ScriptedUpstream> {
  const seen: SeenRequest[] = [];
  const started = await startRawServer((socket) => {
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const parsed = parseRequest(buf);
        if (parsed === null) return;
        buf = buf.subarray(parsed.used);
        seen.push(parsed.req);
        answer(parsed.req, socket, script);
      }
    });
  });
  return Object.assign(started, {
    seen,
    seenAt: (path: string) => seen.filter((r) => r.target.split('?')[0] === path),
  });
}

function answer(req: SeenRequest, socket: net.Socket, script: Record<string, Answer>): void {
  const a = script[req.target.split('?')[0]];
  if (typeof a === 'function') return a(req, socket);
  if (a !== undefined) {
    socket.write(a.bytes);
    if (a.close) socket.end();
    return;
  }
  const body = JSON.stringify({ head: req.head, bodyLength: req.body.length });
  socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function parseRequest(buf: Buffer): { req: SeenRequest; used: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const [requestLine, ...lines] = head.split('\r\n');
  const [method, target] = requestLine.split(' ');
  const headers = lines.map((l): [string, string] => {
    const c = l.indexOf(':');
    return [l.slice(0, c), l.slice(c + 1).trim()];
  });
  const req: SeenRequest = { head, method, target, headers, body: Buffer.alloc(0) };
  let pos = end + 4;
  const te = headerOf(req, 'transfer-encoding');
  if (te !== undefined && /chunked/i.test(te)) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd === -1) return null;
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n\r\n', lineEnd);
        if (trailerEnd === -1) return null;
        pos = trailerEnd + 4;
        break;
      }
      if (lineEnd + 2 + size + 2 > buf.length) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
    }
    req.body = Buffer.concat(parts);
  } else {
    const length = Number(headerOf(req, 'content-length') ?? 0);
    if (buf.length < pos + length) return null;
    req.body = buf.subarray(pos, pos + length);
    pos += length;
  }
  return { req, used: pos };
}
