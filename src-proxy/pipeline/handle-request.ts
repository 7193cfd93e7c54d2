/**
 * The request path as an ordered chain of steps. Whatever happens inside, the
 * exchange ends here: errors become RFC 9457 problems, and one completion event
 * (and, when something captures, one record) carries the timing phases.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { buildRecord } from '../capture/build-record.js';
import { collectUnreadUpload } from '../capture/unread-upload.js';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { SwitchyardError, isSwitchyardError } from '../errors.js';
import type { TimingPhases } from '../events.js';
import { compose, type StepResult } from './compose.js';
import { Exchange } from './exchange.js';
import { sendExchangeProblem } from './respond.js';
import { prepareRequest } from './steps/prepare-request.js';
import { routeRequest } from './steps/route-request.js';
import { runPolicies } from './steps/run-policies.js';
import { serveRoute } from './steps/serve-route.js';

const pipeline = compose<Exchange>([prepareRequest, routeRequest, runPolicies, serveRoute]);

export function handleRequest(req: IncomingMessage, res: ServerResponse, listener: ListenerPlan, state: EngineState): void {
  runExchange(new Exchange(req, res, listener, state), pipeline);
}

/** Runs an exchange through a chain of steps (forward listeners bring their own) and ends it as above. */
export function runExchange(ex: Exchange, steps: (ex: Exchange) => StepResult): void {
  let result: StepResult;
  try {
    result = steps(ex);
  } catch (err) {
    return fail(ex, err);
  }
  if (result === undefined) finish(ex);
  else result.then(() => finish(ex), (err: unknown) => fail(ex, err));
}

function fail(ex: Exchange, err: unknown): void {
  const e = isSwitchyardError(err) ? err : new SwitchyardError('INTERNAL', 'The gateway failed to handle this request.', { cause: err });
  ex.error = e;
  if (!ex.aborted) {
    try {
      sendExchangeProblem(ex, e);
    } catch (writeErr) {
      // node refused the problem's head (e.g. a header value built from client input): without
      // this the client would wait forever. Answer without the problem's own headers, or cut.
      try {
        sendExchangeProblem(ex, new SwitchyardError('INTERNAL', 'The gateway failed to write its answer to this request.', { cause: writeErr }));
      } catch {
        ex.res.destroy();
      }
    }
  }
  finish(ex);
}

/** Completion is when the last byte left (or the connection died), not when the handler returned. */
export function finish(ex: Exchange): void {
  const { events } = ex.state;
  if (!events.active && !ex.capturing) return;
  // Before the answer finishes: node discards an unread upload then.
  const upload = ex.capturing ? collectUnreadUpload(ex) : null;
  const res = ex.res;
  if (res.writableFinished || res.destroyed || streamClosed(res)) complete(ex, upload);
  else res.once('close', () => complete(ex, upload));
}

/** An HTTP/2 response (compat API) has no `destroyed`; its stream says whether 'close' has already been. */
function streamClosed(res: ServerResponse): boolean {
  return (res as unknown as { stream?: { destroyed: boolean } }).stream?.destroyed === true;
}

/** Emits the completion event now, and the capture record once `upload` (an upload read for capture only) is in. */
export function complete(ex: Exchange, upload: Promise<void> | null = null): void {
  const end = performance.now();
  const dispatched = ex.dispatchedAt || end;
  const sent = ex.sentAt || dispatched;
  const timings: TimingPhases = {
    queue: dispatched - ex.startedAt,
    connect: sent - dispatched,
    ttfb: ex.firstByteAt ? ex.firstByteAt - sent : 0,
    total: end - ex.startedAt,
  };
  if (ex.tlsHandshakeMs !== undefined) timings.tls = ex.tlsHandshakeMs;
  const { events, capture } = ex.state;
  if (events.active) {
    const action = ex.route?.action;
    events.emit({
      type: 'exchange.complete',
      id: ex.uid,
      time: Date.now(),
      status: ex.status,
      route: ex.route?.name ?? null,
      upstream: action?.kind === 'proxy' ? action.upstream : null,
      target: ex.target?.url ?? null,
      attempts: ex.attempts,
      timings,
      bytesIn: ex.bytesIn,
      bytesOut: ex.bytesOut,
      ...(ex.error ? { error: { code: ex.error.code, message: ex.error.message } } : {}),
      aborted: ex.aborted,
      ...(ex.decisions ? { decisions: ex.decisions } : {}),
    });
  }
  if (ex.capturing) {
    const plan = ex.state.plan.capture;
    if (upload === null) capture.recordSoon(() => buildRecord(ex, timings, plan));
    else capture.record(upload.then(() => buildRecord(ex, timings, plan)));
  }
}
