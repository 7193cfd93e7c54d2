/** RFC 9457 problems that main itself answers with (the engine child's own problems are passed through). */
import type { ProblemDetails, RpcEnvelope } from './api.js';

const PROBLEM_BASE = 'https://switchyard.dev/problems/';

export function rpcFailure(status: number, code: string, title: string, detail: string): RpcEnvelope {
  return { ok: false, problem: { type: PROBLEM_BASE + code.toLowerCase().replaceAll('_', '-'), title, status, detail, code } };
}

/** The engine child is starting, failed to start or has stopped: the renderer shows `detail`. */
export function engineUnavailable(detail: string): RpcEnvelope {
  return rpcFailure(503, 'ENGINE_UNAVAILABLE', 'The engine is not running', detail);
}

/** A problem as the child's control API sent it, if `body` is one. */
export function asProblem(body: unknown): ProblemDetails | null {
  if (!body || typeof body !== 'object') return null;
  const p = body as Partial<ProblemDetails>;
  if (typeof p.code !== 'string' || typeof p.status !== 'number') return null;
  return {
    ...(body as Record<string, unknown>),
    type: typeof p.type === 'string' ? p.type : PROBLEM_BASE + p.code.toLowerCase().replaceAll('_', '-'),
    title: typeof p.title === 'string' ? p.title : p.code,
    status: p.status,
    detail: typeof p.detail === 'string' ? p.detail : p.code,
    code: p.code,
  };
}
