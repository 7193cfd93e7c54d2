/**
 * Real upstream servers for integration tests: node:http (or raw net) on
 * 127.0.0.1, port 0. Every server tracks its sockets so `close()` is prompt.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Started<S> {
  server: S;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
}

function track(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      (server as http.Server).closeAllConnections?.();
    });
}

function listen<S extends net.Server>(server: S): Promise<Started<S>> {
  const close = track(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({ server, port, url: `http://127.0.0.1:${port}`, close });
    });
  });
}

/** Any node:http handler on a free loopback port. */
export function startServer(handler: http.RequestListener): Promise<Started<http.Server>> {
  return listen(http.createServer(handler));
}

/** Whether this machine can listen on ::1 (some containers have no IPv6 loopback). */
export function hasIpv6Loopback(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '::1', () => s.close(() => resolve(true)));
    s.on('error', () => resolve(false));
  });
}

/** A raw TCP server: the test decides every byte (garbage, resets, silence). */
export function startRawServer(onConnection: (socket: net.Socket) => void): Promise<Started<net.Server>> {
  return listen(net.createServer(onConnection));
}

export interface EchoRecord {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  bodyLength: number;
  bodySha256: string;
  /** Name of the echo server that answered (to tell targets apart). */
  server: string;
}

export interface EchoUpstream extends Started<http.Server> {
  /** Every request the upstream saw, in order of completion. */
  requests: EchoRecord[];
}

/**
 * Answers every request with JSON describing it: method, url, headers, body
 * length and SHA-256 (the body is hashed as it streams, never buffered).
 */
export async function startEchoUpstream(name = 'echo'): Promise<EchoUpstream> {
  const requests: EchoRecord[] = [];
  const started = await startServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => {
      length += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      const record: EchoRecord = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        bodyLength: length,
        bodySha256: hash.digest('hex'),
        server: name,
      };
      requests.push(record);
      const body = JSON.stringify(record);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-served-by': name });
      res.end(body);
    });
  });
  return Object.assign(started, { requests });
}

/** SHA-256 hex of a buffer. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Deterministic bytes generated on the fly, yielded `chunkSize` at a time:
 * 64 KiB blocks of random bytes (from the seed), each stamped with its block
 * number, so a lost, repeated or reordered block changes the hash. The bytes
 * depend only on (total, seed), not on the chunk size, so both ends can hash
 * without either holding the data.
 */
export function* patternChunks(total: number, seed = 1, chunkSize = 64 * 1024): Generator<Buffer> {
  const B = 64 * 1024;
  const block = Buffer.alloc(B);
  let d = createHash('sha512').update(String(seed)).digest();
  for (let i = 0; i < B; i += d.length) {
    d.copy(block, i);
    d = createHash('sha512').update(d).digest();
  }
  let offset = 0;
  while (offset < total) {
    const size = Math.min(chunkSize, total - offset);
    const buf = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const pos = (offset + filled) % B;
      const n = Math.min(B - pos, size - filled);
      block.copy(buf, filled, pos, pos + n);
      if (pos < 8) {
        // Stamp the block number over the first 8 bytes of each block.
        const stamp = Buffer.alloc(8);
        stamp.writeDoubleLE(Math.floor((offset + filled) / B), 0);
        stamp.copy(buf, filled, pos, Math.min(8, pos + n));
      }
      filled += n;
    }
    offset += size;
    yield buf;
  }
}

/** SHA-256 of `patternChunks(total, seed)` without keeping the data. */
export function patternSha256(total: number, seed = 1): string {
  const hash = createHash('sha256');
  for (const c of patternChunks(total, seed)) hash.update(c);
  return hash.digest('hex');
}

/**
 * A loopback address where TCP connects hang: a child process listens with a
 * backlog of 1 and never accepts (its event loop is blocked), and filler
 * connections fill the accept queue, so the kernel drops further SYNs. The
 * only reliable local way to make a connect time out.
 */
export async function startBlackhole(): Promise<{ port: number; url: string; close(): void }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         process.stdout.write(s.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  const fillers: net.Socket[] = [];
  const close = () => {
    for (const s of fillers) s.destroy();
    child.kill('SIGKILL');
  };
  for (let i = 0; i < 16; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    fillers.push(s);
    const connected = await new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(true));
      setTimeout(() => resolve(false), 300);
    });
    if (!connected) return { port, url: `http://127.0.0.1:${port}`, close };
  }
  close();
  throw new Error('could not fill the accept queue of the blackhole listener');
}
