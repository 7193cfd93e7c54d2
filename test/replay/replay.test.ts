/**
 * Replay against a real gateway and real upstreams: as-is and edited, through
 * the gateway (the gateway links the new exchange to the original, same route
 * and upstream) and direct (recorded by the replayer with source "replay").
 */
import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { History } from '../../src-proxy/history/history.js';
import { replayExchange } from '../../src-proxy/replay/replay.js';
import { toCurl } from '../../src-proxy/replay/curl.js';
import { ReplayError } from '../../src-proxy/replay/errors.js';
import { waitFor } from '../helpers/gateway.js';
import { sha256, startBlackhole, startEchoUpstream, startServer, type EchoRecord } from '../helpers/upstreams.js';
import { tempDir } from '../history/fixtures.js';
import { startRig, type Rig } from './harness.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

const deps = () => ({ engine: rig.gw.engine });
const recordOf = async (id: string | null): Promise<CapturedExchange> => {
  expect(id).not.toBeNull();
  await waitFor(() => rig.records.some((r) => r.id === id), 3000, `record ${id}`);
  return rig.records.find((r) => r.id === id)!;
};
/** The error a replay fails with (the test fails if it succeeds). */
const failure = (p: Promise<unknown>): Promise<ReplayError> =>
  p.then(
    () => {
      throw new Error('the replay was expected to fail');
    },
    (e: unknown) => e as ReplayError,
  );
const echoed = (x: { responseBody: { bytes: Uint8Array | null } }): EchoRecord => JSON.parse(Buffer.from(x.responseBody.bytes!).toString('utf8')) as EchoRecord;

