/**
 * headers: add, set, remove and rename request and response headers, and the
 * security-headers preset. Preset headers fill in what the upstream did not
 * set (an upstream that sends its own CSP keeps it); HSTS only on TLS
 * listeners, where browsers honour it (RFC 6797 §7.2).
 */
import type { PolicyOf } from '../config/policy-schema.js';
import { parseDuration } from '../config/units.js';
import { addRequestHeader, removeRequestHeader, renameRequestHeader, setRequestHeader } from '../pipeline/request-headers.js';
import { ForwardingSink, wrapResponse, type ResponseHeaders, type ResponseSink } from '../pipeline/response-sink.js';
import { applyToResponse, compileHeaderOps, type HeaderOps } from './header-ops.js';
import type { Policy, PolicyFactory } from './policy.js';

type Config = PolicyOf<'headers'>;

interface SecurityPreset {
  /** Set on every response that lacks them. */
  readonly always: readonly (readonly [string, string])[];
  /** Strict-Transport-Security value, for TLS listeners. */
  readonly hsts: string | null;
}

export const headersPolicy: PolicyFactory<'headers'> = {
  check(config, report) {
    const empty = !config.request && !config.response && !config.securityHeaders;
    if (empty) report([], 'this headers policy changes nothing: give request, response or securityHeaders', 'warning');
  },
  create(name, config): Policy {
    const request = compileHeaderOps(config.request);
    const response = compileHeaderOps(config.response);
    const preset = securityPreset(config.securityHeaders);
    return {
      name,
      type: 'headers',
      handle(ex, next) {
        if (request !== null) {
          for (const h of request.remove) removeRequestHeader(ex, h);
          for (const [from, to] of request.rename) renameRequestHeader(ex, from, to);
          for (const [h, v] of request.set) setRequestHeader(ex, h, v);
          for (const [h, v] of request.add) addRequestHeader(ex, h, v);
        }
        if (response !== null || preset !== null) {
          const tls = ex.listener.tls !== null;
          wrapResponse(ex, (inner) => new HeadersSink(inner, response, preset, tls));
        }
        return next();
      },
    };
  },
};

class HeadersSink extends ForwardingSink {
  constructor(
    inner: ResponseSink,
    private readonly ops: HeaderOps | null,
    private readonly preset: SecurityPreset | null,
    private readonly tls: boolean,
  ) {
    super(inner);
  }

  override head(status: number, headers: ResponseHeaders, statusMessage?: string): void {
    if (this.ops !== null) applyToResponse(this.ops, headers);
    if (this.preset !== null) {
      for (const [h, v] of this.preset.always) headers[h] ??= v;
      if (this.tls && this.preset.hsts !== null) headers['strict-transport-security'] ??= this.preset.hsts;
    }
    super.head(status, headers, statusMessage);
  }
}

function securityPreset(option: Config['securityHeaders']): SecurityPreset | null {
  if (option === undefined || option === false) return null;
  const o = option === true ? {} : option;
  const always: [string, string][] = [];
  if (o.contentTypeOptions !== false) always.push(['x-content-type-options', 'nosniff']);
  if (o.frameOptions !== false) always.push(['x-frame-options', o.frameOptions ?? 'DENY']);
  if (o.referrerPolicy !== false) always.push(['referrer-policy', o.referrerPolicy ?? 'strict-origin-when-cross-origin']);
  if (o.csp !== undefined) always.push(['content-security-policy', o.csp]);
  let hsts: string | null = null;
  if (o.hsts !== false) {
    const h = o.hsts ?? { maxAge: '365d', includeSubDomains: true, preload: false };
    hsts = `max-age=${Math.floor(parseDuration(h.maxAge) / 1000)}${h.includeSubDomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`;
  }
  return { always, hsts };
}
