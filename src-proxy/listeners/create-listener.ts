/**
 * Which listener implementation serves a listener plan. The engine only knows
 * the `Listener` interface; the kind (plain HTTP, TLS + HTTP/2, forward proxy)
 * is decided here.
 */
import type { AddressInfo } from 'node:net';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import type { CertificateService } from '../tls/certificate-service.js';
import { ForwardListener } from './forward-listener.js';
import { HttpListener } from './http-listener.js';
import { HttpsListener } from './https-listener.js';
import { RedirectListener } from './redirect-listener.js';

export interface Listener {
  readonly plan: ListenerPlan;
  listen(): Promise<AddressInfo>;
  readonly boundAddress: AddressInfo | null;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
  close(graceMs: number): Promise<void>;
}

/** `certificates` is passed directly: a listener binds before the first generation exists. */
export function createListener(lp: ListenerPlan, getState: () => EngineState, certificates: CertificateService): Listener {
  if (lp.mode === 'forward') return new ForwardListener(lp, getState);
  if (lp.tls) return new HttpsListener({ ...lp, tls: lp.tls }, getState, certificates);
  if (lp.redirectTo !== null) return new RedirectListener({ ...lp, redirectTo: lp.redirectTo }, getState, certificates);
  return new HttpListener(lp, getState);
}

/** Listeners whose keys are equal can keep their socket across an apply. */
export function listenerKey(lp: ListenerPlan): string {
  return JSON.stringify([lp.host, lp.port, lp.mode, lp.limits, lp.tls, lp.http2, lp.redirectTo]);
}