describe('replay through the gateway', () => {
  it('resends as-is: same route, upstream, method, path, headers and body; linked by replayOf', async () => {
    const body = JSON.stringify({ order: 42, items: ['x', 'y'] });
    const original = await rig.send({
      method: 'POST',
      path: '/api/orders?dry=1',
      headers: { host: 'api.localhost:8080', 'content-type': 'application/json', 'x-custom': ['one', 'two'] },
      body,
    });
    expect(original.route).toBe('api');

    const result = await replayExchange(original, {}, deps());
    expect(result.mode).toBe('gateway');
    expect(result.listener).toBe('web');
    expect(result.status).toBe(200);
    expect(result.gateway).toMatchObject({ route: 'api', upstream: 'pool', attempts: 1 });
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const replayed = await recordOf(result.id);
    expect(replayed.replayOf).toBe(original.id);
    expect(replayed.source).toBe('replay');
    expect(replayed.route).toBe('api');
    expect(replayed.upstream).toBe('pool');
    expect(replayed.requestId).toBe(result.requestId);
    expect(replayed.method).toBe('POST');
    expect(replayed.url).toBe('/api/orders?dry=1');
    expect(replayed.host).toBe('api.localhost');

    const seen = echoed(result);
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/api/orders?dry=1');
    expect(seen.headers.host).toBe('api.localhost:8080');
    expect(seen.headers['x-custom']).toBe('one, two');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(seen.bodySha256).toBe(sha256(body));
    // The replay mark never reaches the upstream.
    expect(seen.headers['x-switchyard-replay']).toBeUndefined();
    expect(seen.headers['x-request-id']).toBe(result.requestId);
  });

  it('goes through balancing: consecutive replays reach both targets of the pool', async () => {
    const original = await rig.send({ path: '/api/ping', headers: { host: 'api.localhost' } });
    const servers = new Set<string>();
    for (let i = 0; i < 4; i++) servers.add(echoed(await replayExchange(original, {}, deps())).server);
    expect(servers).toEqual(new Set(['a', 'b']));
  });

  it('replays edited: method, URL, headers set/add/remove and a base64 body', async () => {
    const original = await rig.send({
      method: 'PUT',
      path: '/api/items/1',
      headers: { host: 'api.localhost', 'x-remove-me': 'bye', 'x-keep': 'old', 'content-type': 'text/plain' },
      body: 'old body',
    });
    const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13, 0x27]);
    const result = await replayExchange(
      original,
      {
        edit: {
          method: 'PATCH',
          url: '/api/items/2?x=%20y',
          headers: { remove: ['X-Remove-Me'], set: { 'X-Keep': 'new', 'Content-Type': 'application/octet-stream' }, add: { 'X-Added': ['1', '2'] } },
          body: { base64: binary.toString('base64') },
        },
      },
      deps(),
    );
    const seen = echoed(result);
    expect(seen.method).toBe('PATCH');
    expect(seen.url).toBe('/api/items/2?x=%20y');
    expect(seen.headers['x-remove-me']).toBeUndefined();
    expect(seen.headers['x-keep']).toBe('new');
    expect(seen.headers['x-added']).toBe('1, 2');
    expect(seen.headers['content-type']).toBe('application/octet-stream');
    expect(seen.bodyLength).toBe(binary.length);
    expect(seen.bodySha256).toBe(sha256(binary));
    const replayed = await recordOf(result.id);
    expect(replayed.replayOf).toBe(original.id);
    expect(replayed.method).toBe('PATCH');
  });

  it('replays through another listener when one is named, and says which listeners exist when it is not there', async () => {
    const original = await rig.send({ path: '/api/x', headers: { host: 'api.localhost' } });
    const result = await replayExchange(original, { listener: 'side' }, deps());
    expect(result.listener).toBe('side');
    expect((await recordOf(result.id)).listener).toBe('side');
    await expect(replayExchange(original, { listener: 'nope' }, deps())).rejects.toThrow(/no running listener "nope" \(running: web, side\)/);
  });

  it('refuses to send masked secrets and lists the headers that need values', async () => {
    const original = await rig.send({
      path: '/api/secret',
      headers: { host: 'api.localhost', authorization: 'Bearer s3cret', cookie: 'sid=abc; theme=dark', 'x-plain': 'ok' },
    });
    expect(original.requestHeaders).toContain('Bearer [masked]');
    const err = await failure(replayExchange(original, {}, deps()));
    expect(err).toBeInstanceOf(ReplayError);
    expect((err as ReplayError).reason).toBe('MASKED_SECRETS');
    expect((err as ReplayError).code).toBe('BAD_REQUEST');
    expect((err as ReplayError).masked?.headers).toEqual(['authorization', 'cookie']);
    expect((err as Error).message).toMatch(/Values are needed for: headers authorization, cookie/);

    // Supplying one and dropping the other works; "[masked]" never goes out.
    const partly = await replayExchange(original, { edit: { headers: { set: { Authorization: 'Bearer real' } } }, dropMasked: true }, deps());
    const seen = echoed(partly);
    expect(seen.headers.authorization).toBe('Bearer real');
    expect(seen.headers.cookie).toBeUndefined();
    expect(partly.droppedHeaders).toEqual(['cookie']);
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('[masked');
    // The result masks what it shows, like capture.
    expect(partly.request.headers).toContain('Bearer [masked]');
  });

  it('resends an empty credential as it came: it was kept empty, not masked', async () => {
    const original = await rig.send({ path: '/api/empty-auth', headers: { host: 'api.localhost', authorization: '' } });
    const at = original.requestHeaders.findIndex((h) => h.toLowerCase() === 'authorization');
    expect(original.requestHeaders[at + 1]).toBe('');
    const result = await replayExchange(original, {}, deps());
    expect(echoed(result).headers.authorization).toBe('');
  });

  it('refuses to resend a compressed body whose JWT was masked (the mark is inside the gzip), and so does its curl command', async () => {
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    const body = gzipSync(JSON.stringify({ token: jwt, x: 1 }));
    const original = await rig.send({
      method: 'POST',
      path: '/api/gz',
      headers: { host: 'api.localhost', 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    // Stored masked and encoded again: the stored bytes do not show the mark.
    expect(Buffer.from(original.requestBody.bytes!).includes('[masked-jwt]')).toBe(false);
    expect(gunzipSync(original.requestBody.bytes!).toString()).toBe('{"token":"[masked-jwt]","x":1}');
    const sent = rig.echoA.requests.length + rig.echoB.requests.length;
    await expect(replayExchange(original, {}, deps())).rejects.toMatchObject({ reason: 'MASKED_SECRETS', masked: { headers: [], url: false, body: true } });
    expect(rig.echoA.requests.length + rig.echoB.requests.length).toBe(sent);
    expect(toCurl(original)).toMatch(/^# The body held a JWT that was masked when captured \("\[masked-jwt\]", inside its gzip encoding\)/);
    // A new body goes out.
    const fixed = await replayExchange(original, { edit: { body: { base64: body.toString('base64') } } }, deps());
    expect(echoed(fixed).bodySha256).toBe(sha256(body));
  });

  it('refuses to resend a truncated body unless a body is supplied', async () => {
    const big = Buffer.alloc(5000, 'z');
    const original = await rig.send({ method: 'POST', path: '/api/upload', headers: { host: 'api.localhost', 'content-type': 'text/plain' }, body: big });
    expect(original.requestBody.truncated).toBe(true);
    expect(original.requestBody.size).toBe(5000);
    await expect(replayExchange(original, {}, deps())).rejects.toMatchObject({
      reason: 'BODY_INCOMPLETE',
      message: expect.stringMatching(/was 5000 bytes but capture kept only the first 1024; it cannot be replayed as-is/),
    });
    const fixed = await replayExchange(original, { edit: { body: { text: 'short' } } }, deps());
    expect(echoed(fixed).bodySha256).toBe(sha256('short'));
  });

  it('rejects bad edits with clear messages', async () => {
    const original = await rig.send({ path: '/api/e', headers: { host: 'api.localhost' } });
    await expect(replayExchange(original, { edit: { method: 'GE T' } }, deps())).rejects.toThrow(/not a valid HTTP method/);
    await expect(replayExchange(original, { edit: { url: 'no-slash' } }, deps())).rejects.toThrow(/must start with "\/"/);
    await expect(replayExchange(original, { edit: { headers: { set: { 'Bad Name': 'x' } } } }, deps())).rejects.toThrow(/not a valid header name/);
    await expect(replayExchange(original, { edit: { headers: { set: { 'Content-Length': '5' } } } }, deps())).rejects.toThrow(/computed by the replayer/);
    await expect(replayExchange(original, { edit: { body: { base64: '!!!' } } }, deps())).rejects.toThrow(/not valid base64/);
    await expect(replayExchange(original, { target: 'ftp://x' }, deps())).rejects.toThrow(/must start with http/);
    await expect(replayExchange(original, { target: 'http://127.0.0.1:1/path' }, deps())).rejects.toThrow(/origin only/);
  });

  it('is recorded in history linked to its original', async () => {
    const t = tempDir('switchyard-replay-');
    const history = await History.open({ dataDir: t.dir });
    const off = rig.gw.engine.capture.add((r) => history.record(r));
    try {
      const original = await rig.send({ path: '/api/history', headers: { host: 'api.localhost' } });
      const result = await replayExchange(original, {}, deps());
      await recordOf(result.id);
      await history.flush();
      const stored = history.store.get(result.id!);
      expect(stored).toMatchObject({ id: result.id, replayOf: original.id, source: 'replay', route: 'api' });
      expect(history.store.get(original.id)?.source).toBe('live');
    } finally {
      off();
      await history.close();
      t.cleanup();
    }
  });
});

describe('direct replay', () => {
  it('sends straight to the target and records the exchange itself (source replay, replayOf, timings, masked)', async () => {
    const direct = await startEchoUpstream('direct');
    try {
      const original = await rig.send({
        method: 'POST',
        path: '/api/direct?q=1',
        headers: { host: 'api.localhost', 'content-type': 'application/json', 'x-api-key': 'k' },
        body: '{"a":1}',
      });
      const before = rig.records.length;
      const result = await replayExchange(original, { target: direct.url, edit: { headers: { set: { 'X-Api-Key': 'real-key' } } } }, deps());
      expect(result.mode).toBe('direct');
      expect(result.status).toBe(200);
      expect(direct.requests).toHaveLength(1);
      const seen = direct.requests[0];
      expect(seen.url).toBe('/api/direct?q=1');
      expect(seen.headers.host).toBe(direct.url.slice('http://'.length));
      expect(seen.headers['x-api-key']).toBe('real-key');
      expect(seen.bodySha256).toBe(sha256('{"a":1}'));

      const record = await recordOf(result.id);
      expect(rig.records.length).toBe(before + 1);
      expect(record).toBe(result.record);
      expect(record).toMatchObject({
        replayOf: original.id,
        source: 'replay',
        route: null,
        upstream: null,
        target: direct.url,
        method: 'POST',
        url: '/api/direct?q=1',
        status: 200,
        scheme: 'http',
        attempts: 1,
        error: null,
      });
      expect(record.requestHeaders).toContain('[masked]');
      expect(record.requestHeaders).not.toContain('real-key');
      expect(record.timings.total).toBeGreaterThan(0);
      expect(record.timings.total).toBeGreaterThanOrEqual(record.timings.connect + record.timings.ttfb - 0.001);
      expect(record.duration).toBe(record.timings.total);
      expect(Buffer.from(record.requestBody.bytes!).toString()).toBe('{"a":1}');
      expect(record.responseBody.contentType).toBe('application/json');

      // keepHost keeps the captured Host header.
      await replayExchange(original, { target: direct.url, keepHost: true, dropMasked: true }, deps());
      expect(direct.requests[1].headers.host).toBe('api.localhost');
    } finally {
      await direct.close();
    }
  });

  it('caps the response body like capture and reports the true size', async () => {
    const big = await startServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('y'.repeat(4000));
    });
    try {
      const original = await rig.send({ path: '/api/big', headers: { host: 'api.localhost' } });
      const result = await replayExchange(original, { target: big.url }, deps());
      expect(result.record!.responseBody).toMatchObject({ size: 4000, truncated: true });
      expect(result.record!.responseBody.bytes!.byteLength).toBe(1024);
    } finally {
      await big.close();
    }
  });

  it('turns connection failures and timeouts into typed errors, and records the failed attempt', async () => {
    const original = await rig.send({ path: '/api/fail', headers: { host: 'api.localhost' } });
    const closed = await startServer(() => undefined);
    const port = closed.port;
    await closed.close();
    const refused = await failure(replayExchange(original, { target: `http://127.0.0.1:${port}` }, deps()));
    expect(refused).toBeInstanceOf(ReplayError);
    expect(refused).toMatchObject({ reason: 'CONNECT_FAILED', code: 'UPSTREAM_CONNECT_FAILED' });
    expect(refused.message).toMatch(/Could not connect to http:\/\/127\.0\.0\.1:\d+: connection refused/);
    const failed = await recordOf(refused.exchangeId);
    expect(failed).toMatchObject({ replayOf: original.id, source: 'replay', status: 0, error: { code: 'UPSTREAM_CONNECT_FAILED' } });

    const silent = await startServer((req) => req.resume());
    try {
      const slow = await failure(replayExchange(original, { target: silent.url, timeoutMs: 200 }, deps()));
      expect(slow).toMatchObject({ reason: 'TIMEOUT', code: 'UPSTREAM_TIMEOUT' });
      expect(slow.message).toMatch(/did not answer within 200 ms/);
    } finally {
      await silent.close();
    }

    const hole = await startBlackhole();
    try {
      const hung = await failure(replayExchange(original, { target: hole.url, connectTimeoutMs: 200 }, deps()));
      expect(hung).toMatchObject({ reason: 'CONNECT_TIMEOUT', code: 'UPSTREAM_CONNECT_TIMEOUT' });
      expect(hung.message).toMatch(/Timed out after 200 ms connecting to/);
    } finally {
      hole.close();
    }

    const reset = await startServer((req) => req.socket.destroy());
    try {
      await expect(replayExchange(original, { target: reset.url }, deps())).rejects.toMatchObject({ reason: 'RESET', code: 'UPSTREAM_RESET' });
    } finally {
      await reset.close();
    }
  });

  it('sends a bodyless POST with Content-Length: 0, not chunked', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const srv = await startServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.end());
    });
    try {
      const original = await rig.send({ method: 'POST', path: '/api/empty', headers: { host: 'api.localhost', 'content-length': '0' } });
      await replayExchange(original, { target: srv.url }, deps());
      expect(seen[0]['content-length']).toBe('0');
      expect(seen[0]['transfer-encoding']).toBeUndefined();
    } finally {
      await srv.close();
    }
  });
});
