/**
 * Which listener implementation serves a listener plan. The engine only knows
 * the `Listener` interface; the kind (plain HTTP, TLS + HTTP/2, forward proxy)
 * is decided here.
 */
import type { AddressInfo } from 'node:net';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { HttpListener } from './http-listener.js';

export interface Listener {
  readonly plan: ListenerPlan;
  listen(): Promise<AddressInfo>;
  readonly boundAddress: AddressInfo | null;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

/** Why this engine cannot serve a listener (it is then reported, not bound), or null. */
export function unservedReason(lp: ListenerPlan): string | null {
  if (lp.mode === 'forward') return 'forward mode is not available in this version yet';
  if (lp.tls) return 'TLS termination is not available in this version yet';
  return null;
}

export function createListener(lp: ListenerPlan, getState: () => EngineState): Listener {
  return new HttpListener(lp, getState);
}

/** Listeners whose keys are equal can keep their socket across an apply. */
export function listenerKey(lp: ListenerPlan): string {
  return JSON.stringify([lp.host, lp.port, lp.limits]);
}
