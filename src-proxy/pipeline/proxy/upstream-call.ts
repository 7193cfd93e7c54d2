/**
 * One attempt at one target, streamed both ways through undici's dispatch API:
 * response bytes are written to the client as they arrive, with backpressure
 * (the upstream read pauses while the client socket is full). Until the first
 * byte is written to the client the attempt can still be abandoned for a
 * retry; after that, an upstream failure can only cut the client connection.
 */
import type { Dispatcher } from 'undici';
import { performance } from 'node:perf_hooks';
import type { Exchange } from '../exchange.js';
import type { Target } from '../../upstream/target.js';
import { responseSink, type ResponseSink } from '../response-sink.js';
import { clientResponseHeaders } from './forward-headers.js';

export type FailureKind = 'connect-failure' | 'timeout' | 'reset' | 'bad-response';

export type AttemptOutcome =
  | { kind: 'completed'; status: number }
  | { kind: 'failed'; failure: FailureKind; error: Error; committed: boolean }
  | { kind: 'retry-status'; status: number }
  | { kind: 'client-aborted' };

export interface AttemptOptions {
  path: string;
  headers: string[];
  body: NodeJS.ReadableStream | AsyncIterable<Buffer> | Buffer | null;
  /** Asked when response headers arrive: may this status be retried instead of forwarded? */
  retryStatus: (status: number) => boolean;
  /** Extra Set-Cookie to add (sticky sessions). */
  setCookie: string | null;
}

export function attemptUpstream(ex: Exchange, target: Pick<Target, 'url'> & { readonly pool: Dispatcher }, opts: AttemptOptions): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    // A client that left before this attempt (during an earlier attempt or a policy) will not
    // emit 'close' again: the attempt would stall on a write that never drains, holding the
    // upstream connection and the target's in-flight count for good.
    if (clientGone(ex)) {
      ex.aborted = true;
      resolve({ kind: 'client-aborted' });
      return;
    }
    const handler = new ProxyHandler(ex, opts, resolve);
    target.pool.dispatch(
      {
        origin: target.url,
        path: opts.path,
        method: ex.method,
        headers: opts.headers,
        body: opts.body as Dispatcher.DispatchOptions['body'],
        // Never let undici retry a request on its own: retries are ours to decide.
        idempotent: false,
      },
      handler,
    );
  });
}

class ProxyHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private committed = false;
  /** What the upstream answered (a response policy such as the cache may have sent the client something else). */
  private upstreamStatus = 0;
  /** This attempt's request started going out (per attempt: `ex.sentAt` may be left from an earlier one). */
  private sent = false;
  private settled = false;
  private readonly sink: ResponseSink;
  private readonly onClientClose: () => void;

  constructor(
    private readonly ex: Exchange,
    private readonly opts: AttemptOptions,
    private readonly resolve: (outcome: AttemptOutcome) => void,
  ) {
    this.sink = responseSink(ex);
    // A client that goes away must free the upstream connection at once.
    this.onClientClose = () => {
      // Not a hang-up when the response was ended and flushed (a response policy may answer first).
      // writableEnded matters for HTTP/2: a stream the client reset reports writableFinished too.
      if (!(ex.res.writableEnded && ex.res.writableFinished)) {
        ex.aborted = true;
        // Settle first: abort() may report the error synchronously, and it must not count as a target failure (nor be retried).
        this.settle({ kind: 'client-aborted' });
        this.controller?.abort(new Error('client closed the connection'));
      }
    };
    // on/off rather than once: once() allocates a wrapper per request.
    ex.res.on('close', this.onClientClose);
  }

  private settle(outcome: AttemptOutcome): void {
    if (this.settled) return;
    this.settled = true;
    this.ex.res.removeListener('close', this.onClientClose);
    this.resolve(outcome);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) {
      controller.abort(new Error('attempt abandoned'));
      return;
    }
    this.sent = true;
    this.ex.sentAt = performance.now();
    // A first byte from an earlier attempt must not pair with this attempt's send time (negative ttfb).
    this.ex.firstByteAt = 0;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    const ex = this.ex;
    if (statusCode < 200) {
      // 1xx informational: node answers 100-continue itself; 103 Early Hints are passed on.
      if (statusCode === 103) forwardEarlyHints(ex, headers);
      return;
    }
    ex.firstByteAt = performance.now();
    this.upstreamStatus = statusCode;
    if (statusCode > 599) {
      // RFC 9110 §15: codes are 100–599. node's HTTP/2 writeHead throws on others, HTTP/1 would relay them.
      controller.abort(Object.assign(new Error(`invalid status code ${statusCode}`), { code: 'HPE_INVALID_STATUS' }));
      return;
    }
    const codings = transferCodings(headers['transfer-encoding']);
    if (codings !== null) {
      // The body still carries those codings, and Transfer-Encoding does not cross the gateway: the client
      // would get gzip bytes it cannot know about. nginx refuses them the same way (502).
      controller.abort(Object.assign(new Error(`unsupported Transfer-Encoding "${codings}" (only chunked is)`), { code: 'HPE_INVALID_TRANSFER_ENCODING' }));
      return;
    }
    if (this.opts.retryStatus(statusCode)) {
      this.settle({ kind: 'retry-status', status: statusCode });
      controller.abort(new Error(`retrying after status ${statusCode}`));
      return;
    }
    const out = clientResponseHeaders(headers);
    out['x-request-id'] = ex.id;
    if (this.opts.setCookie !== null) {
      const existing = out['set-cookie'];
      out['set-cookie'] = existing === undefined ? this.opts.setCookie : [...(Array.isArray(existing) ? existing : [existing]), this.opts.setCookie];
    }
    this.committed = true;
    this.sink.head(statusCode, out, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.sink.write(chunk)) {
      controller.pause();
      this.sink.onDrain(() => controller.resume());
    }
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: Record<string, string | string[] | undefined>): void {
    let hasTrailers = false;
    for (const _ in trailers) {
      hasTrailers = true;
      break;
    }
    this.sink.end(hasTrailers ? (trailers as Record<string, string | string[]>) : undefined);
    // The upstream's status, for health: a 503 the cache replaced with a stale 200 is still a failure.
    this.settle({ kind: 'completed', status: this.upstreamStatus });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.settled) return;
    // undici rejects a bodiless 204 or 304 that carries a Content-Length (RFC 9110 §8.6 allows it on a
    // 304; RFC 9112 §6.3 ends both at their header section whatever it says): the response is complete.
    const bodiless = this.upstreamStatus === 204 || this.upstreamStatus === 304;
    if (this.committed && bodiless && (error as NodeJS.ErrnoException).code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
      this.sink.end();
      this.settle({ kind: 'completed', status: this.upstreamStatus });
      return;
    }
    if (this.committed) this.sink.destroy();
    this.settle({ kind: 'failed', failure: classify(error, this.sent), error, committed: this.committed });
  }
}

/** The client's HTTP/1 connection or HTTP/2 stream is already closed. */
function clientGone(ex: Exchange): boolean {
  const res = ex.res as Exchange['res'] & { stream?: { destroyed: boolean } };
  return res.destroyed === true || res.stream?.destroyed === true;
}

/** The upstream's transfer codings when they are anything but plain `chunked`; null otherwise. */
export function transferCodings(te: string | string[] | undefined): string | null {
  if (te === undefined) return null;
  const value = Array.isArray(te) ? te.join(', ') : te;
  return value.trim().toLowerCase() === 'chunked' ? null : value;
}

/**
 * Relays a 103 (RFC 8297) to the client before the final response: only to
 * HTTP/1.1 and HTTP/2 clients (RFC 9110 §15.2: never to HTTP/1.0), only with
 * a Link (node's writeEarlyHints sends nothing without one).
 */
function forwardEarlyHints(ex: Exchange, headers: Record<string, string | string[] | undefined>): void {
  const { req, res } = ex;
  if (res.headersSent || (req.httpVersionMajor === 1 && req.httpVersionMinor === 0)) return;
  try {
    res.writeEarlyHints(clientResponseHeaders(headers));
  } catch {
    // An invalid Link value: hints are optional, the final response is not.
  }
}

/** Maps undici and socket errors to the retry conditions of the config. */
export function classify(error: Error, sent: boolean): FailureKind {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect-failure';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
  // undici's HTTPParserError often has no code (its llhttp error table is keyed by name), so match the name too.
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_INFO' || code === 'UND_ERR_HEADERS_OVERFLOW' || error.name === 'HTTPParserError') {
    return 'bad-response';
  }
  // undici's names for a 100 Continue nobody asked for and an upgrade nobody requested.
  if (code === 'UND_ERR_SOCKET' && (error.message === 'bad response' || error.message === 'bad upgrade')) return 'bad-response';
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return 'connect-failure';
  }
  return sent ? 'reset' : 'connect-failure';
}
