/**
 * Links a replayed request to the exchange it replays. The replayer asks for a
 * one-time random token and sends it in `x-switchyard-replay`; the gateway
 * takes it back out before forwarding. A client cannot forge a link: tokens
 * are unguessable, single-use and expire.
 */
import { randomBytes } from 'node:crypto';

export const REPLAY_HEADER = 'x-switchyard-replay';
const TTL_MS = 60_000;

export class ReplayMarks {
  private readonly marks = new Map<string, { originalId: string; expires: number }>();

  issue(originalId: string): string {
    const now = Date.now();
    for (const [token, m] of this.marks) if (m.expires < now) this.marks.delete(token);
    const token = randomBytes(16).toString('base64url');
    this.marks.set(token, { originalId, expires: now + TTL_MS });
    return token;
  }

  /** The original exchange id for a token, consuming it; null if unknown or expired. */
  redeem(token: string): string | null {
    const mark = this.marks.get(token);
    if (mark === undefined) return null;
    this.marks.delete(token);
    return mark.expires >= Date.now() ? mark.originalId : null;
  }
}
