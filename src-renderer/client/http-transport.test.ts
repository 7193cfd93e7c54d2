import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHttpTransport } from './http-transport';
import { RpcError } from './types';

function respond(status: number, body: string, contentType = 'application/json'): Response {
  return new Response(body === '' ? null : body, { status, headers: { 'Content-Type': contentType } });
}

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createHttpTransport', () => {
  it('POSTs JSON arguments to /api/rpc/<method> with the bearer token', async () => {
    const fetch = vi.fn(async () => respond(200, '{"version":"0.1.0"}'));
    const client = createHttpTransport({ token: 's3cret', baseUrl: 'http://127.0.0.1:4000/', fetch });

    await expect(client.call('app.info', { verbose: true })).resolves.toEqual({ version: '0.1.0' });

    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:4000/api/rpc/app.info');
    expect(init.method).toBe('POST');
    const headers = new Headers(init.headers);
    expect(headers.get('authorization')).toBe('Bearer s3cret');
    expect(headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(init.body as string)).toEqual({ verbose: true });
  });

  it('uses the page origin and the global fetch by default, sending {} for no arguments', async () => {
    const fetch = vi.fn(async () => respond(200, '[1,2]'));
    vi.stubGlobal('fetch', fetch);
    const client = createHttpTransport({ token: 't' });

    await expect(client.call('history.search')).resolves.toEqual([1, 2]);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/rpc/history.search');
    expect(init.body).toBe('{}');
  });

  it('encodes the method name into one path segment', async () => {
    const fetch = vi.fn(async () => respond(200, 'null'));
    await createHttpTransport({ token: 't', fetch }).call('../admin?x=1', {});
    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe('/api/rpc/..%2Fadmin%3Fx%3D1');
  });

  it('resolves undefined for an empty success body', async () => {
    const fetch = vi.fn(async () => respond(204, ''));
    await expect(createHttpTransport({ token: 't', fetch }).call('config.apply', {})).resolves.toBeUndefined();
  });

  it('turns an RFC 9457 problem into an RpcError with its code', async () => {
    const problem = {
      type: 'https://switchyard.dev/problems/config-invalid',
      title: 'Invalid configuration',
      status: 400,
      detail: 'workspace.yaml:3:5 unknown key "bogus"',
      code: 'CONFIG_INVALID',
      requestId: 'req-42',
    };
    const fetch = vi.fn(async () => respond(400, JSON.stringify(problem), 'application/problem+json'));

    const err = await rejection(createHttpTransport({ token: 't', fetch }).call('config.apply', {}));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.status).toBe(400);
    expect(err.message).toBe('workspace.yaml:3:5 unknown key "bogus"');
    expect(err.title).toBe('Invalid configuration');
    expect(err.type).toBe(problem.type);
    expect(err.requestId).toBe('req-42');
  });

  it('derives the code from the problem type when there is no code member', async () => {
    const fetch = vi.fn(async () =>
      respond(401, JSON.stringify({ type: 'https://switchyard.dev/problems/bad-token', title: 'Unauthorized', status: 401 }), 'application/problem+json'),
    );
    const err = await rejection(createHttpTransport({ token: 'wrong', fetch }).call('app.info', {}));
    expect(err.code).toBe('BAD_TOKEN');
    expect(err.status).toBe(401);
    expect(err.message).toBe('Unauthorized');
  });

  it('falls back to HTTP_<status> for a problem of type about:blank without a code', async () => {
    const fetch = vi.fn(async () => respond(403, JSON.stringify({ type: 'about:blank', title: 'Forbidden' })));
    const err = await rejection(createHttpTransport({ token: 't', fetch }).call('app.info', {}));
    expect(err.code).toBe('HTTP_403');
    expect(err.status).toBe(403);
  });

  it('reports a non-JSON error body with the status code', async () => {
    const fetch = vi.fn(async () => new Response('upstream exploded', { status: 502, statusText: 'Bad Gateway' }));
    const err = await rejection(createHttpTransport({ token: 't', fetch }).call('app.info', {}));
    expect(err.code).toBe('HTTP_502');
    expect(err.status).toBe(502);
    expect(err.message).toBe('Bad Gateway (502): upstream exploded');
  });

  it('reports a success body that is not JSON as BAD_RESPONSE', async () => {
    const fetch = vi.fn(async () => respond(200, '<html>', 'text/html'));
    const err = await rejection(createHttpTransport({ token: 't', fetch }).call('app.info', {}));
    expect(err.code).toBe('BAD_RESPONSE');
  });

  it('wraps network failures as NETWORK_ERROR', async () => {
    const cause = new TypeError('fetch failed');
    const fetch = vi.fn(async () => {
      throw cause;
    });
    const err = await rejection(createHttpTransport({ token: 't', fetch }).call('app.info', {}));
    expect(err.code).toBe('NETWORK_ERROR');
    expect(err.status).toBe(0);
    expect(err.cause).toBe(cause);
  });
});
