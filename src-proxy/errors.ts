/**
 * Typed errors with stable codes. Every problem that reaches an HTTP client is
 * rendered from one of these as RFC 9457 JSON, so the code is the contract and
 * the message is for people.
 */
export type ErrorCode =
  | 'ROUTE_NOT_FOUND'
  | 'NOT_FOUND'
  | 'NO_HEALTHY_TARGET'
  | 'UPSTREAM_CONNECT_FAILED'
  | 'UPSTREAM_CONNECT_TIMEOUT'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_RESET'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_TLS_FAILED'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'URI_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'METHOD_NOT_ALLOWED'
  | 'REQUEST_TIMEOUT'
  | 'CONFIG_INVALID'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'UPGRADE_REQUIRED'
  | 'TOO_MANY_CLIENTS'
  | 'PROXY_AUTH_REQUIRED'
  | 'TOO_MANY_REQUESTS'
  | 'EXPORT_TOO_LARGE'
  | 'NOT_IMPLEMENTED'
  | 'HTTP_VERSION_NOT_SUPPORTED'
  | 'EXPECTATION_FAILED'
  | 'INTERNAL';

const TITLES: Record<ErrorCode, [status: number, title: string]> = {
  ROUTE_NOT_FOUND: [404, 'No route matches this request'],
  NOT_FOUND: [404, 'Not found'],
  NO_HEALTHY_TARGET: [503, 'No healthy upstream target'],
  UPSTREAM_CONNECT_FAILED: [502, 'Could not connect to the upstream'],
  UPSTREAM_CONNECT_TIMEOUT: [504, 'Timed out connecting to the upstream'],
  UPSTREAM_TIMEOUT: [504, 'The upstream did not answer in time'],
  UPSTREAM_RESET: [502, 'The upstream closed the connection'],
  UPSTREAM_BAD_RESPONSE: [502, 'The upstream sent an invalid response'],
  UPSTREAM_TLS_FAILED: [502, 'TLS with the upstream failed'],
  BAD_REQUEST: [400, 'Bad request'],
  PAYLOAD_TOO_LARGE: [413, 'Request body too large'],
  URI_TOO_LONG: [414, 'Request URI too long'],
  HEADERS_TOO_LARGE: [431, 'Request header fields too large'],
  METHOD_NOT_ALLOWED: [405, 'Method not allowed'],
  REQUEST_TIMEOUT: [408, 'Request timeout'],
  CONFIG_INVALID: [400, 'Invalid configuration'],
  UNAUTHORIZED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  UPGRADE_REQUIRED: [426, 'Upgrade required'],
  TOO_MANY_CLIENTS: [503, 'Too many clients'],
  PROXY_AUTH_REQUIRED: [407, 'Proxy authentication required'],
  TOO_MANY_REQUESTS: [429, 'Too many requests'],
  EXPORT_TOO_LARGE: [422, 'Too large to export here'],
  NOT_IMPLEMENTED: [501, 'Not implemented'],
  HTTP_VERSION_NOT_SUPPORTED: [505, 'HTTP version not supported'],
  EXPECTATION_FAILED: [417, 'Expectation failed'],
  INTERNAL: [500, 'Internal gateway error'],
};

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  /** Extra response headers for the problem response (e.g. Retry-After). */
  readonly headers: Record<string, string> | undefined;
  /** Extra members of the problem document (RFC 9457 §3.2), e.g. the position of a query error. */
  readonly extensions: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    opts: { cause?: unknown; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    const [status, title] = TITLES[code];
    super(detail ?? title, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SwitchyardError';
    this.code = code;
    this.status = status;
    this.title = title;
    this.headers = opts.headers;
    this.extensions = opts.extensions;
  }
}

export function isSwitchyardError(e: unknown): e is SwitchyardError {
  return e instanceof SwitchyardError;
}

export interface Problem {
  [extension: string]: unknown;
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId?: string;
}

export const PROBLEM_TYPE_BASE = 'https://switchyard.dev/problems/';

export function toProblem(err: SwitchyardError, requestId?: string): Problem {
  return {
    ...err.extensions,
    type: PROBLEM_TYPE_BASE + err.code.toLowerCase().replaceAll('_', '-'),
    title: err.title,
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(requestId ? { requestId } : {}),
  };
}
