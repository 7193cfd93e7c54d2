/**
 * A copy of an upload, kept while it streams to the first target, so that an
 * idempotent request with a body (PUT, DELETE…) can be sent again to another
 * target after a timeout, a reset or a retryable status — as nginx (which
 * buffers whole bodies), HAProxy (bodies that fit its buffer) and Envoy (up to
 * its buffer limit) retry them. Bounded: a body that outgrows the limit is let
 * go, and the request is then retried only after a connect-failure.
 */
import type { IncomingMessage } from 'node:http';

export class UploadCopy {
  private chunks: Buffer[] = [];
  private size = 0;
  private overflowed = false;
  /** Settles a pending `whole()` early, when the copy overflows. */
  private onOverflow: (() => void) | null = null;
  /** Reading the upload has begun: a later attempt must send this copy, since the client's stream cannot be read twice. */
  started = false;

  constructor(private readonly limit: number) {}

  /** Still within the limit, so far. */
  get usable(): boolean {
    return !this.overflowed;
  }

  add(chunk: Buffer): void {
    if (this.overflowed) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.overflowed = true;
      this.chunks = [];
      this.onOverflow?.();
      return;
    }
    this.chunks.push(chunk);
  }

  /**
   * The whole upload, once the client has sent the rest of it (someone must be
   * reading `req`: the attempt that failed drains it into this copy); null when
   * it outgrew the limit or the client went away first.
   */
  whole(req: IncomingMessage): Promise<Buffer | null> {
    if (this.overflowed || req.readableEnded || req.destroyed) return Promise.resolve(this.result(req));
    return new Promise((resolve) => {
      const done = (): void => {
        req.off('end', done);
        req.off('close', done);
        this.onOverflow = null;
        resolve(this.result(req));
      };
      req.on('end', done);
      req.on('close', done);
      this.onOverflow = done;
    });
  }

  private result(req: IncomingMessage): Buffer | null {
    if (this.overflowed || !req.readableEnded) return null;
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size);
  }
}
