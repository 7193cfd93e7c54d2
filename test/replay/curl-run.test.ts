/**
 * curl commands that actually run: each generated command is executed with
 * `bash -c` against a real server, which must receive the captured method,
 * path, headers and body bytes.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedExchange } from '../../src-proxy/capture/captured-exchange.js';
import { toCurl } from '../../src-proxy/replay/curl.js';
import { waitFor } from '../helpers/gateway.js';
import { startServer, type Started } from '../helpers/upstreams.js';
import type http from 'node:http';
import { bytesBody, record } from './fixtures.js';
import { startRig, type Rig } from './harness.js';

const run = promisify(execFile);

interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

let server: Started<http.Server>;
const received: Received[] = [];
beforeAll(async () => {
  server = await startServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.method === 'HEAD' ? undefined : 'ok');
    });
  });
});
afterAll(async () => {
  await server?.close();
});

/** Runs with `bash -c`; a command too long for one argument (Linux: 128 KiB) is fed to bash on stdin, as a paste would be. */
async function bash(command: string): Promise<void> {
  if (Buffer.byteLength(command) < 100_000) {
    await run('bash', ['-c', command], { timeout: 15_000, maxBuffer: 1 << 20 });
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', ['-s'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bash exited with ${code}`))));
    child.stdin.end(command + '\n');
  });
}

async function runCurl(command: string): Promise<Received> {
  const before = received.length;
  await bash(command);
  expect(received.length).toBe(before + 1);
  return received[received.length - 1];
}

/** Header pairs, lower-case names, without those curl legitimately sets itself. */
function comparable(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (['host', 'content-length', 'accept-encoding', 'connection'].includes(name)) continue;
    out.push(`${name}: ${raw[i + 1]}`);
  }
  return out.sort();
}

function expectSame(got: Received, x: CapturedExchange): void {
  expect(got.method).toBe(x.method);
  expect(got.url).toBe(x.url);
  expect(comparable(got.rawHeaders)).toEqual(comparable(x.requestHeaders));
  expect(got.body.equals(Buffer.from(x.requestBody.bytes ?? new Uint8Array(0)))).toBe(true);
  const length = got.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length');
  if (x.requestBody.size > 0) expect(got.rawHeaders[length + 1]).toBe(String(x.requestBody.size));
}

const host = () => `127.0.0.1:${server.port}`;

