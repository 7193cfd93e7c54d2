/**
 * Retrying idempotent requests that carry a body, from the bounded copy the
 * gateway keeps while streaming it (`retry.bodyBuffer`): the next target gets
 * the whole upload whatever the first one did with it, larger bodies and
 * non-idempotent methods are not retried, and a client that leaves while a
 * retry waits for its upload ends the exchange.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTlsGateway, tlsWorkspace } from '../tls/rig.js';
import { Harness, hashingHandler, sha256, sleep, until, type Backend, type BackendHandler } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

/** First target's misbehaviours, each at a different point of the upload. */
const failures: Record<string, { on: (string | number)[]; handler: BackendHandler }> = {
  // Answers before reading a byte of the body.
  'an early 503': { on: [503], handler: (_req, res) => res.writeHead(503).end('busy') },
  // Reads some of the upload (all of a small one), then drops the connection.
  'a reset mid-upload': {
    on: ['reset'],
    handler: (req) => {
      let seen = 0;
      req.on('data', (c: Buffer) => {
        seen += c.length;
        if (seen >= 10_000) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
    },
  },
  // Reads all of it and never answers.
  'a response timeout': { on: ['timeout'], handler: (req) => req.resume() },
};

async function twoTargets(first: BackendHandler, upstream: Record<string, unknown>): Promise<[Backend, Backend]> {
  const [bad, good] = await Promise.all([h.backend('bad', first), h.backend('good', hashingHandler)]);
  // Round-robin starts with the first target listed.
  await h.gateway({ balancer: 'round-robin', targets: [{ url: bad.url }, { url: good.url }], ...upstream });
  return [bad, good];
}

/** An upload sent slowly in pieces, so the first attempt fails while the client is still sending. */
function trickle(body: Buffer, pieces: number): Readable {
  const size = Math.ceil(body.length / pieces);
  return Readable.from(
    (async function* () {
      for (let at = 0; at < body.length; at += size) {
        yield body.subarray(at, at + size);
        await sleep(15);
      }
    })(),
  );
}

describe('retries of idempotent requests with a body', () => {
  const upload = Buffer.from(Array.from({ length: 60_000 }, (_, i) => i % 251));

  for (const [what, failure] of Object.entries(failures)) {
    it(`resends a PUT's whole upload (Content-Length and chunked) to the next target after ${what}`, async () => {
      const [bad, good] = await twoTargets(failure.handler, {
        retry: { attempts: 1, on: failure.on, budget: 1 },
        timeouts: { response: '300ms' },
      });
      for (const chunked of [false, true]) {
        // Two requests each: round-robin sends one of them to the failing target first.
        for (let i = 0; i < 2; i++) {
          const body = chunked ? trickle(upload, 6) : upload;
          const res = await request(h.url, { method: 'PUT', body, dispatcher: h.client });
          expect(res.statusCode, `${chunked ? 'chunked' : 'Content-Length'} #${i}`).toBe(200);
          expect(await res.body.text()).toBe(`PUT ${upload.length} ${sha256(upload)}`);
        }
      }
      expect(bad.hits).toBe(2);
      expect(good.hits).toBe(4);
      await until(() => h.eventsOf('exchange.complete').length === 4, 2000, 'completion events');
      const completes = h.eventsOf('exchange.complete');
      expect(completes.map((c) => c.attempts).sort()).toEqual([1, 1, 2, 2]);
      // The upload counts once, however many targets it went to.
      for (const c of completes) expect(c.bytesIn).toBe(upload.length);
    }, 20_000);
  }

  it('resends an HTTP/2 client\'s PUT stream whole after a reset mid-upload', async () => {
    const [bad, good] = await Promise.all([h.backend('bad', failures['a reset mid-upload'].handler), h.backend('good', hashingHandler)]);
    const yaml = tlsWorkspace(bad.url).replace(
      `      - url: ${bad.url}`,
      `      - url: ${bad.url}\n      - url: ${good.url}\n    balancer: round-robin\n    retry: { attempts: 1, on: [reset], budget: 1 }`,
    );
    const gw = await startTlsGateway(yaml);
    const session = http2.connect(`https://localhost:${gw.portOf('secure')}`, { rejectUnauthorized: false });
    try {
      session.on('error', () => undefined);
      const put = async (): Promise<string> => {
        const stream = session.request({ ':method': 'PUT', ':path': '/' });
        trickle(upload, 6).pipe(stream);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        return Buffer.concat(chunks).toString();
      };
      const answers = [await put(), await put()];
      expect(answers).toEqual([`PUT ${upload.length} ${sha256(upload)}`, `PUT ${upload.length} ${sha256(upload)}`]);
      expect([bad.hits, good.hits]).toEqual([1, 2]);
    } finally {
      session.destroy();
      await gw.stop();
    }
  }, 20_000);

  it('a DELETE with a body is retried on a status; a POST with the same failure is not', async () => {
    const [bad, good] = await twoTargets(failures['an early 503'].handler, { retry: { attempts: 1, on: [503], budget: 1 } });
    const del = await h.get('/', { method: 'DELETE', body: '{"ids":[1,2]}' });
    expect(del.status).toBe(200);
    expect(del.body).toBe(`DELETE 13 ${sha256(Buffer.from('{"ids":[1,2]}'))}`);
    expect([bad.hits, good.hits]).toEqual([1, 1]);

    // Round-robin: the next request starts at the good target; make both fail to see the POST go once.
    const post = await h.get('/', { method: 'POST', body: 'x' });
    expect(post.status).toBe(200);
    const post2 = await h.get('/', { method: 'POST', body: 'x' });
    expect(post2.status).toBe(503);
    expect([bad.hits, good.hits]).toEqual([2, 2]);
  }, 20_000);

  it('does not retry a body larger than bodyBuffer (declared, or found while streaming), nor any body with bodyBuffer 0B', async () => {
    const [bad, good] = await twoTargets(failures['a reset mid-upload'].handler, {
      retry: { attempts: 1, on: ['reset'], budget: 1, bodyBuffer: '32KB' },
    });
    const big = await request(h.url, { method: 'PUT', body: upload, dispatcher: h.client });
    expect(big.statusCode).toBe(502);
    expect(((await big.body.json()) as { code: string }).code).toBe('UPSTREAM_RESET');
    expect([bad.hits, good.hits]).toEqual([1, 0]);

    // Chunked: the size is known only once the copy outgrows the limit. Round-robin: one to good first.
    await h.get('/', { method: 'PUT', body: 'small' });
    const bigChunked = await request(h.url, { method: 'PUT', body: trickle(upload, 6), dispatcher: h.client });
    expect(bigChunked.statusCode).toBe(502);
    await bigChunked.body.dump();
    expect([bad.hits, good.hits]).toEqual([2, 1]);

    // Within the limit, the same failure is retried.
    await h.get('/', { method: 'PUT', body: 'small' });
    const small = await h.get('/', { method: 'PUT', body: 'small' });
    expect(small.status).toBe(200);
    expect([bad.hits, good.hits]).toEqual([3, 3]);

    await h.reapply({ balancer: 'round-robin', targets: [{ url: bad.url }, { url: good.url }], retry: { attempts: 1, on: ['reset'], bodyBuffer: '0B' } });
    const results = [await h.get('/', { method: 'PUT', body: 'small' }), await h.get('/', { method: 'PUT', body: 'small' })];
    expect(results.map((r) => r.status).sort()).toEqual([200, 502]);
    expect([bad.hits, good.hits]).toEqual([4, 4]);
  }, 20_000);

  it('a client that leaves while the retry waits for the rest of its upload ends the exchange without a second attempt', async () => {
    const [bad, good] = await twoTargets(failures['an early 503'].handler, { retry: { attempts: 1, on: [503], budget: 1 } });
    const port = Number(new URL(h.url).port);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n' + 'a'.repeat(100));
    await until(() => bad.hits === 1, 2000, 'the first attempt');
    await sleep(100);
    socket.destroy();
    await until(() => h.eventsOf('exchange.complete').length === 1, 2000, 'the exchange to end');
    expect(good.hits).toBe(0);
    const [c] = h.eventsOf('exchange.complete');
    expect(c.aborted).toBe(true);
    expect(c.attempts).toBe(1);
    // A retry was due: the upstream events name only the first target.
    expect(h.eventsOf('exchange.upstream').map((u) => u.target)).toEqual([bad.url]);
    // And the gateway keeps serving.
    const next = await h.get('/', { method: 'PUT', body: 'after' });
    expect(next.status).toBe(200);
  }, 20_000);
});
