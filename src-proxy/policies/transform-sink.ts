/**
 * The response side of the transform policy: holds the head, buffers a 2xx
 * body of the expected type up to the limit (decoding gzip/br/deflate), then
 * writes the transformed response. A body over the limit, or one that does
 * not parse, becomes a 502 problem: the client never gets a half-transformed
 * answer.
 */
import zlib from 'node:zlib';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { sendFixedTo, sendProblemTo } from '../pipeline/respond.js';
import { ForwardingSink, type ResponseHeaders, type ResponseSink } from '../pipeline/response-sink.js';
import { decide } from './decide.js';
import { inputKind, isKind, transformBody, TransformError, type BodyTransform } from './transform-body.js';

const DECODERS: Record<string, ((b: Buffer, o: zlib.ZlibOptions) => Buffer) | undefined> = {
  gzip: zlib.gunzipSync,
  'x-gzip': zlib.gunzipSync,
  deflate: zlib.inflateSync,
  br: (b, o) => zlib.brotliDecompressSync(b, o),
};

export class TransformSink extends ForwardingSink {
  private held: { status: number; headers: ResponseHeaders; statusMessage?: string } | null = null;
  private chunks: Buffer[] = [];
  private size = 0;
  private failed = false;

  constructor(
    inner: ResponseSink,
    private readonly ex: Exchange,
    private readonly policy: string,
    private readonly transform: BodyTransform,
    private readonly maxBodySize: number,
  ) {
    super(inner);
  }

  override head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    this.held = null;
    this.chunks = [];
    this.size = 0;
    this.failed = false;
    const type = headers['content-type'];
    const applies =
      status >= 200 && status < 300 && status !== 204 && status !== 206 && this.ex.method !== 'HEAD' && isKind(Array.isArray(type) ? type[0] : type, inputKind(this.transform));
    const length = Number(headers['content-length'] ?? 0);
    if (applies && length > this.maxBodySize) {
      this.failed = true;
      this.tooLarge();
      return;
    }
    if (applies) this.held = { status, headers, statusMessage };
    else super.head(status, headers, statusMessage);
  }

  override write(chunk: Buffer): boolean {
    if (this.failed) return true;
    if (this.held === null) return super.write(chunk);
    this.size += chunk.length;
    if (this.size > this.maxBodySize) {
      this.failed = true;
      this.chunks = [];
      this.tooLarge();
      return true;
    }
    this.chunks.push(chunk);
    return true;
  }

  override onDrain(callback: () => void): void {
    if (this.held === null && !this.failed) super.onDrain(callback);
    else setImmediate(callback); // buffering never pushes back
  }

  override end(trailers?: ResponseHeaders): void {
    if (this.failed) return;
    const held = this.held;
    if (held === null) return super.end(trailers);
    this.held = null;
    const headers = held.headers;
    try {
      const encoding = String(headers['content-encoding'] ?? 'identity').toLowerCase();
      let body: Buffer = Buffer.concat(this.chunks);
      if (encoding !== 'identity') {
        const decode = DECODERS[encoding];
        if (!decode) throw new TransformError(`the body is ${encoding}-encoded, which the transform cannot read`);
        body = decode(body, { maxOutputLength: this.maxBodySize });
      }
      const out = transformBody(this.transform, body);
      delete headers['content-encoding'];
      delete headers.etag; // a different body: the upstream's validator no longer describes it
      headers['content-type'] = out.contentType;
      decide(this.ex, { policy: this.policy, type: 'transform', outcome: 'transformed', detail: 'response' });
      sendFixedTo(this.inner, this.ex, held.status, headers, out.body);
    } catch (e) {
      const why = e instanceof TransformError ? e.message : e instanceof RangeError ? `it decodes to more than ${this.maxBodySize} bytes` : String(e);
      decide(this.ex, { policy: this.policy, type: 'transform', outcome: 'failed', detail: why });
      sendProblemTo(this.inner, this.ex, new SwitchyardError('UPSTREAM_BAD_RESPONSE', `The upstream response could not be transformed: ${why}.`));
    }
  }

  override get headSent(): boolean {
    return this.held === null && !this.failed && super.headSent;
  }

  private tooLarge(): void {
    decide(this.ex, { policy: this.policy, type: 'transform', outcome: 'too-large', detail: 'response' });
    sendProblemTo(
      this.inner,
      this.ex,
      new SwitchyardError('UPSTREAM_BAD_RESPONSE', `The upstream response is larger than ${this.maxBodySize} bytes, the most this route's transform buffers.`),
    );
  }
}
