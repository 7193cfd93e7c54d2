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
    if (ex.capturing) ex.responseHeaders = flattenHeaders(headers);
    // HTTP/2 has no reason phrase (node warns when given one).
    ex.res.writeHead(status, ex.req.httpVersionMajor === 2 ? undefined : statusMessage || undefined, headers);
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
