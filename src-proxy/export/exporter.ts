/**
 * The contract every exporter implements: read the compiled plan (and the
 * workspace it came from), produce one production config, and say exactly
 * what did not translate. The report is returned to the UI, printed on stderr
 * by the CLI, and written as comments at the top of the generated file.
 */
import type { Plan } from '../config/plan.js';

export const EXPORT_TARGETS = ['nginx', 'haproxy', 'caddy', 'envoy', 'traefik', 'kong', 'gateway-api'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** exact: same behaviour; approximated: close, `detail` says how; unsupported: left out, `detail` says what is lost. */
export type Fidelity = 'exact' | 'approximated' | 'unsupported';

export interface TranslationNote {
  fidelity: Fidelity;
  /** What it is about, e.g. `upstream users: balancer least-connections`, `route users-v2: policy free-plan`. */
  subject: string;
  /** How it was translated or why it could not be. */
  detail: string;
}

export interface ExportOptions {
  /** Write API keys, JWT secrets and password hashes in clear instead of placeholders (default false). */
  includeSecrets: boolean;
}

export interface ExportResult {
  target: ExportTarget;
  /** The generated config, report comments included at the top. */
  text: string;
  /** Suggested file name, e.g. `nginx.conf`, `haproxy.cfg`, `Caddyfile`, `envoy.yaml`. */
  fileName: string;
  notes: TranslationNote[];
}

export type Exporter = (plan: Plan, opts: ExportOptions) => ExportResult;
