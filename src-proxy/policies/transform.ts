/**
 * transform: change the request (path regex, query parameters, body) before it
 * goes upstream and the response body on its way back. Bodies are buffered up
 * to `maxBodySize` (413 for a larger request, 502 for a larger response);
 * everything else streams untouched.
 */
import { parseSize } from '../config/units.js';
import { SwitchyardError } from '../errors.js';
import type { Exchange } from '../pipeline/exchange.js';
import { removeRequestHeader, setRequestHeader } from '../pipeline/request-headers.js';
import { wrapResponse } from '../pipeline/response-sink.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';
import { rewriteQuery } from './query-param.js';
import { compileBodyTransform, inputKind, isKind, transformBody, TransformError, type BodyTransform } from './transform-body.js';
import { TransformSink } from './transform-sink.js';

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
        if (responseBody !== null) {
          // A part of the body cannot be transformed: ask the upstream for all of it (a server may ignore Range).
          if (ex.req.headers.range !== undefined) {
            removeRequestHeader(ex, 'range');
            removeRequestHeader(ex, 'if-range');
          }
          wrapResponse(ex, (inner) => new TransformSink(inner, ex, name, responseBody, max));
        }
        if (requestBody === null || !ex.hasBody || !isKind(ex.header('content-type'), inputKind(requestBody))) return next();
        return transformRequestBody(ex, name, requestBody, max).then(next);
      },
    };
  },
};

async function transformRequestBody(ex: Exchange, policy: string, t: BodyTransform, max: number): Promise<void> {
  if (ex.header('content-encoding') !== undefined) {
    decide(ex, { policy, type: 'transform', outcome: 'skipped', detail: 'encoded request body' });
    return;
  }
  // The body read here goes upstream as an override, past the proxy's own counting: the route's
  // body-limit and the listener's maxBodySize are enforced here too.
  const limit = Math.min(max, ex.bodyLimit ?? Infinity, ex.listener.limits.maxBodySize ?? Infinity);
  const declared = Number(ex.header('content-length') ?? 0);
  if (declared > limit) throw tooLarge(ex, policy, max, limit);
  const chunks: Buffer[] = [];
  for await (const chunk of ex.req as AsyncIterable<Buffer>) {
    ex.bytesIn += chunk.length;
    ex.requestBody?.add(chunk);
    if (ex.bytesIn > limit) {
      ex.req.resume(); // discard the rest so the 413 reaches the client
      throw tooLarge(ex, policy, max, limit);
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

function tooLarge(ex: Exchange, policy: string, max: number, limit: number): SwitchyardError {
  decide(ex, { policy, type: 'transform', outcome: 'too-large', detail: 'request' });
  if (limit < max) return new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body exceeded ${limit} bytes.`);
  return new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body is larger than ${max} bytes, the most this route's transform buffers.`);
}
