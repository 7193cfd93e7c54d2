/**
 * The compiled runtime plan: immutable, derived once from a validated workspace.
 * Requests read the plan they started with; applying a config swaps the whole
 * object, so no request ever sees half of an old and half of a new config.
 */
import type { BalancerName, PolicyConfig } from './schema.js';

export interface CertificateFilePlan {
  readonly cert: string;
  readonly key: string;
  /** SNI names from the config, or null: take them from the certificate. */
  readonly hosts: readonly string[] | null;
}

export interface ListenerPlan {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly mode: 'reverse' | 'forward';
  readonly tls: {
    readonly certificates: 'local-ca' | readonly CertificateFilePlan[];
    readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  } | null;
  readonly http2: boolean;
  readonly redirectTo: string | null;
  /** Forward mode: host patterns whose HTTPS is intercepted. */
  readonly intercept: readonly string[];
  /** Forward mode: CIDRs allowed to use the proxy (default loopback). */
  readonly allowClients: readonly string[];
  /** Forward mode: ports CONNECT may reach. */
  readonly connectPorts: readonly number[];
  readonly proxyAuth: { readonly realm: string; readonly users: Readonly<Record<string, string>> } | null;
  readonly parentProxy: string | null;
  /** Forward mode: timeouts towards origins (connect covers the TLS handshake). */
  readonly originTimeouts: OriginTimeoutsPlan;
  /** Reverse mode: repeated slashes in request paths are merged before routing (nginx's merge_slashes). */
  readonly mergeSlashes: boolean;
  readonly limits: {
    readonly maxUrlLength: number;
    readonly maxHeaderSize: number;
    readonly maxBodySize: number | null;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
}

export interface OriginTimeoutsPlan {
  readonly connectMs: number;
  readonly responseMs: number;
  readonly idleMs: number;
}

export type ValueMatcher = (value: string | undefined) => boolean;
/** The condition a matcher tests, kept so exporters can translate it. */
export type ValueCondition = { readonly equals: string } | { readonly regex: string } | { readonly present: boolean };

export interface RouteMatchPlan {
  /** Exact host names (lower case), or null for any host. */
  readonly hosts: ReadonlySet<string> | null;
  /** Wildcard suffixes such as ".example.test" from "*.example.test". */
  readonly hostSuffixes: readonly string[];
  readonly path: string | null;
  readonly exact: boolean;
  readonly pathRegex: RegExp | null;
  readonly methods: ReadonlySet<string> | null;
  readonly headers: readonly (readonly [name: string, test: ValueMatcher, condition: ValueCondition])[];
  readonly query: readonly (readonly [name: string, test: ValueMatcher, condition: ValueCondition])[];
}

export type RouteAction =
  | { readonly kind: 'proxy'; readonly upstream: string }
  | { readonly kind: 'respond'; readonly status: number; readonly body: Buffer; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'redirect'; readonly to: string; readonly status: number };

export interface RewritePlan {
  readonly stripPrefix: string | null;
  readonly replacePrefix: { readonly from: string; readonly to: string } | null;
  readonly regex: { readonly pattern: RegExp; readonly replacement: string } | null;
  readonly host: string | null;
}

export interface RoutePlan {
  readonly name: string;
  /** Position in the file, the last tie-breaker. */
  readonly index: number;
  readonly priority: number;
  /** Listener names, or null for every reverse listener. */
  readonly listeners: ReadonlySet<string> | null;
  readonly match: RouteMatchPlan;
  readonly rewrite: RewritePlan | null;
  readonly policies: readonly string[];
  readonly action: RouteAction;
}

export interface TargetPlan {
  /** `<upstream>/<url>`: stable across re-applies so health state carries over. */
  readonly id: string;
  readonly url: string;
  readonly origin: string;
  readonly weight: number;
  readonly backup: boolean;
}

export interface HealthCheckPlan {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyAfter: number;
  readonly unhealthyAfter: number;
  /** Inclusive status ranges. */
  readonly expectStatus: readonly (readonly [number, number])[];
  readonly host: string | null;
}

export type RetryCondition = 'connect-failure' | 'timeout' | 'reset' | number;

export interface UpstreamPlan {
  readonly name: string;
  readonly balancer: BalancerName;
  readonly hashOn: string | null;
  readonly targets: readonly TargetPlan[];
  readonly sticky: { readonly cookie: string; readonly ttlMs: number | null } | null;
  readonly slowStartMs: number;
  readonly healthCheck: HealthCheckPlan | null;
  readonly outlier: { readonly consecutiveFailures: number; readonly ejectForMs: number; readonly maxEjectionPercent: number } | null;
  readonly retry: {
    readonly attempts: number;
    readonly on: ReadonlySet<RetryCondition>;
    readonly budget: number;
    /** Largest request body kept for a retry on conditions other than connect-failure. */
    readonly bodyBufferBytes: number;
  } | null;
  readonly timeouts: { readonly connectMs: number; readonly responseMs: number; readonly idleMs: number };
  readonly keepAlive: { readonly connections: number; readonly idleTimeoutMs: number };
  readonly hostHeader: 'preserve' | 'target' | { readonly fixed: string };
  /** TLS settings for https:// targets (null: defaults — verify against the system store). */
  readonly tls: {
    readonly ca: readonly string[];
    readonly insecure: boolean;
    readonly servername: string | null;
    readonly cert: string | null;
    readonly key: string | null;
  } | null;
  readonly http2: boolean;
  /** Canonical JSON of the upstream's config: equal keys mean the runtime can be kept on re-apply. */
  readonly fingerprint: string;
}

export interface CapturePlan {
  readonly enabled: boolean;
  readonly maxBodySize: number;
  readonly keepSecrets: boolean;
  /** Lower-case header names whose values are masked (built-ins, API-key headers of policies, maskHeaders). */
  readonly secretHeaders: ReadonlySet<string>;
  /** Query parameters whose values are masked in captured URLs (API keys and tokens named by policies). */
  readonly secretQueryParams: ReadonlySet<string>;
}

export interface HistoryPlan {
  readonly enabled: boolean;
  readonly maxRows: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
}

export interface Plan {
  readonly listeners: readonly ListenerPlan[];
  /** Sorted most specific first: priority, exact, longest prefix, file order. */
  readonly routes: readonly RoutePlan[];
  readonly upstreams: ReadonlyMap<string, UpstreamPlan>;
  readonly policies: ReadonlyMap<string, PolicyConfig>;
  readonly capture: CapturePlan;
  readonly history: HistoryPlan;
  /** Non-fatal notes for the user (e.g. a policy type not enforced yet). */
  readonly warnings: readonly string[];
}
