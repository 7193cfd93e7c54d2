/** What one request reads at its start and keeps until it ends: one generation of the config. */
import type { ListenerPlan, Plan } from './config/plan.js';
import type { CaptureHub } from './capture/capture-hub.js';
import type { EventBus } from './events.js';
import type { Policy } from './policies/policy.js';
import type { Upstream } from './upstream/upstream.js';
import type { CertificateService } from './tls/certificate-service.js';

export interface EngineState {
  readonly generation: number;
  readonly plan: Plan;
  readonly listeners: ReadonlyMap<string, ListenerPlan>;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  /** Runtimes of the policies the engine enforces, by name. */
  readonly policies: ReadonlyMap<string, Policy>;
  readonly events: EventBus;
  readonly capture: CaptureHub;
  /** The local CA and issued certificates; one per engine, shared by all generations. */
  readonly certificates: CertificateService;
}
