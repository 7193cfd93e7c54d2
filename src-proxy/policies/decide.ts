/** Recording policy decisions on the exchange (for capture) and as events (for the live inspector). */
import type { PolicyDecision } from '../capture/captured-exchange.js';
import type { Exchange } from '../pipeline/exchange.js';

export function decide(ex: Exchange, decision: PolicyDecision): void {
  (ex.decisions ??= []).push(decision);
  const events = ex.state.events;
  if (events.active) events.emit({ type: 'exchange.policy', id: ex.uid, decision });
}
