/**
 * The policy contract. A policy is named once under `policies:` and listed per
 * route; the engine builds one `Policy` per name and keeps it across applies
 * while its config is unchanged (so rate-limit buckets and cache entries
 * survive a hot reload). A route's policies run in order as request steps:
 *
 * - to refuse, throw a `SwitchyardError` (it becomes an RFC 9457 problem);
 * - to answer from the gateway (preflight, mock, cache hit), write through
 *   `responseSink(ex)` and do not call `next`;
 * - to change the response, wrap the sink with `wrapResponse(ex, …)` before
 *   calling `next` — response work unwinds in reverse order, like middleware;
 * - to record what was decided, call `decide(ex, …)`: capture and the
 *   inspector show it, and an `exchange.policy` event carries it.
 */
import type { PolicyOf, PolicyType } from '../config/policy-schema.js';
import type { Step } from '../pipeline/compose.js';
import type { Exchange } from '../pipeline/exchange.js';

export interface Policy {
  readonly name: string;
  readonly type: PolicyType;
  readonly handle: Step<Exchange>;
  /** Frees timers, sockets and files when the policy leaves the running config. */
  close?(): void | Promise<void>;
}

export interface PolicyContext {
  /** `<data-dir>`, for policies that keep files (the cache's disk store); null when none (tests). */
  readonly dataDir: string | null;
}

export type IssueReporter = (path: (string | number)[], message: string, severity?: 'error' | 'warning') => void;

export interface PolicyFactory<T extends PolicyType> {
  /** What the schema cannot check (cross-field rules, bad regexes, unreadable files); paths are relative to the policy. */
  check?(config: PolicyOf<T>, report: IssueReporter): void;
  create(name: string, config: PolicyOf<T>, ctx: PolicyContext): Policy;
}
