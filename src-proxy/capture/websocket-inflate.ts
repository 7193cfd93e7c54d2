/**
 * permessage-deflate (RFC 7692) undone for capture, one inflater per
 * direction, messages in the order they were sent. With context takeover
 * (the default) a message refers back into the ones before it: a token sent
 * once comes back in later messages as a few bytes that only the earlier
 * text explains. So the last 32 KiB of output (the largest window the
 * extension allows) is the next message's inflate dictionary; when the
 * peers negotiated no_context_takeover nothing refers back into it.
 *
 * Once a message cannot be decoded whole (cut at the capture cap, corrupt,
 * over the budget) the window is unknown, and later messages would decode to
 * plausible garbage: the direction stops decoding for good.
 */
import zlib, { constants } from 'node:zlib';
import { MAX_DECODED } from './content-coding.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const WINDOW = 32 * 1024;

export class MessageInflater {
  private window: Buffer | null = null;
  private stopped = false;
  /** Decoded bytes left for this direction: a bound on what a peer can make capture inflate. */
  private budget = MAX_DECODED;

  /**
   * The message's decoded payload (as far as it goes when `whole` is false:
   * the capture kept only its start), or null when it cannot be decoded.
   */
  inflate(payload: Buffer, whole: boolean): Buffer | null {
    if (this.stopped) return null;
    if (!whole) this.stopped = true;
    try {
      const out = zlib.inflateRawSync(whole ? Buffer.concat([payload, TAIL]) : payload, {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, this.budget),
        ...(this.window === null ? {} : { dictionary: this.window }),
      });
      this.budget -= out.length;
      if (whole) this.remember(out);
      return out;
    } catch {
      this.stopped = true;
      return null;
    }
  }

  /** Nothing more is wanted from this direction. */
  stop(): void {
    this.stopped = true;
    this.window = null;
  }

  private remember(out: Buffer): void {
    if (out.length >= WINDOW) this.window = Buffer.from(out.subarray(out.length - WINDOW));
    else if (out.length > 0) {
      const kept = this.window === null ? out : Buffer.concat([this.window, out]);
      this.window = kept.length > WINDOW ? Buffer.from(kept.subarray(kept.length - WINDOW)) : kept;
    }
  }
}
