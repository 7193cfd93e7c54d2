/**
 * The messages of two WebSocket sessions compared in order by what was said:
 * direction, opcode and payload bytes. Not by `size`, which for a
 * permessage-deflate message is its compressed length on the wire: the same
 * session with and without compression says the same things.
 */
import type { WebSocketMessage } from '../capture/captured-exchange.js';

/** What differs in the first message that differs; `missing`: one session ended there. */
export type MessageDifference = 'direction' | 'opcode' | 'bytes' | 'missing';

export interface WebSocketDiff {
  same: boolean;
  /** Message counts. */
  a: number;
  b: number;
  /** Index of the first message that differs (direction, opcode or bytes), or where the shorter list ends; null when same. */
  firstDifference: number | null;
  /** What differs at firstDifference; null when same. */
  difference: MessageDifference | null;
  /** Messages cut at the capture cap on both sides were compared by their kept bytes only. */
  partial: boolean;
}

/** How two messages differ, or null; `partial` when both were cut and only their kept bytes could be compared. */
function compare(x: WebSocketMessage, y: WebSocketMessage): { difference: MessageDifference | null; partial: boolean } {
  if (x.direction !== y.direction) return { difference: 'direction', partial: false };
  if (x.opcode !== y.opcode) return { difference: 'opcode', partial: false };
  if (!Buffer.from(x.data).equals(Buffer.from(y.data))) return { difference: 'bytes', partial: false };
  // Equal kept bytes, but one was cut: it said more than the other, whose bytes are all there.
  if (x.truncated !== y.truncated) return { difference: 'bytes', partial: false };
  if (!x.truncated) return { difference: null, partial: false };
  // Both cut: a plain message's size is its payload's length, so unequal sizes differ; an inflated one's is the wire's, which says nothing.
  if (!x.inflated && !y.inflated && x.size !== y.size) return { difference: 'bytes', partial: false };
  return { difference: null, partial: true };
}

export function diffMessages(a: readonly WebSocketMessage[] | null, b: readonly WebSocketMessage[] | null): WebSocketDiff | null {
  if (a === null && b === null) return null;
  const as = a ?? [];
  const bs = b ?? [];
  let partial = false;
  let difference: MessageDifference | null = null;
  let i = 0;
  for (; i < as.length && i < bs.length; i++) {
    const c = compare(as[i], bs[i]);
    partial ||= c.partial;
    if (c.difference !== null) {
      difference = c.difference;
      break;
    }
  }
  if (difference === null && (as.length !== bs.length || (a === null) !== (b === null))) difference = 'missing';
  const same = difference === null;
  return { same, a: as.length, b: bs.length, firstDifference: same ? null : i, difference, partial };
}
