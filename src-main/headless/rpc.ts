/**
 * `POST /api/rpc/<method>`: a JSON body of arguments in, the control
 * service's answer out. Errors are RFC 9457 problems; anything that is not a
 * SwitchyardError becomes a bare 500 so no stack or internal message leaks.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ControlService } from '../../src-proxy/control/control-service.js';
import { isSwitchyardError } from '../../src-proxy/errors.js';
import { errorProblem, problem, sendJson, sendProblem } from './responses.js';

export const RPC_PREFIX = '/api/rpc/';
export const MAX_RPC_BODY = 1024 * 1024;
/** Methods that carry whole files: a HAR export of a browsing session is easily tens of MB. */
const MAX_BODY_BY_METHOD: Record<string, number> = { 'history.importHar': 128 * 1024 * 1024 };
const METHOD_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

class BodyError extends Error {
  constructor(readonly code: 'PAYLOAD_TOO_LARGE' | 'BAD_REQUEST', message: string) {
    super(message);
  }
}

export interface RpcContext {
  control: ControlService;
  requestId: string;
  log: (message: string) => void;
}

export async function handleRpc(req: IncomingMessage, res: ServerResponse, pathname: string, ctx: RpcContext): Promise<void> {
  const { requestId } = ctx;
  if (req.method !== 'POST') {
    req.resume();
    sendProblem(res, problem('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use POST.`, { Allow: 'POST' }, requestId));
    return;
  }
  let method: string;
  try {
    method = decodeURIComponent(pathname.slice(RPC_PREFIX.length));
  } catch {
    method = '';
  }
  if (!METHOD_NAME.test(method)) {
    req.resume();
    sendProblem(res, problem('NOT_FOUND', 'Unknown control method.', undefined, requestId));
    return;
  }

  let args: unknown;
  try {
    const text = await readBody(req, MAX_BODY_BY_METHOD[method] ?? MAX_RPC_BODY);
    args = text.trim() === '' ? undefined : parseJson(text);
  } catch (err) {
    if (err instanceof BodyError) {
      // After a refused body the connection's framing is unknown: close it.
      const close = err.code === 'PAYLOAD_TOO_LARGE' ? { Connection: 'close' } : undefined;
      sendProblem(res, problem(err.code, err.message, close, requestId));
    } else {
      res.destroy();
    }
    return;
  }

  let result: unknown;
  try {
    result = await ctx.control.call(method, args);
  } catch (err) {
    if (isSwitchyardError(err)) {
      sendProblem(res, errorProblem(err, requestId));
    } else {
      ctx.log(`workbench: ${method} failed (request ${requestId}): ${err instanceof Error ? err.message : String(err)}`);
      sendProblem(res, problem('INTERNAL', 'The control call failed unexpectedly; see the server log.', undefined, requestId));
    }
    return;
  }
  sendJson(res, 200, result, { 'X-Request-Id': requestId });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BodyError('BAD_REQUEST', `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) {
        reject(err);
      } else {
        resolve(Buffer.concat(chunks, size).toString('utf8'));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        req.pause();
        finish(new BodyError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(null));
    req.once('error', (err) => finish(err));
    req.once('aborted', () => finish(new Error('client aborted')));
  });
}
