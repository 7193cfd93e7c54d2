/**
 * The proxy step: pick a target, call it, and on a retryable failure try
 * another target — for idempotent requests, whose body (if any) is sent again
 * from a bounded copy (upload-copy.ts); and for any request when the target
 * could not be connected to (nothing was sent, so the upload is still unread,
 * as nginx and HAProxy retry it). Only before any response byte reached the
 * client, within `retry.attempts` and the upstream's retry budget.
 */
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import type { RetryCondition, UpstreamPlan } from '../../config/plan.js';
import { SwitchyardError } from '../../errors.js';
import { rewritePath } from '../../router/rewrite.js';
import { upstreamTlsError } from '../../tls/upstream-tls-error.js';
import type { Exchange } from '../exchange.js';
import { upstreamRequestHeaders } from './forward-headers.js';
import { attemptUpstream, type FailureKind } from './upstream-call.js';
import { UploadCopy } from './upload-copy.js';

const NEVER = (): boolean => false;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Statuses that count as target failures for outlier detection. */
const GATEWAY_FAILURE_STATUSES = new Set([502, 503, 504]);

export async function proxyRequest(ex: Exchange, upstreamName: string): Promise<void> {
  const upstream = ex.state.upstreams.get(upstreamName);
  if (upstream === undefined) throw new SwitchyardError('INTERNAL', `Upstream "${upstreamName}" is missing from the running plan.`);
  ex.upstream = upstream;
  const plan = upstream.plan;
  const route = ex.route;
  const path = route?.rewrite ? rewritePath(route.rewrite, ex.path) : ex.path;
  const upstreamPath = ex.search === '' ? path : `${path}?${ex.search}`;
  const retry = plan.retry;
  const canRetry = retry !== null && retry.attempts > 0;
  const idempotent = IDEMPOTENT.has(ex.method);
  const copy = canRetry && idempotent ? uploadCopyFor(ex, retry) : null;
  // A streamed body can be sent again only from its copy, and only while the copy still holds all of it.
  const resendable = (): boolean => idempotent && (!ex.hasBody || ex.bodyOverride !== null || copy?.usable === true);
  const stickyCookie = plan.sticky ? ex.cookie(plan.sticky.cookie) : undefined;
  upstream.budget?.recordRequest();

  /** Ids of the targets tried: a retry after a config re-apply compares them with the live upstream's targets. */
  let tried: Set<string> | null = null;
  let lastFailure: { failure: FailureKind | number; error?: Error } | null = null;
  const events = ex.state.events;

  for (;;) {
    let body: Buffer | null = null;
    if (copy?.started) {
      // A later attempt after the upload began: wait for the rest of it (the failed attempt drains it into the copy).
      body = await copy.whole(ex.req);
      if (body === null) {
        if (!copy.usable) throw failureError(lastFailure!, upstreamName);
        // The client left before sending all of it.
        ex.aborted = true;
        return;
      }
      const max = bodyLimit(ex);
      if (max !== null && body.length > max) throw new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body exceeded ${max} bytes.`);
    }
    const live = upstream.live();
    const target = live.choose(ex, tried);
    if (target === undefined) {
      if (lastFailure !== null) throw failureError(lastFailure, upstreamName);
      throw new SwitchyardError('NO_HEALTHY_TARGET', live.noTargetDetail(), {
        headers: { 'retry-after': '5' },
      });
    }
    ex.attempts++;
    ex.target = target;
    if (events.active) {
      events.emit({
        type: 'exchange.upstream',
        id: ex.uid,
        upstream: upstreamName,
        target: target.url,
        attempt: ex.attempts,
        ...(lastFailure ? { retryReason: String(lastFailure.failure) } : {}),
      });
    }
    const retriesLeft = canRetry && ex.attempts <= (retry?.attempts ?? 0);
    // Only give up on an answer if another target could still give a better one.
    const mayRetry = retriesLeft
      ? (condition: RetryCondition): boolean =>
          (condition === 'connect-failure' || resendable()) && retry!.on.has(condition) && live.hasUntried(tried, target) && upstream.budget!.tryRetry()
      : NEVER;

    ex.dispatchedAt ||= performance.now();
    target.inflight++;
    let outcome;
    try {
      outcome = await attemptUpstream(ex, target, {
        path: upstreamPath,
        headers: upstreamRequestHeaders(ex, target),
        body: body ?? requestBody(ex, copy),
        retryStatus: mayRetry,
        setCookie: live.stickyCookie(target, stickyCookie, ex.scheme === 'https'),
      });
    } finally {
      target.inflight--;
    }

    switch (outcome.kind) {
      case 'completed':
        if (GATEWAY_FAILURE_STATUSES.has(outcome.status)) target.recordFailure(`status ${outcome.status}`);
        else target.recordSuccess();
        return;
      case 'client-aborted':
        return;
      case 'retry-status':
        target.recordFailure(`status ${outcome.status}`);
        lastFailure = { failure: outcome.status };
        break;
      case 'failed':
        if (ex.bodyTooLarge) throw new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body exceeded ${bodyLimit(ex)} bytes.`);
        target.recordFailure(outcome.failure);
        lastFailure = { failure: outcome.failure, error: outcome.error };
        if (outcome.committed) throw failureError(lastFailure, upstreamName);
        // 'bad-response' maps to no retry condition on purpose: garbage is not transient.
        if (outcome.failure === 'bad-response' || !mayRetry(outcome.failure)) throw failureError(lastFailure, upstreamName);
        break;
    }
    tried ??= new Set();
    tried.add(target.id);
  }
}

