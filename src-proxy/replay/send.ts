/**
 * Sends one request on a fresh connection and measures it: connect (TCP and
 * TLS), time to the response head, total. The response body is read to the
 * end and kept up to a cap, like capture keeps bodies. Failures become
 * ReplayErrors with the phase in which they happened.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BodyCollector, mediaType } from '../capture/body-collector.js';
import type { CapturedBody } from '../capture/captured-exchange.js';
import type { TimingPhases } from '../events.js';
import { ReplayError } from './errors.js';

export interface SendInput {
  /** http(s) origin to connect to. */
  origin: URL;
  method: string;
  path: string;
  /** Final raw header pairs (Host, Content-Length included). */
  headers: string[];
  body: Buffer | null;
  connectTimeoutMs: number;
  /** From the request being sent until the response has finished. */
  timeoutMs: number;
  /** Bytes of the response body kept. */
  bodyCap: number;
  /** https: skip certificate verification. */
  insecure?: boolean;
  /** TLS server name to send instead of the origin's host (the gateway's own listener serves by SNI). */
  servername?: string;
}

export interface SendResult {
  /** Epoch ms when sending started. */
  startedAt: number;
  timings: TimingPhases;
  status: number;
  statusText: string;
  httpVersion: string;
  responseHeaders: string[];
  responseBody: CapturedBody;
  localAddress: string;
  localPort: number;
  remoteAddress: string | null;
}

/** What is known when a send fails part-way (for the record of a failed replay). */
export interface SendFailure {
  error: ReplayError;
  startedAt: number;
  timings: TimingPhases;
  localAddress: string;
  localPort: number;
  status: number;
  responseHeaders: string[];
}

export function sendRequest(input: SendInput): Promise<SendResult> {
  const secure = input.origin.protocol === 'https:';
  const startedAt = Date.now();
  const t0 = performance.now();
  let connectedAt = 0;
  let sentAt = 0;
  let headAt = 0;
  let socket: Socket | null = null;
  let status = 0;
  let responseHeaders: string[] = [];
  const where = input.origin.origin;

  return new Promise<SendResult>((resolve, reject) => {
    let settled = false;
    const timings = (): TimingPhases => {
      const end = performance.now();
      const connected = connectedAt || end;
      const sent = sentAt || connected;
      return { queue: 0, connect: connected - t0, ttfb: headAt ? headAt - sent : 0, total: end - t0 };
    };
    const fail = (error: ReplayError) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      req.destroy();
      const failure: SendFailure = {
        error,
        startedAt,
        timings: timings(),
        localAddress: socket?.localAddress ?? '',
        localPort: socket?.localPort ?? 0,
        status,
        responseHeaders,
      };
      reject(Object.assign(error, { failure }));
    };

    const options: https.RequestOptions = {
      protocol: input.origin.protocol,
      hostname: input.origin.hostname.replace(/^\[|\]$/g, ''),
      port: input.origin.port || (secure ? 443 : 80),
      method: input.method,
      path: input.path,
      headers: input.headers as unknown as http.OutgoingHttpHeaders,
      agent: false,
      setHost: false,
    };
    if (secure) {
      options.rejectUnauthorized = !input.insecure;
      // SNI names the target; an IP literal cannot be a server name.
      const name = input.servername ?? input.origin.hostname;
      options.servername = /^[\d.]+$|:/.test(name) ? '' : name;
    }

    let req: http.ClientRequest;
    try {
      req = (secure ? https : http).request(options);
    } catch (err) {
      reject(new ReplayError('INVALID_EDIT', `The request cannot be sent: ${(err as Error).message}`, { cause: err }));
      return;
    }

    const connectTimer = setTimeout(
      () => fail(new ReplayError('CONNECT_TIMEOUT', `Timed out after ${input.connectTimeoutMs} ms connecting to ${where}.`)),
      input.connectTimeoutMs,
    );
    let responseTimer: NodeJS.Timeout | undefined;
    const connected = () => {
      if (connectedAt) return;
      connectedAt = performance.now();
      clearTimeout(connectTimer);
      responseTimer = setTimeout(
        () => fail(new ReplayError('TIMEOUT', `${where} did not answer within ${input.timeoutMs} ms.`)),
        input.timeoutMs,
      );
    };

    req.on('socket', (s: Socket) => {
      socket = s;
      s.once(secure ? 'secureConnect' : 'connect', connected);
    });
    req.on('finish', () => {
      sentAt = performance.now();
    });
    req.on('error', (err) => fail(classify(err, where, connectedAt !== 0, status !== 0)));
    req.on('response', (res) => {
      headAt = performance.now();
      status = res.statusCode ?? 0;
      responseHeaders = res.rawHeaders;
      const collector = new BodyCollector(input.bodyCap);
      res.on('data', (chunk: Buffer) => collector.add(chunk));
      res.on('error', (err) => fail(classify(err, where, true, true)));
      res.on('aborted', () => fail(new ReplayError('RESET', `${where} closed the connection before the response finished.`)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(responseTimer);
        resolve({
          startedAt,
          timings: timings(),
          status,
          statusText: res.statusMessage ?? '',
          httpVersion: res.httpVersion,
          responseHeaders,
          responseBody: collector.result(mediaType(res.headers['content-type'])),
          localAddress: socket?.localAddress ?? '',
          localPort: socket?.localPort ?? 0,
          remoteAddress: socket?.remoteAddress ?? null,
        });
        req.destroy();
      });
    });
    req.end(input.body ?? undefined);
  });
}

/** The failure details a rejected sendRequest carries (for recording the failed exchange). */
export function failureOf(err: unknown): SendFailure | null {
  return (err as { failure?: SendFailure } | null)?.failure ?? null;
}

function classify(err: NodeJS.ErrnoException, where: string, connected: boolean, responded: boolean): ReplayError {
  if (err instanceof ReplayError) return err;
  const code = err.code ?? '';
  if (!connected) {
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host not found'
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
            ? 'host unreachable'
            : /CERT|SSL|TLS|SELF_SIGNED/.test(code) || /certificate/i.test(err.message)
              ? `TLS failed: ${err.message} (replay with insecure, -k on the command line, to skip certificate checks)`
              : err.message;
    return new ReplayError('CONNECT_FAILED', `Could not connect to ${where}: ${why}${code && !why.includes(code) ? ` (${code})` : ''}.`, { cause: err });
  }
  if (code.startsWith('HPE_')) return new ReplayError('BAD_RESPONSE', `${where} sent an invalid HTTP response: ${err.message}.`, { cause: err });
  return new ReplayError(
    'RESET',
    `${where} closed the connection ${responded ? 'before the response finished' : 'before answering'} (${code || err.message}).`,
    { cause: err },
  );
}