describe('curl commands run against a real server', () => {
  it('a plain GET: no -X, headers as captured, curl defaults suppressed', async () => {
    const x = record({ method: 'GET', url: '/items?page=2&q=a%20b', requestHeaders: ['Host', host(), 'X-Trace', 'abc', 'X-Dup', '1', 'X-Dup', '2'] });
    const command = toCurl(x);
    expect(command).not.toContain('-X');
    expect(command).toContain(`-H 'User-Agent:'`);
    const got = await runCurl(command);
    expectSame(got, x);
    expect(got.rawHeaders.map((h) => h.toLowerCase())).not.toContain('user-agent');
    expect(got.rawHeaders.map((h) => h.toLowerCase())).not.toContain('accept');
  });

  it('a POST with a JSON body full of quotes and unicode', async () => {
    const body = `{"msg":"it's \\"quoted\\" $HOME \`cmd\` ✓ é\\n","path":"C:\\\\x"}`;
    const x = record({
      method: 'POST',
      url: '/submit',
      requestHeaders: ['Host', host(), 'Content-Type', 'application/json; charset=utf-8', 'Accept', '*/*', 'User-Agent', 'app/1.0'],
      requestBody: bytesBody(body, 'application/json'),
    });
    const command = toCurl(x);
    expect(command).toContain('--data-raw');
    expect(command).not.toContain('-X');
    expectSame(await runCurl(command), x);
  });

  it('a PUT with a binary body holding NUL, quote, backslash and high bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 0x27, 0x5c, 0x25, 0x0a, 0x0d, 0xff, 0xfe, 0x80, 0x00, 0x41, 0x7f]);
    const x = record({
      method: 'PUT',
      url: '/blob/1',
      requestHeaders: ['Host', host(), 'Content-Type', 'application/octet-stream', 'User-Agent', 'x', 'Accept', '*/*'],
      requestBody: bytesBody(bytes, 'application/octet-stream'),
    });
    const command = toCurl(x);
    expect(command).toContain('-X PUT');
    expect(command).toContain('--data-binary @<(printf ');
    expectSame(await runCurl(command), x);
  });

  it('a large body and a body without Content-Type', async () => {
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    const x = record({ method: 'POST', url: '/big', requestHeaders: ['Host', host(), 'User-Agent', 'x', 'Accept', '*/*'], requestBody: bytesBody(big, null) });
    const command = toCurl(x);
    expect(command).toContain(`-H 'Content-Type:'`);
    expect(command).toContain(`-H 'Expect:'`);
    expectSame(await runCurl(command), x);

    const text = 'a=1&b=two words';
    const y = record({ method: 'PATCH', url: '/form', requestHeaders: ['Host', host(), 'User-Agent', 'x', 'Accept', '*/*'], requestBody: bytesBody(text, null) });
    expectSame(await runCurl(toCurl(y)), y);
  });

  it('odd header values, an empty header, latin1 bytes, dot segments and glob characters in the URL', async () => {
    const x = record({
      method: 'DELETE',
      url: '/a/../b/./c?x[0]={1}&y=%27',
      requestHeaders: ['Host', host(), 'X-Empty', '', 'X-Quote', `it's "q" $x \\ ;|&`, 'X-Latin', 'caf\u00e9', 'User-Agent', 'x', 'Accept', '*/*'],
    });
    const command = toCurl(x);
    expect(command).toContain('-g');
    expect(command).toContain('--path-as-is');
    expect(command).toContain(`-H 'X-Empty;'`);
    expectSame(await runCurl(command), x);
  });

  it('HEAD uses --head; Accept-Encoding becomes --compressed; hop-by-hop headers are left out', async () => {
    const x = record({ method: 'HEAD', url: '/h', requestHeaders: ['Host', host(), 'Connection', 'keep-alive, X-Hop', 'X-Hop', 'y', 'Accept-Encoding', 'gzip, br', 'User-Agent', 'x', 'Accept', '*/*'] });
    const command = toCurl(x);
    expect(command).toContain('--head');
    expect(command).toContain('--compressed');
    expect(command).not.toContain('X-Hop');
    const got = await runCurl(command);
    expect(got.method).toBe('HEAD');
    expect(got.rawHeaders.map((h) => h.toLowerCase())).toContain('accept-encoding');
  });

  it('masked secrets become a visible <masked> placeholder with a comment, and the command still runs', async () => {
    const x = record({ url: '/s', requestHeaders: ['Host', host(), 'Authorization', 'Bearer [masked]', 'Cookie', 'a=[masked]; b=[masked]', 'User-Agent', 'x', 'Accept', '*/*'] });
    const command = toCurl(x);
    expect(command.split('\n')[0]).toBe('# Authorization, Cookie were masked when captured: replace <masked> with the real value before running.');
    expect(command).toContain(`-H 'Authorization: Bearer <masked>'`);
    expect(command).not.toContain('[masked]');
    const got = await runCurl(command);
    expect(got.rawHeaders).toContain('Bearer <masked>');
  });

  it('a request captured by the gateway, sent again through the listener', async () => {
    const rig: Rig = await startRig();
    try {
      const body = Buffer.from('{"captured":[1,2,3]}');
      const original = await rig.send({ method: 'POST', path: '/api/c?x=1', headers: { host: 'api.localhost', 'content-type': 'application/json', 'x-one': 'ä' }, body });
      const command = toCurl(original, { baseUrl: rig.gw.url });
      expect(command).toContain(`-H 'Host: api.localhost'`);
      const before = rig.echoA.requests.length + rig.echoB.requests.length;
      const recordsBefore = rig.records.length;
      await run('bash', ['-c', command], { timeout: 15_000 });
      const seen = [...rig.echoA.requests, ...rig.echoB.requests];
      expect(seen.length).toBe(before + 1);
      // The capture of the resent request (not the original's record, the last one until it arrives).
      await waitFor(() => rig.records.length > recordsBefore, 3000, 'captured record of the curl request');
      expect(rig.records).toHaveLength(recordsBefore + 1);
      const last = rig.records[rig.records.length - 1];
      expect(last.id).not.toBe(original.id);
      expect(last.route).toBe('api');
      expect(last.method).toBe('POST');
      expect(last.url).toBe('/api/c?x=1');
      expect(Buffer.from(last.requestBody.bytes!).equals(body)).toBe(true);
      expect(comparable(last.requestHeaders).filter((h) => !h.startsWith('x-request-id'))).toEqual(
        comparable(original.requestHeaders).filter((h) => !h.startsWith('x-request-id')),
      );
    } finally {
      await rig.close();
    }
  });
});

