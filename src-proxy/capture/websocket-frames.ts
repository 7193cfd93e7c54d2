/**
 * A passive WebSocket frame reader (RFC 6455 §5.2) for one direction of a
 * spliced connection: it sees copies of the bytes, never changes them, and
 * turns them into messages for capture (fragments joined, client masks
 * removed, each payload kept up to a cap). Compressed messages
 * (permessage-deflate, RSV1) are kept decoded (see MessageInflater), or as
 * sent and flagged when they cannot be. Messages reach `onMessage` in the
 * order they were sent; a compressed one once zlib has decoded it.
 */
import type { WebSocketMessage } from './captured-exchange.js';
import { MessageInflater } from './websocket-inflate.js';

const OPCODES: Record<number, WebSocketMessage['opcode']> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

export class WebSocketFrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come, when a frame spans chunks. */
  private remaining = 0;
  private maskKey: Buffer | null = null;
  private maskOffset = 0;
  private message: { opcode: WebSocketMessage['opcode']; parts: Buffer[]; kept: number; size: number; compressed: boolean; fin: boolean } | null = null;
  private control: typeof this.message = null;
  private broken = false;
  /** `onMessage` wants no more. */
  private stoppedReading = false;
  private readonly inflater: MessageInflater;
  /** Messages handed over in order: each waits for the one before (a compressed one for zlib). */
  private delivered: Promise<void> = Promise.resolve();

  /** `onMessage` answers whether it wants more; once it does not, the reader stops reading. */
  constructor(
    private readonly direction: WebSocketMessage['direction'],
    private readonly capPerMessage: number,
    private readonly onMessage: (m: WebSocketMessage) => boolean,
  ) {
    this.inflater = new MessageInflater(capPerMessage);
  }

  /** Resolves once every message read so far has been handed over; the reader reads nothing more. */
  settled(): Promise<void> {
    this.broken = true;
    return this.delivered.then(() => this.inflater.stop());
  }

  push(chunk: Buffer): void {
    if (this.broken) return;
    let data = this.buffer.length > 0 ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.buffer = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, data.length);
        this.payload(data.subarray(0, take));
        data = data.subarray(take);
        this.remaining -= take;
        if (this.remaining === 0) this.frameDone();
        continue;
      }
      const header = this.readHeader(data);
      if (header === null) {
        this.buffer = Buffer.from(data); // wait for the rest of the header
        return;
      }
      data = data.subarray(header.length);
      if (this.broken) return;
      if (this.remaining === 0) this.frameDone();
    }
  }

  private current(): NonNullable<typeof this.message> | null {
    return this.control ?? this.message;
  }

  private readHeader(data: Buffer): { length: number } | null {
    if (data.length < 2) return null;
    const fin = (data[0] & 0x80) !== 0;
    const rsv1 = (data[0] & 0x40) !== 0;
    const opcode = data[0] & 0x0f;
    const masked = (data[1] & 0x80) !== 0;
    let len = data[1] & 0x7f;
    let offset = 2;
    if (len === 126) {
      if (data.length < 4) return null;
      len = data.readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (data.length < 10) return null;
      const big = data.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.broken = true;
        return { length: data.length };
      }
      len = Number(big);
      offset = 10;
    }
    if (masked) {
      if (data.length < offset + 4) return null;
      this.maskKey = Buffer.from(data.subarray(offset, offset + 4));
      offset += 4;
    } else {
      this.maskKey = null;
    }
    this.maskOffset = 0;
    this.remaining = len;
    if (opcode >= 8) {
      this.control = { opcode: OPCODES[opcode] ?? 'binary', parts: [], kept: 0, size: 0, compressed: false, fin: true };
    } else if (opcode === 0 && this.message) {
      this.message.fin = fin;
    } else {
      this.message = { opcode: OPCODES[opcode] ?? 'binary', parts: [], kept: 0, size: 0, compressed: rsv1, fin };
    }
    return { length: offset };
  }

  private payload(bytes: Buffer): void {
    const m = this.current();
    if (!m) return;
    m.size += bytes.length;
    // A compressed message's every byte goes to the inflater (the next messages may refer back to it).
    const inflating = m === this.message && m.compressed;
    const room = this.capPerMessage - m.kept;
    if (room <= 0 && !inflating) return;
    const part = Buffer.from(inflating ? bytes : bytes.subarray(0, room));
    if (this.maskKey) {
      for (let i = 0; i < part.length; i++) part[i] ^= this.maskKey[(this.maskOffset + i) & 3];
    }
    this.maskOffset += bytes.length;
    if (inflating) this.inflater.write(part);
    if (room <= 0) return;
    const kept = part.length <= room ? part : part.subarray(0, room);
    m.parts.push(kept);
    m.kept += kept.length;
  }

  private frameDone(): void {
    const m = this.current();
    if (!m) return;
    if (this.control) this.control = null;
    else if (!m.fin) return;
    else this.message = null;
    const base = { time: Date.now(), direction: this.direction, opcode: m.opcode, size: m.size };
    const asSent: WebSocketMessage = { ...base, data: Buffer.concat(m.parts, m.kept), truncated: m.size > m.kept, ...(m.compressed ? { compressed: true } : {}) };
    const inflated = m.compressed ? this.inflater.end() : null;
    this.delivered = this.delivered.then(async () => {
      const decoded = inflated === null ? null : await inflated;
      if (this.stoppedReading) return;
      const message: WebSocketMessage = decoded === null ? asSent : { ...base, data: decoded.data, truncated: decoded.truncated, inflated: true };
      if (!this.onMessage(message)) {
        this.stoppedReading = true;
        this.broken = true;
        this.inflater.stop();
      }
    });
  }
}
