/**
 * Why a replay could not be sent or did not complete. Each failure is a
 * SwitchyardError (so the control service renders it like any other problem)
 * with a replay-specific `reason` for callers that branch on it.
 */
import { SwitchyardError, type ErrorCode } from '../errors.js';

export type ReplayFailure =
  /** Headers (or the URL / body) of the original were masked at capture; the user must supply them. */
  | 'MASKED_SECRETS'
  /** The original body was cut at the capture cap or cut short in transit (or its bytes were dropped); it cannot be resent as-is. */
  | 'BODY_INCOMPLETE'
  /** The edit is invalid (method, URL, header, body encoding). */
  | 'INVALID_EDIT'
  /** A WebSocket exchange: the replayer sends plain HTTP requests, not connection upgrades. */
  | 'NOT_REPLAYABLE'
  /** The target URL is not an http(s) origin. */
  | 'INVALID_TARGET'
  /** No listener to send a gateway replay to. */
  | 'NO_LISTENER'
  | 'CONNECT_FAILED'
  | 'CONNECT_TIMEOUT'
  | 'TIMEOUT'
  | 'RESET'
  | 'BAD_RESPONSE';

const CODES: Record<ReplayFailure, ErrorCode> = {
  MASKED_SECRETS: 'BAD_REQUEST',
  BODY_INCOMPLETE: 'BAD_REQUEST',
  INVALID_EDIT: 'BAD_REQUEST',
  NOT_REPLAYABLE: 'BAD_REQUEST',
  INVALID_TARGET: 'BAD_REQUEST',
  NO_LISTENER: 'NOT_FOUND',
  CONNECT_FAILED: 'UPSTREAM_CONNECT_FAILED',
  CONNECT_TIMEOUT: 'UPSTREAM_CONNECT_TIMEOUT',
  TIMEOUT: 'UPSTREAM_TIMEOUT',
  RESET: 'UPSTREAM_RESET',
  BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
};

export interface MaskedFields {
  /** Header names (as the original spelled them) whose values were masked. */
  headers: string[];
  /** The URL carries a masked JWT. */
  url: boolean;
  /** The body carries a masked JWT. */
  body: boolean;
}

export class ReplayError extends SwitchyardError {
  readonly reason: ReplayFailure;
  /** For MASKED_SECRETS: what needs a value. */
  readonly masked: MaskedFields | undefined;
  /** Id of the exchange recorded for the failed attempt (direct replays record failures too). */
  exchangeId: string | null = null;

  constructor(reason: ReplayFailure, message: string, opts: { cause?: unknown; masked?: MaskedFields } = {}) {
    super(CODES[reason], message, { cause: opts.cause });
    this.name = 'ReplayError';
    this.reason = reason;
    this.masked = opts.masked;
  }
}

export function isReplayError(e: unknown): e is ReplayError {
  return e instanceof ReplayError;
}
