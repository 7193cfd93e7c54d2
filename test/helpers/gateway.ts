/**
 * A real gateway in the test process: workspace YAML → plan → Engine with a
 * listener on 127.0.0.1:0. Plus a raw-socket client for requests no
 * well-behaved HTTP client would send.
 */
import net from 'node:net';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';
import { Engine } from '../../src-proxy/engine.js';

export interface Gateway {
  engine: Engine;
  /** Base URL of the first listener, e.g. http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Base URL of a listener by name. */
  urlOf(name: string): string;
  stop(): Promise<void>;
}

/** Loads the YAML (failing loudly on any config error) and applies it to a new engine. */
export async function startGateway(yaml: string): Promise<Gateway> {
  const { plan, issues } = loadWorkspaceText(yaml, 'test.yaml');
  const errors = issues.filter((i) => i.severity === 'error');
  if (!plan || errors.length > 0) {
    throw new Error(`workspace does not load:\n${errors.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n')}`);
  }
  const engine = new Engine();
  await engine.apply(plan);
  const listeners = engine.listeners();
  const first = listeners[0];
  if (!first?.served) throw new Error('first listener is not served');
  return {
    engine,
    url: first.url,
    port: first.port,
    urlOf(name: string) {
      const l = listeners.find((x) => x.name === name);
      if (!l) throw new Error(`no listener "${name}"`);
      return l.url;
    },
    stop: () => engine.stop(0),
  };
}

export interface RawResult {
  /** Every byte the gateway sent. */
  data: Buffer;
  text: string;
  /** Status code of the first response, or 0 when none. */
  status: number;
  /** True when the gateway closed the connection (as opposed to our timeout). */
  closedByPeer: boolean;
  /** The socket failed (e.g. ECONNRESET). */
  error: Error | null;
}

/**
 * Writes `parts` on a fresh TCP connection (with `gapMs` between parts) and
 * collects the answer until the gateway closes, or `timeoutMs` passes.
 */
export function rawRequest(
  port: number,
  parts: string | Buffer | (string | Buffer)[],
  opts: {
    timeoutMs?: number;
    gapMs?: number;
    endAfterWrite?: boolean;
    /** Stop reading (and close) as soon as this holds for the bytes so far, e.g. `completeResponses(1)`. */
    until?: (data: Buffer) => boolean;
  } = {},
): Promise<RawResult> {
  const list = Array.isArray(parts) ? parts : [parts];
  const timeoutMs = opts.timeoutMs ?? 3000;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: Error | null = null;
    let settled = false;
    const socket = net.connect(port, '127.0.0.1');
    const finish = (closedByPeer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(chunks);
      const text = data.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ data, text, status: m ? Number(m[1]) : 0, closedByPeer, error });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (opts.until?.(Buffer.concat(chunks))) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e) => {
      error = e;
      finish(true);
    });
    socket.on('connect', async () => {
      for (let i = 0; i < list.length; i++) {
        if (socket.destroyed) return;
        socket.write(list[i]);
        if (opts.gapMs && i < list.length - 1) await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      if (opts.endAfterWrite) socket.end();
    });
  });
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Splits raw bytes into consecutive HTTP/1.1 responses. `methods[i]` is the
 * method of the i-th request (HEAD responses have no body), so a body sent
 * where none belongs shows up as garbage in front of the next response.
 */
export function parseResponses(data: Buffer, methods: string[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let pos = 0;
  while (pos < data.length) {
    const end = data.indexOf('\r\n\r\n', pos);
    if (end === -1) throw new Error(`incomplete header block at ${pos}: ${JSON.stringify(data.subarray(pos, pos + 80).toString('latin1'))}`);
    const lines = data.subarray(pos, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) throw new Error(`not a status line at ${pos}: ${JSON.stringify(lines[0])}`);
    const status = Number(m[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const c = line.indexOf(':');
      const name = line.slice(0, c).trim().toLowerCase();
      const value = line.slice(c + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    pos = end + 4;
    let body: Buffer = Buffer.alloc(0);
    const noBody = methods[out.length] === 'HEAD' || status === 204 || status === 304 || status < 200;
    if (!noBody) {
      if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) {
        const parts: Buffer[] = [];
        for (;;) {
          const lineEnd = data.indexOf('\r\n', pos);
          if (lineEnd === -1) throw new Error('truncated chunked body');
          const size = parseInt(data.subarray(pos, lineEnd).toString('latin1'), 16);
          pos = lineEnd + 2;
          if (size === 0) {
            const trailerEnd = data.indexOf('\r\n\r\n', pos - 2);
            if (trailerEnd === -1) throw new Error('truncated chunked body');
            pos = trailerEnd + 4;
            break;
          }
          if (pos + size + 2 > data.length) throw new Error('truncated chunked body');
          parts.push(data.subarray(pos, pos + size));
          pos += size + 2;
        }
        body = Buffer.concat(parts);
      } else if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length']);
        if (pos + n > data.length) throw new Error(`truncated body: ${data.length - pos} of ${n} bytes`);
        body = data.subarray(pos, pos + n);
        pos += n;
      } else {
        body = data.subarray(pos);
        pos = data.length;
      }
    }
    out.push({ status, headers, body });
  }
  return out;
}

/** An `until` predicate for rawRequest: true once `n` whole responses have arrived. */
export function completeResponses(n: number, methods: string[] = []): (data: Buffer) => boolean {
  return (data) => {
    try {
      const parsed = parseResponses(data, methods);
      if (parsed.length < n) return false;
      // A response framed by the close of the connection is complete only then.
      const { status, headers } = parsed[n - 1];
      const noBody = methods[n - 1] === 'HEAD' || status === 204 || status === 304 || status < 200;
      return noBody || headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
    } catch {
      return false;
    }
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
