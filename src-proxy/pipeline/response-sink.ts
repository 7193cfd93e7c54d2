/**
 * Where a response goes. Every response the gateway sends — proxied, fixed,
 * a problem, or served by a policy — is written through the exchange's sink.
 * The base sink writes to the client (and feeds capture); response policies
 * (headers, compress, transform, cache…) wrap it, so the response unwinds
 * through them in reverse route order. A wrapper may change the head, hold it
 * until the body is known, or transform the body; `write` returning false
 * means "pause until onDrain", which keeps backpressure end to end.
 */
import { flattenHeaders } from '../capture/build-record.js';
import type { Exchange } from './exchange.js';

/** Lower-case header names. */
export type ResponseHeaders = Record<string, string | string[]>;

export interface ResponseSink {
  head(status: number, headers: ResponseHeaders, statusMessage?: string): void;
  write(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  end(trailers?: ResponseHeaders): void;
  /** The response cannot be completed (e.g. the upstream failed mid-body): cut the client connection. */
  destroy(): void;
  /** Whether the head has reached the client (after that nothing can be taken back). */
  readonly headSent: boolean;
}

/** The exchange's current sink (the client itself until a policy wraps it). */
export function responseSink(ex: Exchange): ResponseSink {
  return (ex.sink ??= new ClientSink(ex));
}

/** Puts a wrapper in front of the current sink; responses written later pass through it first. */
export function wrapResponse(ex: Exchange, wrap: (inner: ResponseSink) => ResponseSink): void {
  ex.sink = wrap(responseSink(ex));
}

/** A wrapper that passes everything on; extend it and override what you change. */
export class ForwardingSink implements ResponseSink {
  constructor(protected readonly inner: ResponseSink) {}
  head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    this.inner.head(status, headers, statusMessage);
  }
  write(chunk: Buffer): boolean {
    return this.inner.write(chunk);
  }
  onDrain(callback: () => void): void {
    this.inner.onDrain(callback);
  }
  end(trailers?: ResponseHeaders): void {
    this.inner.end(trailers);
  }
  destroy(): void {
    this.inner.destroy();
  }
  get headSent(): boolean {
    return this.inner.headSent;
  }
}

/** Writes to the client connection; what passes here is what capture records. */
class ClientSink implements ResponseSink {
  constructor(private readonly ex: Exchange) {}

  head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    const ex = this.ex;
    ex.status = status;
    // RFC 9110 §8.6 / RFC 9112 §6.1: a 204 carries neither (upstreams and fixed routes often send Content-Length: 0).
    if (status === 204 && (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined)) {
      headers = { ...headers };
      delete headers['content-length'];
      delete headers['transfer-encoding'];
    }
    if (ex.req.httpVersionMajor === 2) headers = singleValuesForHttp2(headers);
    if (ex.capturing) ex.responseHeaders = flattenHeaders(headers);
    // HTTP/2 has no reason phrase (node warns when given one); one node would refuse (a DEL, say) gives way to the standard one.
    const reason = ex.req.httpVersionMajor === 2 || !statusMessage || !VALID_REASON.test(statusMessage) ? undefined : statusMessage;
    ex.res.writeHead(status, reason, headers);
    const events = ex.state.events;
    if (events.active) events.emit({ type: 'exchange.response', id: ex.uid, status, headers });
  }

  write(chunk: Buffer): boolean {
    const ex = this.ex;
    ex.bytesOut += chunk.length;
    ex.responseBody?.add(chunk);
    return ex.res.write(chunk);
  }

  onDrain(callback: () => void): void {
    this.ex.res.once('drain', callback);
  }

  end(trailers?: ResponseHeaders): void {
    const res = this.ex.res;
    // Trailers can only travel on a chunked HTTP/1.1 response, or on HTTP/2.
    if (trailers !== undefined && (res.chunkedEncoding || this.ex.req.httpVersionMajor === 2)) res.addTrailers(trailers);
    res.end();
  }

  destroy(): void {
    // HTTP/2: without an error the stream is reset with NO_ERROR, which clients take for a complete response.
    if (this.ex.req.httpVersionMajor === 2) this.ex.res.destroy(new Error('the response was cut short'));
    else this.ex.res.destroy();
  }

  get headSent(): boolean {
    return this.ex.res.headersSent;
  }
}

/** What node accepts in a reason phrase (it throws on anything else, after having kept it for the next writeHead). */
const VALID_REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Response fields node's HTTP/2 layer takes only once (it throws
 * ERR_HTTP2_HEADER_SINGLE_VALUE on a repeat, which reset the stream of a
 * response that HTTP/1.1 clients get whole). An upstream that repeats one
 * (two Expires, two Content-Type) is answered with the first value, or with
 * the values joined where the field is a list.
 */
const HTTP2_SINGLE_VALUE = new Set([
  'access-control-allow-credentials', 'access-control-max-age', 'age', 'content-encoding', 'content-language',
  'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'dnt', 'etag',
  'expires', 'from', 'last-modified', 'location', 'retry-after', 'tk', 'x-content-type-options',
]);
const LIST_FIELDS = new Set(['content-encoding', 'content-language']);

function singleValuesForHttp2(headers: ResponseHeaders): ResponseHeaders {
  let out = headers;
  for (const name in headers) {
    const value = headers[name];
    if (!Array.isArray(value) || !HTTP2_SINGLE_VALUE.has(name)) continue;
    if (out === headers) out = { ...headers };
    out[name] = LIST_FIELDS.has(name) ? value.join(', ') : value[0];
  }
  return out;
}