/**
 * A copy to keep of an idempotent request's upload, when a retry on a condition
 * other than connect-failure may need it and a declared length fits the limit
 * (a chunked body is let go if it outgrows it).
 */
function uploadCopyFor(ex: Exchange, retry: NonNullable<UpstreamPlan['retry']>): UploadCopy | null {
  if (!ex.hasBody || ex.bodyOverride !== null || retry.bodyBufferBytes === 0) return null;
  if (retry.on.size === (retry.on.has('connect-failure') ? 1 : 0)) return null;
  const length = ex.req.headers['content-length'];
  if (ex.req.headers['transfer-encoding'] === undefined && Number(length) > retry.bodyBufferBytes) return null;
  return new UploadCopy(retry.bodyBufferBytes);
}

/**
 * The body to stream upstream. A Content-Length body goes as is (undici checks
 * the length); a chunked one is counted on the way through, and cut with a 413
 * if it outgrows the listener's limit — without ever buffering it, except into
 * `copy` (bounded) when a retry may have to send it again.
 */
export function requestBody(ex: Exchange, copy: UploadCopy | null = null): NodeJS.ReadableStream | AsyncIterable<Buffer> | Buffer | null {
  if (ex.bodyOverride !== null) return ex.bodyOverride;
  if (!ex.hasBody) return null;
  const h = ex.req.headers;
  if (h['transfer-encoding'] === undefined) {
    // undici destroys the body of a failed or early-answered request; destroying
    // the IncomingMessage itself would wedge the client connection (node stops
    // reading it), so undici gets a pipe and the rest of the upload is drained.
    const body = new PassThrough();
    // Piped only once undici starts sending it: an attempt that cannot connect leaves the upload
    // unread for a retry (a chunked body, an async generator, is lazy in the same way).
    body.once('resume', () => {
      // Counted from here: an upload no target took was never read (capture must not call it cut short).
      ex.bytesIn = Number(h['content-length']);
      ex.req.pipe(body);
      const collector = ex.requestBody;
      if (copy !== null) copy.started = true;
      // Attached after pipe(), so they only see what the pipe already reads (no change of flow); they stay
      // when a failed attempt unpipes and drains the rest, so capture and the copy get all of it.
      if (collector !== null) ex.req.on('data', (chunk: Buffer) => collector.add(chunk));
      if (copy !== null) ex.req.on('data', (chunk: Buffer) => copy.add(chunk));
      body.once('close', () => drainRest(ex));
    });
    return body;
  }
  return countedBody(ex, bodyLimit(ex), copy);
}

/** The tighter of the listener's body limit and a body-limit policy's. */
function bodyLimit(ex: Exchange): number | null {
  const listener = ex.listener.limits.maxBodySize;
  const policy = ex.bodyLimit;
  return policy === null ? listener : listener === null ? policy : Math.min(policy, listener);
}

async function* countedBody(ex: Exchange, max: number | null, copy: UploadCopy | null): AsyncIterable<Buffer> {
  if (copy !== null) copy.started = true;
  const take = (chunk: Buffer): void => {
    ex.bytesIn += chunk.length;
    ex.requestBody?.add(chunk);
    copy?.add(chunk);
  };
  try {
    // Leaving the loop early must not destroy the request (see requestBody).
    for await (const chunk of ex.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      take(chunk);
      if (max !== null && ex.bytesIn > max) {
        ex.bodyTooLarge = true;
        throw new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body exceeded ${max} bytes.`);
      }
      yield chunk;
    }
  } finally {
    // An attempt that failed mid-upload: the rest goes into the copy for the next one (and into capture).
    if (copy?.usable && !ex.bodyTooLarge && !ex.req.readableEnded) ex.req.on('data', take);
    drainRest(ex);
  }
}

/** Discards what is left of an upload nobody will read, so the answer reaches the client and the connection stays usable. */
function drainRest(ex: Exchange): void {
  if (!ex.req.complete && !ex.req.destroyed) ex.req.resume();
}

/** The problem a failed upstream call (or WebSocket upgrade) is reported as. */
export function failureError(f: { failure: FailureKind | number; error?: Error }, upstream: string): SwitchyardError {
  const cause = f.error;
  const why = cause ? `: ${cause.message}` : '';
  switch (f.failure) {
    case 'connect-failure':
      return upstreamTlsError(cause, upstream) ?? ((cause as NodeJS.ErrnoException | undefined)?.code === 'UND_ERR_CONNECT_TIMEOUT'
        ? new SwitchyardError('UPSTREAM_CONNECT_TIMEOUT', `Timed out connecting to upstream "${upstream}"${why}.`, { cause })
        : new SwitchyardError('UPSTREAM_CONNECT_FAILED', `Could not connect to upstream "${upstream}"${why}.`, { cause }));
    case 'timeout':
      return new SwitchyardError('UPSTREAM_TIMEOUT', `Upstream "${upstream}" did not answer in time${why}.`, { cause });
    case 'reset':
      return new SwitchyardError('UPSTREAM_RESET', `Upstream "${upstream}" closed the connection${why}.`, { cause });
    case 'bad-response':
      return new SwitchyardError('UPSTREAM_BAD_RESPONSE', `Upstream "${upstream}" sent an invalid response${why}.`, { cause });
    default:
      // A retryable status whose retries ran out is reported as the gateway error it stands for.
      return new SwitchyardError(f.failure === 504 ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_RESET', `Upstream "${upstream}" answered ${f.failure} on every attempt.`);
  }
}
