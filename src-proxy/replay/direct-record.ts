/**
 * The capture record of a replay sent straight to a target (not through the
 * gateway, which records its own): built the way capture builds records —
 * bodies capped, secrets masked with the same helpers — and marked as a
 * replay of the original.
 */
import { BodyCollector, NO_BODY, mediaType } from '../capture/body-collector.js';
import type { CapturedBody, CapturedExchange } from '../capture/captured-exchange.js';
import { maskBody, maskHeaders, maskUrl } from '../capture/mask-secrets.js';
import type { CapturePlan } from '../config/plan.js';
import type { TimingPhases } from '../events.js';
import { normaliseIp } from '../pipeline/exchange.js';
import { hostName } from '../pipeline/steps/prepare-request.js';
import { firstHeader } from './raw-headers.js';

export interface DirectRecordInput {
  id: string;
  requestId: string;
  replayOf: string;
  /** The target origin, e.g. "http://127.0.0.1:9001". */
  target: URL;
  method: string;
  path: string;
  /** Request headers as sent. */
  requestHeaders: string[];
  requestBody: Buffer | null;
  startedAt: number;
  timings: TimingPhases;
  localAddress: string;
  localPort: number;
  httpVersion: string;
  status: number;
  responseHeaders: string[];
  responseBody: CapturedBody | null;
  error: { code: string; message: string } | null;
  capture: Pick<CapturePlan, 'maxBodySize' | 'keepSecrets' | 'secretHeaders' | 'secretQueryParams'>;
}

export function buildDirectRecord(input: DirectRecordInput): CapturedExchange {
  const { capture } = input;
  const keep = capture.keepSecrets;
  let requestBody = capBody(input.requestBody, mediaType(firstHeader(input.requestHeaders, 'content-type')), capture.maxBodySize);
  let responseBody = input.responseBody ?? NO_BODY;
  if (!keep) {
    requestBody = maskBody(requestBody, input.requestHeaders, { cap: capture.maxBodySize });
    responseBody = maskBody(responseBody, input.responseHeaders, { cap: capture.maxBodySize });
  }
  return {
    id: input.id,
    requestId: input.requestId,
    startedAt: input.startedAt,
    duration: input.timings.total,
    timings: input.timings,
    clientAddress: normaliseIp(input.localAddress),
    clientPort: input.localPort,
    // Not received on a listener: the replayer sent it itself.
    listener: '',
    scheme: input.target.protocol.replace(':', ''),
    httpVersion: input.httpVersion,
    method: input.method,
    host: hostName(firstHeader(input.requestHeaders, 'host') ?? input.target.host),
    url: keep ? input.path : maskUrl(input.path, capture.secretQueryParams),
    route: null,
    upstream: null,
    target: input.target.origin,
    attempts: 1,
    status: input.status,
    requestHeaders: keep ? input.requestHeaders : maskHeaders(input.requestHeaders, capture.secretHeaders),
    responseHeaders: keep ? input.responseHeaders : maskHeaders(input.responseHeaders, capture.secretHeaders),
    requestBody,
    responseBody,
    policies: [],
    error: input.error,
    aborted: false,
    websocket: null,
    replayOf: input.replayOf,
    source: 'replay',
  };
}

function capBody(bytes: Buffer | null, contentType: string | null, cap: number): CapturedBody {
  if (bytes === null || bytes.length === 0) return { ...NO_BODY, contentType };
  const collector = new BodyCollector(cap);
  collector.add(bytes);
  return collector.result(contentType);
}
