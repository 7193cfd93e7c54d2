/** A target's status as `upstreams.status` reports it, for tests; override what matters. */
import type { TargetStatus } from '../../client/contract';

export const targetStatus = (over: Partial<TargetStatus> = {}): TargetStatus => ({
  id: 'pool/http://127.0.0.1:9001',
  url: 'http://127.0.0.1:9001',
  weight: 1,
  backup: false,
  available: true,
  activeHealthy: true,
  ejected: false,
  ejectedUntil: null,
  drained: false,
  inflight: 0,
  requests: 0,
  failures: 0,
  ...over,
});
