/**
 * TLS to https:// targets: verification against the system store plus the
 * upstream's extra CAs (unless `insecure`), an optional client certificate, and
 * the SNI name. undici would otherwise take SNI from the Host header — which is
 * the client's host when Host is preserved — so every request carries the
 * target's own name (or the configured `servername`).
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { buildConnector, type Dispatcher } from 'undici';
import type { UpstreamPlan } from '../config/plan.js';
import { SwitchyardError } from '../errors.js';
import { systemCaCertificates } from '../tls/system-ca.js';

/** Options for undici's `connect` (passed through to tls.connect). */
export function upstreamTlsOptions(upstream: UpstreamPlan): ConnectionOptions {
  const tls = upstream.tls;
  const ca = [...systemCaCertificates(), ...(tls?.ca ?? []).map((f) => readConfigFile(upstream, f, 'CA'))];
  const cert = tls?.cert ? readConfigFile(upstream, tls.cert, 'client certificate') : undefined;
  const key = tls?.key ? readConfigFile(upstream, tls.key, 'client key') : undefined;
  let secureContext;
  try {
    // One context per target: parsing the trust store on every connection would cost milliseconds each.
    secureContext = createSecureContext({ ca, cert, key, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new SwitchyardError('CONFIG_INVALID', `Upstream "${upstream.name}": invalid TLS files: ${(err as Error).message}`, { cause: err });
  }
  return { secureContext, rejectUnauthorized: !(tls?.insecure ?? false) };
}

/** The SNI name for a target: the configured servername, else the target's host name (none for IP addresses). */
export function upstreamServername(upstream: UpstreamPlan, origin: string): string | null {
  if (upstream.tls?.servername) return upstream.tls.servername;
  const host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
  return isIP(host) === 0 ? host : null;
}

/**
 * undici's connector for a target: TLS options plus a fixed SNI name, whatever
 * name the request carried (undici derives one from the Host header).
 */
export function upstreamConnector(upstream: UpstreamPlan, origin: string, timeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ ...upstreamTlsOptions(upstream), timeout: timeoutMs, allowH2: upstream.http2 } as buildConnector.BuildOptions);
  const servername = upstreamServername(upstream, origin) ?? undefined;
  return (opts, callback) => connect({ ...opts, servername }, callback);
}

/**
 * Gives every request the same name so that undici does not drop the connection
 * whenever the Host header changes (it reconnects when a request's SNI name differs).
 */
export function sameServername(origin: string): Dispatcher.DispatcherComposeInterceptor {
  const name = new URL(origin).hostname;
  return (dispatch) => (opts, handler) => dispatch({ ...opts, servername: name } as Dispatcher.DispatchOptions, handler);
}

function readConfigFile(upstream: UpstreamPlan, path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SwitchyardError('CONFIG_INVALID', `Upstream "${upstream.name}": cannot read the ${what} file ${path}: ${(err as Error).message}`, { cause: err });
  }
}
