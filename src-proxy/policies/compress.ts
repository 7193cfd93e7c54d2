/**
 * compress: gzip, brotli, deflate (and zstd where Node has it) chosen by the
 * client's Accept-Encoding, streamed through zlib with backpressure both
 * ways. Never compresses twice (an upstream Content-Encoding wins), never a
 * HEAD, 204, 206 or 304, never below `minSize` when the length is known, and
 * never against `Cache-Control: no-transform`. Responses of a compressible
 * type always get `Vary: Accept-Encoding`, compressed or not, so that caches
 * keep the variants apart.
 */
import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { parseSize } from '../config/units.js';
import { ForwardingSink, wrapResponse, type ResponseHeaders, type ResponseSink } from '../pipeline/response-sink.js';
import type { Exchange } from '../pipeline/exchange.js';
import { negotiateEncoding } from './accept-encoding.js';
import { decide } from './decide.js';
import { mergeVary } from './vary.js';
import type { Policy, PolicyFactory } from './policy.js';

const DEFAULT_TYPES = ['text/*', 'application/json', 'application/*+json', 'application/javascript', 'application/xml', 'application/*+xml', 'image/svg+xml'];

type ZlibTransform = Transform & { flush(kind?: number): void };
type Encoder = (level: number | undefined) => ZlibTransform;
const zstd = (zlib as unknown as { createZstdCompress?: (o?: object) => ZlibTransform }).createZstdCompress;
const ENCODERS: Record<string, Encoder | undefined> = {
  br: (level) => zlib.createBrotliCompress(level === undefined ? {} : { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } }),
  gzip: (level) => zlib.createGzip(level === undefined ? {} : { level: Math.min(level, 9) }),
  deflate: (level) => zlib.createDeflate(level === undefined ? {} : { level: Math.min(level, 9) }),
  zstd: zstd ? () => zstd() : undefined,
};

/** A flush that keeps the compression window (Z_FULL_FLUSH, zlib's default, would reset it). */
const FLUSH_KINDS: Record<string, number | undefined> = {
  br: zlib.constants.BROTLI_OPERATION_FLUSH,
  gzip: zlib.constants.Z_SYNC_FLUSH,
  deflate: zlib.constants.Z_SYNC_FLUSH,
};

export const compressPolicy: PolicyFactory<'compress'> = {
  check(config, report) {
    if (config.algorithms?.includes('zstd') && !ENCODERS.zstd) {
      report(['algorithms'], `zstd needs a newer Node than ${process.versions.node}; it is skipped here`, 'warning');
    }
  },
  create(name, config): Policy {
    const algorithms = (config.algorithms ?? ['br', 'gzip']).filter((a) => ENCODERS[a] !== undefined);
    const minSize = parseSize(config.minSize ?? '1KB');
    const types = (config.contentTypes ?? DEFAULT_TYPES).map(typeMatcher);
    const compressible = (contentType: string | undefined) => {
      const t = contentType?.split(';')[0].trim().toLowerCase();
      return t !== undefined && t !== '' && types.some((m) => m(t));
    };
    return {
      name,
      type: 'compress',
      handle(ex, next) {
        const encoding = ex.method === 'HEAD' ? null : negotiateEncoding(ex.header('accept-encoding'), algorithms);
        wrapResponse(ex, (inner) => new CompressSink(inner, ex, name, encoding, config.level, minSize, compressible));
        return next();
      },
    };
  },
};

class CompressSink extends ForwardingSink {
  private encoder: ZlibTransform | null = null;
  private flushing: NodeJS.Immediate | null = null;

  constructor(
    inner: ResponseSink,
    private readonly ex: Exchange,
    private readonly policy: string,
    private readonly encoding: string | null,
    private readonly level: number | undefined,
    private readonly minSize: number,
    private readonly compressible: (contentType: string | undefined) => boolean,
  ) {
    super(inner);
  }

  override head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    const type = headers['content-type'];
    if (this.compressible(Array.isArray(type) ? type[0] : type)) {
      headers.vary = mergeVary(headers.vary, 'Accept-Encoding');
      const skip = this.skipReason(status, headers);
      if (skip === null) this.start(headers);
      else if (this.encoding !== null) decide(this.ex, { policy: this.policy, type: 'compress', outcome: 'skipped', detail: skip });
    }
    super.head(status, headers, statusMessage);
  }

  private skipReason(status: number, headers: ResponseHeaders): string | null {
    if (this.encoding === null) return 'not accepted';
    if (status < 200 || status === 204 || status === 206 || status === 304) return `status ${status}`;
    const ce = headers['content-encoding'];
    if (ce !== undefined && String(ce).toLowerCase() !== 'identity') return `already ${String(ce)}`;
    if (/(^|,)\s*no-transform\s*(,|$)/i.test(String(headers['cache-control'] ?? ''))) return 'no-transform';
    const length = headers['content-length'];
    if (length !== undefined && Number(length) < this.minSize) return `${String(length)} bytes < minSize`;
    return null;
  }

  private start(headers: ResponseHeaders): void {
    const encoding = this.encoding!;
    const encoder = ENCODERS[encoding]!(this.level);
    delete headers['content-length'];
    // Byte ranges of the identity body would not fit the compressed one (nginx drops the field too).
    delete headers['accept-ranges'];
    headers['content-encoding'] = encoding;
    // A compressed body is a different representation: a strong validator would lie (nginx weakens it too).
    const etag = headers.etag;
    if (typeof etag === 'string' && !etag.startsWith('W/')) headers.etag = `W/${etag}`;
    encoder.on('data', (chunk: Buffer) => {
      if (!this.inner.write(chunk)) {
        encoder.pause();
        this.inner.onDrain(() => encoder.resume());
      }
    });
    encoder.once('end', () => this.inner.end());
    encoder.once('error', () => this.inner.destroy());
    this.encoder = encoder;
    decide(this.ex, { policy: this.policy, type: 'compress', outcome: encoding });
  }

  override write(chunk: Buffer): boolean {
    const encoder = this.encoder;
    if (encoder === null) return super.write(chunk);
    // When the upstream pauses (an event stream, a long poll), what it sent so far goes out rather than
    // waiting in the encoder's window; chunks arriving together are still compressed together.
    this.flushing ??= setImmediate(() => {
      this.flushing = null;
      const kind = FLUSH_KINDS[this.encoding!];
      if (kind === undefined) encoder.flush();
      else encoder.flush(kind);
    });
    return encoder.write(chunk);
  }

  override onDrain(callback: () => void): void {
    if (this.encoder === null) super.onDrain(callback);
    else this.encoder.once('drain', callback);
  }

  override end(trailers?: ResponseHeaders): void {
    // Trailers cannot describe a body that was re-encoded; they are dropped with compression.
    if (this.encoder === null) return super.end(trailers);
    this.cancelFlush();
    this.encoder.end();
  }

  override destroy(): void {
    this.cancelFlush();
    this.encoder?.destroy();
    super.destroy();
  }

  private cancelFlush(): void {
    if (this.flushing !== null) clearImmediate(this.flushing);
    this.flushing = null;
  }
}

function typeMatcher(pattern: string): (type: string) => boolean {
  const p = pattern.toLowerCase();
  if (p.endsWith('/*')) {
    const prefix = p.slice(0, -1);
    return (t) => t.startsWith(prefix);
  }
  const star = p.indexOf('*');
  if (star !== -1) {
    // "application/*+json"
    const before = p.slice(0, star);
    const after = p.slice(star + 1);
    return (t) => t.startsWith(before) && t.endsWith(after) && t.length >= p.length - 1;
  }
  return (t) => t === p;
}
