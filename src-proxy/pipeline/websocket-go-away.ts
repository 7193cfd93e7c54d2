/**
 * Closing spliced WebSockets cleanly when the gateway stops. Without it a
 * stop waited out its whole grace period for every open WebSocket (a dev
 * server's hot-reload socket is always open) and then cut the TCP
 * connections: browsers saw 1006 "abnormal closure". Instead each side gets a
 * Close frame, 1001 "going away" (RFC 6455 §7.4.1), slipped in between two
 * frames: the splice is raw bytes, so each direction's frame boundaries are
 * tracked (headers only, payloads are skipped) to know where a frame may go.
 * The peers answer with their own Close and the connections end within
 * moments. Only for `Upgrade: websocket`: other upgraded protocols have no
 * such frame and are still cut at the deadline.
 */
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';

/** Where one direction of a WebSocket connection stands between frames (RFC 6455 §5.2). */
export class FrameBoundaries {
  private readonly head = Buffer.alloc(14);
  private headLength = 0;
  private opcode = 0;
  private payloadLeft = 0;
  /** Close frames that have passed in full. */
  closes = 0;

  get atBoundary(): boolean {
    return this.headLength === 0 && this.payloadLeft === 0;
  }

  /**
   * Reads `chunk`; returns how many of its bytes were read. With `untilBoundary`
   * it stops at the first frame end (at once when already between frames).
   */
  read(chunk: Buffer, untilBoundary = false): number {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (untilBoundary && this.atBoundary) return i;
      if (this.payloadLeft > 0) {
        const take = Math.min(this.payloadLeft, n - i);
        this.payloadLeft -= take;
        i += take;
        if (this.payloadLeft === 0) this.frameEnd();
        continue;
      }
      this.head[this.headLength++] = chunk[i++];
      if (this.headLength < 2 || this.headLength < headerLength(this.head)) continue;
      this.opcode = this.head[0] & 0x0f;
      this.payloadLeft = payloadLength(this.head);
      this.headLength = 0;
      if (this.payloadLeft === 0) this.frameEnd();
    }
    return n;
  }

  private frameEnd(): void {
    if (this.opcode === 8) this.closes++;
  }
}

function headerLength(head: Buffer): number {
  const len7 = head[1] & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (head[1] & 0x80 ? 4 : 0);
}

function payloadLength(head: Buffer): number {
  const len7 = head[1] & 0x7f;
  if (len7 === 126) return head.readUInt16BE(2);
  if (len7 === 127) return head.readUInt32BE(2) * 2 ** 32 + head.readUInt32BE(6);
  return len7;
}

const GOING_AWAY = Buffer.concat([Buffer.from([0x03, 0xe9]), Buffer.from('gateway shutting down')]);

/** A Close frame with 1001; `masked` for frames a client sends (to the upstream), as §5.3 requires. */
export function goingAwayFrame(masked: boolean): Buffer {
  if (!masked) return Buffer.concat([Buffer.from([0x88, GOING_AWAY.length]), GOING_AWAY]);
  const key = randomBytes(4);
  const frame = Buffer.alloc(6 + GOING_AWAY.length);
  frame[0] = 0x88;
  frame[1] = 0x80 | GOING_AWAY.length;
  key.copy(frame, 2);
  for (let i = 0; i < GOING_AWAY.length; i++) frame[6 + i] = GOING_AWAY[i] ^ key[i % 4];
  return frame;
}

/**
 * One direction of a spliced WebSocket. Piped until `goAway`; then it relays
 * only up to the end of the frame under way, sends a Close (unless one already
 * went this way) and drops what follows, reading it only to see the sender's Close.
 */
export class SplicedDirection {
  readonly frames = new FrameBoundaries();
  private mode: 'piped' | 'finishing' | 'closed' = 'piped';

  constructor(
    private readonly from: Duplex,
    private readonly to: Duplex,
    private readonly toUpstream: boolean,
  ) {}

  /** Every chunk `from` sends, in order. */
  data(chunk: Buffer): void {
    if (this.mode !== 'finishing') {
      this.frames.read(chunk);
      return;
    }
    const n = this.frames.read(chunk, true);
    if (n > 0 && !this.to.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
      // The pipe's backpressure, kept for the rest of a large frame.
      this.from.pause();
      this.to.once('drain', () => this.from.resume());
    }
    if (!this.frames.atBoundary) return;
    this.close();
    if (n < chunk.length) this.frames.read(chunk.subarray(n));
  }

  goAway(): void {
    if (this.mode !== 'piped') return;
    this.from.unpipe(this.to);
    this.from.resume();
    if (this.frames.atBoundary) this.close();
    else this.mode = 'finishing';
  }

  /** A Close has gone to `to` (ours, or the sender's own). */
  get closed(): boolean {
    return this.mode === 'closed';
  }

  private close(): void {
    this.mode = 'closed';
    if (this.frames.closes === 0 && this.to.writable) this.to.write(goingAwayFrame(this.toUpstream));
  }
}

/** One listener's open WebSockets, told to go away when it closes (a stop, or retired by a config change). */
export class OpenWebSockets {
  private readonly open = new Set<() => void>();
  private stopping = false;

  /** Registers a connection's `goAway`; returns its unregister. One spliced after the close began goes away at once. */
  add(goAway: () => void): () => void {
    if (this.stopping) {
      goAway();
      return () => undefined;
    }
    this.open.add(goAway);
    return () => this.open.delete(goAway);
  }

  goAway(): void {
    this.stopping = true;
    for (const goAway of this.open) goAway();
    this.open.clear();
  }
}
