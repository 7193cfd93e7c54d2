import { errorFromProblem, RpcError, type WorkbenchClient } from './types';

export interface HttpTransportOptions {
  /** The session token printed by `switchyard serve`. */
  token: string;
  /** Origin (and optional path prefix) of the headless host; '' means this page's origin. */
  baseUrl?: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** `POST <base>/api/rpc/<method>` with a JSON body and `Authorization: Bearer <token>`. */
export function createHttpTransport(options: HttpTransportOptions): WorkbenchClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  return {
    async call(method, args) {
      let res: Response;
      try {
        res = await doFetch(`${base}/api/rpc/${encodeURIComponent(method)}`, {
          method: 'POST',
          headers: {
            Accept: 'application/json, application/problem+json',
            Authorization: `Bearer ${options.token}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify(args ?? {}),
          credentials: 'omit',
        });
      } catch (err) {
        throw new RpcError(`Could not reach the Switchyard host: ${messageOf(err)}`, {
          code: 'NETWORK_ERROR',
          status: 0,
          cause: err,
        });
      }

      const text = await res.text();
      if (res.ok) {
        if (text === '') return undefined;
        try {
          return JSON.parse(text) as unknown;
        } catch (err) {
          throw new RpcError('The Switchyard host sent a response that is not JSON.', {
            code: 'BAD_RESPONSE',
            status: res.status,
            cause: err,
          });
        }
      }
      throw errorFromResponse(res, text);
    },
  };
}

function errorFromResponse(res: Response, text: string): RpcError {
  const fallbackCode = `HTTP_${res.status}`;
  const parsed = parseJsonObject(text);
  if (parsed && (typeof parsed.title === 'string' || typeof parsed.detail === 'string' || typeof parsed.type === 'string')) {
    return errorFromProblem(parsed, res.status, fallbackCode);
  }
  const snippet = text.trim().slice(0, 200);
  const reason = res.statusText || 'Request failed';
  return new RpcError(snippet ? `${reason} (${res.status}): ${snippet}` : `${reason} (${res.status})`, {
    code: fallbackCode,
    status: res.status,
  });
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