describe('curl command shape', () => {
  it('uses -X only when needed, an HTTP version flag for HTTP/2 and 1.0, -k only when asked', () => {
    expect(toCurl(record({ method: 'GET' }))).toBe(
      `curl 'http://api.localhost:8080/items?page=2' \\\n  -H 'Accept: application/json' \\\n  -H 'User-Agent: test/1'`,
    );
    expect(toCurl(record({ method: 'OPTIONS' }), { multiline: false })).toContain(`curl 'http://api.localhost:8080/items?page=2' -X OPTIONS`);
    expect(toCurl(record({ httpVersion: '2.0', scheme: 'https' }))).toContain('--http2');
    expect(toCurl(record({ httpVersion: '1.0' }))).toContain('--http1.0');
    expect(toCurl(record())).not.toContain('-k');
    expect(toCurl(record(), { insecure: true })).toContain('-k');
    expect(toCurl(record({ requestHeaders: [':authority', 'h2.test', ':method', 'GET', 'accept', '*/*', 'user-agent', 'b'], httpVersion: '2.0', scheme: 'https' }))).toMatch(
      /^curl 'https:\/\/h2\.test\/items\?page=2' \\\n {2}--http2/,
    );
  });

  it('aims at a TLS listener under the request\'s name (--resolve), an IP or odd authority at the listener\'s address', () => {
    const opts = { multiline: false, baseUrl: 'https://127.0.0.1:8443', caCert: '/data/ca/switchyard-ca.pem' };
    const named = (host: string) => toCurl(record({ requestHeaders: ['Host', host, 'Accept', '*/*', 'User-Agent', 'x'] }), opts);
    // Same name and port: curl's own Host is the original.
    expect(named('api.localhost:8443')).toMatch(/^curl 'https:\/\/api\.localhost:8443\/items\?page=2' --resolve api\.localhost:8443:127\.0\.0\.1 -H 'Accept/);
    expect(named('api.localhost:8443')).not.toContain('Host:');
    expect(named('api.localhost:8443')).toContain('--cacert /data/ca/switchyard-ca.pem');
    // Another port (a forwarded one, or none): that Host is sent explicitly.
    expect(named('API.localhost.')).toContain(`--resolve api.localhost:8443:127.0.0.1 -H 'Host: API.localhost.'`);
    // An IP literal has no name to resolve.
    expect(named('10.0.0.7:8443')).toMatch(/^curl 'https:\/\/127\.0\.0\.1:8443\/items\?page=2' -H 'Host: 10\.0\.0\.7:8443'/);
    expect(named('[::1]:8443')).not.toContain('--resolve');
    expect(toCurl(record({ requestHeaders: ['Host', 'v6.test:8443'] }), { ...opts, baseUrl: 'https://[::1]:8443' })).toContain("--resolve 'v6.test:8443:[::1]'");
    // -k wins over --cacert; plain HTTP listeners take neither.
    expect(toCurl(record(), { ...opts, insecure: true })).not.toContain('--cacert');
    expect(toCurl(record(), { baseUrl: 'http://127.0.0.1:8080' })).not.toContain('--resolve');
  });

  it('notes a truncated body, and one cut short in transit', () => {
    const x = record({ method: 'POST', requestBody: { bytes: Buffer.from('abc'), size: 10, truncated: true, contentType: 'text/plain' } });
    expect(toCurl(x)).toMatch(/^# The body was 10 bytes but capture kept only the first 3: this command sends only the captured part/);
    const cutShort = record({
      method: 'POST',
      requestHeaders: ['Host', 'h', 'Content-Length', '100'],
      requestBody: { bytes: Buffer.from('half-body'), size: 9, truncated: true, contentType: null },
    });
    expect(toCurl(cutShort)).toMatch(/^# The body ended early: 9 of the 100 bytes its Content-Length announced arrived: this command sends only the captured part/);
  });
});
