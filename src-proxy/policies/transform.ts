/**
 * transform: change the request (path regex, query parameters, body) before it
 * goes upstream and the response body on its way back. Bodies are buffered up
 * to `maxBodySize` (413 for a larger request, 502 for a larger response);
 * everything else streams untouched.
 */
import type { PolicyOf } from '../config/policy-schema.js';
import { parseSize } from '../config/units.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { removeRequestHeader, setRequestHeader } from '../pipeline/request-headers.js';
import { wrapResponse } from '../pipeline/response-sink.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';
import { compileBodyTransform, inputKind, isKind, transformBody, TransformError, type BodyTransform } from './transform-body.js';
import { TransformSink } from './transform-sink.js';

type Config = PolicyOf<'transform'>;

export const transformPolicy: PolicyFactory<'transform'> = {
  check(config, report) {
    const pattern = config.request?.path?.pattern;
    if (pattern !== undefined) {
      try {
        new RegExp(pattern);
      } catch (e) {
        report(['request', 'path', 'pattern'], `invalid regular expression "${pattern}": ${(e as Error).message}`);
      }
    }
    if (!config.request && !config.response) report([], 'this transform changes nothing: give request or response', 'warning');
  },
  create(name, config): Policy {
    const max = parseSize(config.maxBodySize ?? '1MB');
    const requestBody = compileBodyTransform(config.request?.body);
    const responseBody = compileBodyTransform(config.response?.body);
    const path = config.request?.path ? { re: new RegExp(config.request.path.pattern), replacement: config.request.path.replacement } : null;
    const query = config.request?.query ?? null;
    return {
      name,
      type: 'transform',
      handle(ex, next) {
        if (path !== null) ex.path = ex.path.replace(path.re, path.replacement);
        if (query !== null) ex.search = rewriteQuery(ex.search, query);
        if (responseBody !== null) wrapResponse(ex, (inner) => new TransformSink(inner, ex, name, responseBody, max));
        if (requestBody === null || !ex.hasBody || !isKind(ex.header('content-type'), inputKind(requestBody))) return next();
        return transformRequestBody(ex, name, requestBody, max).then(next);
      },
    };
  },
};

function rewriteQuery(search: string, ops: NonNullable<NonNullable<Config['request']>['query']>): string {
  const params = new URLSearchParams(search);
  for (const [from, to] of Object.entries(ops.rename ?? {})) {
    const values = params.getAll(from);
    if (values.length === 0) continue;
    params.delete(from);
    for (const v of values) params.append(to, v);
  }
  for (const name of ops.remove ?? []) params.delete(name);
  for (const [k, v] of Object.entries(ops.set ?? {})) params.set(k, v);
  return params.toString();
}

async function transformRequestBody(ex: Exchange, policy: string, t: BodyTransform, max: number): Promise<void> {
  if (ex.header('content-encoding') !== undefined) {
    decide(ex, { policy, type: 'transform', outcome: 'skipped', detail: 'encoded request body' });
    return;
  }
  const declared = Number(ex.header('content-length') ?? 0);
  if (declared > max) throw tooLarge(ex, policy, max);
  const chunks: Buffer[] = [];
  for await (const chunk of ex.req as AsyncIterable<Buffer>) {
    ex.bytesIn += chunk.length;
    ex.requestBody?.add(chunk);
    if (ex.bytesIn > max) {
      ex.req.resume(); // discard the rest so the 413 reaches the client
      throw tooLarge(ex, policy, max);
    }
    chunks.push(chunk);
  }
  let out;
  try {
    out = transformBody(t, Buffer.concat(chunks));
  } catch (e) {
    if (!(e instanceof TransformError)) throw e;
    decide(ex, { policy, type: 'transform', outcome: 'failed', detail: e.message });
    throw new SwitchyardError('BAD_REQUEST', `The request body could not be transformed: ${e.message}.`);
  }
  ex.bodyOverride = out.body;
  removeRequestHeader(ex, 'transfer-encoding');
  setRequestHeader(ex, 'content-length', String(out.body.length));
  setRequestHeader(ex, 'content-type', out.contentType);
  decide(ex, { policy, type: 'transform', outcome: 'transformed', detail: 'request' });
}

function tooLarge(ex: Exchange, policy: string, max: number): SwitchyardError {
  decide(ex, { policy, type: 'transform', outcome: 'too-large', detail: 'request' });
  return new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body is larger than ${max} bytes, the most this route's transform buffers.`);
}
