/**
 * Finds the gateway's own exchange for a replay sent through a listener. The
 * replay token travels in the request, so the `exchange.start` event whose
 * raw headers carry it is ours: that gives the exchange id (the history key)
 * before any response byte leaves, whatever X-Request-Id the request has and
 * whether or not capture is on. `exchange.complete` then gives route,
 * upstream, target and attempts.
 */
import { REPLAY_HEADER } from '../capture/replay-marks.js';
import type { EventBus, ExchangeCompleteEvent } from '../events.js';

export interface GatewayLink {
  /** The gateway's exchange id, once its start event was seen. */
  readonly id: string | null;
  /** Resolves with the completion event, or null when it did not come within `timeoutMs`. */
  completion(timeoutMs: number): Promise<ExchangeCompleteEvent | null>;
  stop(): void;
}

export function watchReplay(events: EventBus, token: string): GatewayLink {
  let id: string | null = null;
  let done: ExchangeCompleteEvent | null = null;
  let wake: (() => void) | null = null;
  const off = events.on((event) => {
    if (event.type === 'exchange.start' && id === null) {
      const raw = event.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (raw[i + 1] === token && raw[i].toLowerCase() === REPLAY_HEADER) {
          id = event.id;
          break;
        }
      }
    } else if (event.type === 'exchange.complete' && id !== null && event.id === id) {
      done = event;
      wake?.();
    }
  });
  return {
    get id() {
      return id;
    },
    completion(timeoutMs: number) {
      if (done !== null || id === null) return Promise.resolve(done);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(done), timeoutMs);
        wake = () => {
          clearTimeout(timer);
          resolve(done);
        };
      });
    },
    stop: off,
  };
}
