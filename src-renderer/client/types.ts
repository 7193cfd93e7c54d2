/** The renderer's one way to reach the control service, whatever the host. */
export interface WorkbenchClient {
  call(method: string, args?: unknown): Promise<unknown>;
}

export interface RpcErrorInit {
  code: string;
  status: number;
  type?: string;
  title?: string;
  requestId?: string;
  /** Extension members of the problem (e.g. a query error's `position` and `length`). */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * A failed call. `code` is the stable, machine-readable part (the engine's
 * error code, or a transport code such as NETWORK_ERROR); the message is for
 * people.
 */
export class RpcError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: string | undefined;
  readonly title: string | undefined;
  readonly requestId: string | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(message: string, init: RpcErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RpcError';
    this.code = init.code;
    this.status = init.status;
    this.type = init.type;
    this.title = init.title;
    this.requestId = init.requestId;
    this.extensions = init.extensions ?? {};
  }
}

/**
 * Build an RpcError from an RFC 9457 problem object (already parsed). The code
 * comes from the `code` extension member, else from the last segment of
 * `type` (`…/problems/route-not-found` → ROUTE_NOT_FOUND), else `fallbackCode`.
 */
export function errorFromProblem(problem: Record<string, unknown>, fallbackStatus: number, fallbackCode: string): RpcError {
  const str = (k: string) => (typeof problem[k] === 'string' && problem[k] !== '' ? (problem[k] as string) : undefined);
  const type = str('type');
  const title = str('title');
  const status = typeof problem.status === 'number' ? problem.status : fallbackStatus;
  const code = str('code') ?? codeFromType(type) ?? fallbackCode;
  const extensions = Object.fromEntries(Object.entries(problem).filter(([k]) => !PROBLEM_MEMBERS.has(k)));
  return new RpcError(str('detail') ?? title ?? `Request failed (${status})`, {
    code,
    status,
    type,
    title,
    requestId: str('requestId'),
    extensions,
  });
}

const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'code', 'requestId', 'instance']);

function codeFromType(type: string | undefined): string | undefined {
  if (!type || type === 'about:blank') return undefined;
  const last = type.split(/[/#]/).filter(Boolean).pop();
  return last && /^[a-z0-9-]+$/i.test(last) ? last.replaceAll('-', '_').toUpperCase() : undefined;
}
