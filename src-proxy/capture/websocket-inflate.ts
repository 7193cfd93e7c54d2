/**
 * permessage-deflate (RFC 7692) undone for capture: one raw-inflate stream
 * per direction, fed every payload byte in the order it was sent, as the
 * receiving end does. With context takeover (the default) a message refers
 * back into the ones before it (a token sent once comes back as a few bytes
 * that only the earlier text explains), so the stream has to see all of
 * them, including what the capture cap does not keep. The work runs in
 * zlib's thread pool; each message keeps only the first `cap` bytes of what
 * it decodes to.
 *
 * Bounds: the output a direction may make zlib produce grows with what the
 * peer sent (16 MiB, plus 64 times the bytes sent), and the decoded bytes it
 * may keep likewise (1 MiB, plus 16 times), so a few kilobytes of deflate
 * bombs cost neither much work nor much memory; and at most 16 MiB may wait
 * for zlib when a peer sends faster than it decodes. Past a bound, or at a
 * corrupt message, the direction stops decoding for good: later messages
 * would decode to plausible garbage.
 */
import zlib, { constants } from 'node:zlib';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const MIB = 1024 * 1024;
const MAX_BEHIND = 16 * MIB;

export interface InflatedMessage {
  /** The first `cap` bytes of the message's payload (fewer when the direction's allowance ran out). */
  data: Buffer;
  /** The payload was longer than `data`. */
  truncated: boolean;
}

export class MessageInflater {
  private stream: zlib.InflateRaw | null = null;
  private stopped = false;
  private sent = 0;
  private produced = 0;
  private keptTotal = 0;
  /** The output of the message being flushed. */
  private parts: Buffer[] = [];
  private kept = 0;
  private more = false;
  /** Messages ended and not yet flushed, oldest first. */
  private readonly waiting: ((m: InflatedMessage | null) => void)[] = [];

  constructor(private readonly cap: number) {}

  /** The next payload bytes of the current compressed message (unmasked). */
  write(chunk: Buffer): void {
    if (this.stopped) return;
    this.sent += chunk.length;
    const stream = this.open();
    // zlib falling this far behind a fast peer: stop rather than buffer without end.
    if (stream.writableLength > MAX_BEHIND) this.stop();
    else stream.write(chunk);
  }

  /** The current message is complete: its decoded start, or null when it could not be decoded. */
  end(): Promise<InflatedMessage | null> {
    if (this.stopped) return Promise.resolve(null);
    const stream = this.open();
    stream.write(TAIL);
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      stream.flush(constants.Z_SYNC_FLUSH, () => {
        // An error or stop already answered every waiting message.
        if (this.stopped) return;
        const message = { data: Buffer.concat(this.parts, this.kept), truncated: this.more };
        this.parts = [];
        this.kept = 0;
        this.more = false;
        this.waiting.shift()?.(message);
      });
    });
  }

  /** Nothing more is wanted from this direction (or it broke): frees the stream, answers what waits with null. */
  stop(): void {
    this.stopped = true;
    this.stream?.destroy();
    this.stream = null;
    for (const resolve of this.waiting.splice(0)) resolve(null);
  }

  private open(): zlib.InflateRaw {
    if (this.stream !== null) return this.stream;
    const stream = zlib.createInflateRaw({ chunkSize: 64 * 1024 });
    stream.on('data', (out: Buffer) => this.output(out));
    stream.on('error', () => this.stop());
    this.stream = stream;
    return stream;
  }

  private output(out: Buffer): void {
    this.produced += out.length;
    if (this.produced > 16 * MIB + 64 * this.sent) {
      this.stop();
      return;
    }
    const room = Math.min(this.cap - this.kept, MIB + 16 * this.sent - this.keptTotal);
    if (out.length > room) this.more = true;
    if (room <= 0) return;
    const part = out.length <= room ? out : Buffer.from(out.subarray(0, room));
    this.parts.push(part);
    this.kept += part.length;
    this.keptTotal += part.length;
  }
}
