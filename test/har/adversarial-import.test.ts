/** HAR imports that must not turn into silently wrong records. */
import { brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { importHar } from '../../src-proxy/har/har-import.js';
import { zstdDecode } from '../../src-proxy/capture/zstd-coding.js';

type Json = Record<string, unknown>;
function har(entry: { request?: Json; response?: Json; [k: string]: unknown }): Json {
  return {
    log: {
      version: '1.2',
      creator: { name: 'test', version: '1' },
      entries: [
        {
          startedDateTime: '2026-11-20T10:00:00.000Z',
          time: 5,
          ...entry,
          request: { method: 'GET', url: 'http://api.test/x', httpVersion: 'HTTP/1.1', headers: [], ...entry.request },
          response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], content: { size: 0, mimeType: '' }, ...entry.response },
        },
      ],
    },
  };
}

describe('HAR import, adversarial', () => {
  it('refuses content that claims base64 but is not, or an encoding it does not know, instead of storing garbage', () => {
    expect(() => importHar(har({ response: { content: { text: '!!!not base64???', encoding: 'base64', mimeType: 'application/octet-stream' } } }))).toThrow(
      /log\.entries\[0\].*response\.content: text is not valid base64/,
    );
    expect(() => importHar(har({ request: { method: 'POST', postData: { mimeType: 'text/plain', text: 'abc', encoding: 'quoted-printable' } } }))).toThrow(
      /request\.postData: encoding "quoted-printable" is not supported/,
    );
    const skipped = importHar(har({ response: { content: { text: 'a', encoding: 'base64' } } }), { skipInvalid: true });
    expect(skipped.exchanges).toHaveLength(0);
    expect(skipped.warnings[0]).toMatch(/not valid base64; skipped/);
  });

  it('stores decoded HAR text under a Content-Encoding as the wire had it (encoded again), and leaves wire bytes or an unknown coding alone', () => {
    const json = '{"a":"b"}';
    const gz = (headers: Json[], content: Json, bodySize?: number) =>
      importHar(har({ response: { headers, content: { mimeType: 'application/json', size: json.length, ...content }, ...(bodySize ? { bodySize } : {}) } })).exchanges[0].responseBody;
    const decodedText = gz([{ name: 'Content-Encoding', value: 'gzip' }], { text: json }, 29);
    expect(gunzipSync(decodedText.bytes!).toString()).toBe(json);
    expect(decodedText.size).toBe(29);
    const wireBytes = gzipSync(json);
    expect(Buffer.from(gz([{ name: 'Content-Encoding', value: 'gzip' }], { text: wireBytes.toString('base64'), encoding: 'base64' }).bytes!).equals(wireBytes)).toBe(true);
    expect(Buffer.from(gz([{ name: 'Content-Encoding', value: 'compress' }], { text: json }).bytes!).toString()).toBe(json);
    // zstd is encoded again too (as a frame of raw blocks: this Node has no zstd compressor).
    const zstd = gz([{ name: 'Content-Encoding', value: 'zstd' }], { text: json }).bytes!;
    expect(Buffer.from(zstd.subarray(0, 4)).toString('hex')).toBe('28b52ffd');
    expect(zstdDecode(zstd, 1024, false).toString()).toBe(json);
    // Text that happens to decode as brotli (to nothing here) is still decoded text, not wire bytes.
    const lucky = '3abc def"}';
    expect(brotliDecompressSync(Buffer.from(lucky)).byteLength).toBe(0);
    const br = importHar(har({ response: { headers: [{ name: 'Content-Encoding', value: 'br' }], content: { mimeType: 'text/plain', size: lucky.length, text: lucky } } })).exchanges[0].responseBody;
    expect(brotliDecompressSync(br.bytes!).toString()).toBe(lucky);
    // Text cut at the cap is stored as a gzip stream left open: readers see it ends early.
    const long = JSON.stringify({ rows: Array.from({ length: 400 }, (_, i) => `row ${i}`) });
    const cut = importHar(har({ response: { headers: [{ name: 'Content-Encoding', value: 'gzip' }], content: { mimeType: 'application/json', size: long.length, text: long } } }), { maxBodySize: 1000 })
      .exchanges[0].responseBody;
    expect(cut.truncated).toBe(true);
    expect(() => gunzipSync(cut.bytes!)).toThrow();
    expect(gunzipSync(cut.bytes!, { finishFlush: constants.Z_SYNC_FLUSH }).toString()).toBe(long.slice(0, 1000));
  });

  it('percent-encodes spaces and characters past ASCII in a URL, as a browser sends them, so the exchange can be replayed', () => {
    const x = importHar(har({ request: { url: 'http://api.test/straße/ü?q=日本&r=a b&ok=%C3%A9' } })).exchanges[0];
    expect(x.url).toBe('/stra%C3%9Fe/%C3%BC?q=%E6%97%A5%E6%9C%AC&r=a%20b&ok=%C3%A9');
    expect(decodeURIComponent(x.url)).toBe('/straße/ü?q=日本&r=a b&ok=é');
    // An emoji (a surrogate pair) is one character; a lone surrogate becomes U+FFFD.
    expect(importHar(har({ request: { url: 'http://api.test/\u{1F600}/\ud800' } })).exchanges[0].url).toBe('/%F0%9F%98%80/%EF%BF%BD');
  });

  it('rebuilds a multipart/form-data body kept only as postData.params (Firefox, Charles) as multipart, not urlencoded', async () => {
    const type = 'multipart/form-data; boundary=----geckoformboundary42';
    const x = importHar(
      har({
        request: {
          method: 'POST',
          // The wire's size: the rebuilt body is whole even when it comes out shorter.
          bodySize: 4000,
          headers: [{ name: 'Content-Type', value: type }],
          postData: { mimeType: type, params: [{ name: 'note', value: 'héllo' }, { name: 'upload', fileName: 'a "b".txt', contentType: 'text/plain', value: 'file text' }] },
        },
      }),
    ).exchanges[0];
    const body = Buffer.from(x.requestBody.bytes!);
    expect(x.requestBody).toMatchObject({ size: body.byteLength, truncated: false, contentType: 'multipart/form-data' });
    // A real multipart parser reads the fields back.
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    expect(form.get('note')).toBe('héllo');
    const file = form.get('upload') as File;
    expect(file.name).toBe('a "b".txt');
    expect(file.type).toBe('text/plain');
    expect(await file.text()).toBe('file text');
    // Without a multipart type the params stay an urlencoded form.
    const plain = importHar(har({ request: { method: 'POST', postData: { mimeType: 'application/x-www-form-urlencoded', params: [{ name: 'q', value: 'a&b' }] } } })).exchanges[0];
    expect(Buffer.from(plain.requestBody.bytes!).toString()).toBe('q=a%26b');
  });

  it('keeps credentials in the URL out of the host and the Host header', () => {
    const x = importHar(har({ request: { url: 'http://user:secret@api.test:8080/p?q=1' } })).exchanges[0];
    expect(x.host).toBe('api.test');
    expect(x.url).toBe('/p?q=1');
    expect(x.requestHeaders).toEqual(['host', 'api.test:8080']);
  });

  it('masks the workspace\'s secret query parameters in the URL, as live capture does', () => {
    const url = 'http://api.test/items?api_key=k-alice-secret&page=2';
    const masked = importHar(har({ request: { url } }), { mask: { keepSecrets: false, secretHeaders: new Set(), secretQueryParams: new Set(['api_key']) } }).exchanges[0];
    expect(masked.url).toBe('/items?api_key=[masked]&page=2');
    const kept = importHar(har({ request: { url } }), { mask: { keepSecrets: true, secretHeaders: new Set(), secretQueryParams: new Set(['api_key']) } }).exchanges[0];
    expect(kept.url).toBe('/items?api_key=k-alice-secret&page=2');
  });

  it('splits newline-joined header values (as browsers write Set-Cookie) and refuses values HTTP cannot carry', () => {
    const x = importHar(har({ response: { headers: [{ name: 'Set-Cookie', value: 'a=1; Path=/\nb=2' }] } }), { mask: { keepSecrets: true, secretHeaders: new Set() } }).exchanges[0];
    expect(x.responseHeaders).toEqual(['Set-Cookie', 'a=1; Path=/', 'Set-Cookie', 'b=2']);
    expect(() => importHar(har({ request: { headers: [{ name: 'X-A', value: { nested: true } }] } }))).toThrow(/the value of X-A is not a string/);
    expect(() => importHar(har({ request: { headers: [{ name: 'bad name', value: 'v' }] } }))).toThrow(/"bad name", which is not a valid header name/);
    expect(() => importHar(har({ request: { headers: [{ name: 'X-B', value: 'a\u0000b' }] } }))).toThrow(/X-B holds a control character/);
  });

  it('caps a huge body without keeping the whole decoded text, and reports its true size', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61);
    const b64 = importHar(har({ response: { content: { size: big.length, text: big.toString('base64'), encoding: 'base64', mimeType: 'application/octet-stream' } } }), { maxBodySize: 1000 })
      .exchanges[0].responseBody;
    expect(b64).toMatchObject({ size: big.length, truncated: true });
    expect(b64.bytes!.byteLength).toBe(1000);
    expect(b64.bytes!.buffer.byteLength).toBeLessThan(64 * 1024);
    const text = importHar(har({ response: { content: { text: 'é'.repeat(600), mimeType: 'text/plain' } } }), { maxBodySize: 1001 }).exchanges[0].responseBody;
    expect(text).toMatchObject({ size: 1200, truncated: true });
    expect(Buffer.from(text.bytes!).equals(Buffer.from('é'.repeat(600)).subarray(0, 1001))).toBe(true);
    expect(text.bytes!.buffer.byteLength).toBeLessThan(64 * 1024);
  });

  it('ignores sizes no file can have and refuses statuses that are not HTTP statuses', () => {
    const x = importHar(har({ response: { content: { text: 'x', size: 1e308 } } })).exchanges[0];
    expect(x.responseBody).toMatchObject({ size: 1, truncated: false });
    expect(() => importHar(har({ response: { status: 99999 } }))).toThrow(/response\.status 99999 is not an HTTP status/);
  });
});

describe('HAR import of an edited Switchyard export', () => {
  it('an edited request.url wins over the stored path and host; an untouched one restores them exactly', async () => {
    const { exportHar } = await import('../../src-proxy/har/har-export.js');
    const { makeExchange } = await import('../history/fixtures.js');
    const x = makeExchange(1, { url: '/users/1?page=1', host: 'api.localhost' });
    const har = JSON.parse(JSON.stringify(exportHar([x]))) as { log: { entries: { request: { url: string } }[] } };
    expect(importHar(har).exchanges[0]).toMatchObject({ url: '/users/1?page=1', host: 'api.localhost' });
    har.log.entries[0].request.url = 'http://api.localhost/users/2?page=9';
    const samePlace = importHar(har).exchanges[0];
    expect(samePlace).toMatchObject({ url: '/users/2?page=9', host: 'api.localhost' });
    expect(samePlace.requestHeaders).toEqual(x.requestHeaders);
    // A host edited in the URL moves the Host header with it (the export wrote the URL from that header).
    const hostIndex = x.requestHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'host');
    expect(hostIndex).toBeGreaterThanOrEqual(0);
    har.log.entries[0].request.url = 'http://staging.localhost:8080/users/2?page=9';
    const moved = importHar(har).exchanges[0];
    expect(moved).toMatchObject({ url: '/users/2?page=9', host: 'staging.localhost' });
    const expected = x.requestHeaders.slice();
    expected[hostIndex + 1] = 'staging.localhost:8080';
    expect(moved.requestHeaders).toEqual(expected);
    // A host edit too (an exchange without a Host header, so the URL is where the host comes from).
    const bare = makeExchange(2, { url: '/users/1?page=1', host: 'api.localhost', requestHeaders: ['Accept', 'application/json'] });
    const bareHar = JSON.parse(JSON.stringify(exportHar([bare]))) as typeof har;
    expect(bareHar.log.entries[0].request.url).toBe('http://api.localhost/users/1?page=1');
    expect(importHar(bareHar).exchanges[0]).toMatchObject({ url: '/users/1?page=1', host: 'api.localhost' });
    bareHar.log.entries[0].request.url = 'http://other.localhost/users/2?page=9';
    expect(importHar(bareHar).exchanges[0]).toMatchObject({ url: '/users/2?page=9', host: 'other.localhost' });
    // A host that would carry a header (or terminal escapes) into the Host header is refused, edited or not.
    har.log.entries[0].request.url = 'http://staging.example\r\nX-Injected: yes\u001b]0;x\u0007:8080/users/2';
    expect(() => importHar(har)).toThrow(/request\.url has a host with a control character or space/);
    bareHar.log.entries[0].request.url = 'http://evil\r\nX-Inj: 1/x';
    expect(() => importHar(bareHar)).toThrow(/request\.url has a host with a control character/);
    har.log.entries[0].request.url = 'http://[::1]:9000/users/2';
    expect(importHar(har).exchanges[0]).toMatchObject({ host: '[::1]' });
  });
});

describe('HAR round trip of a masked body', () => {
  it('a body that masking shortened comes back whole, not truncated; one cut at capture stays truncated', async () => {
    const { exportHar } = await import('../../src-proxy/har/har-export.js');
    const { makeExchange } = await import('../history/fixtures.js');
    // As capture stores it: the JWT replaced by "[masked-jwt]", the size of what went over the wire.
    const masked = Buffer.from('{"token":"[masked-jwt]"}');
    const x = makeExchange(1, { responseBody: { bytes: masked, size: 121, truncated: false, contentType: 'application/json' } });
    const cut = makeExchange(2, { responseBody: { bytes: Buffer.from('{"a":'), size: 5000, truncated: true, contentType: 'application/json' } });
    const back = importHar(JSON.parse(JSON.stringify(exportHar([x, cut])))).exchanges;
    expect(back[0].responseBody).toMatchObject({ size: 121, truncated: false });
    expect(Buffer.from(back[0].responseBody.bytes!).equals(masked)).toBe(true);
    expect(back[1].responseBody).toMatchObject({ size: 5000, truncated: true });
    // Cut by the import itself (a smaller cap than the export's): truncated whatever the file says.
    const small = importHar(JSON.parse(JSON.stringify(exportHar([x]))), { maxBodySize: 10 }).exchanges[0];
    expect(small.responseBody).toMatchObject({ size: 121, truncated: true });
    expect(small.responseBody.bytes!.byteLength).toBe(10);
  });
});

describe('HAR import of text that is not JSON', () => {
  it('says where the JSON goes wrong, by line and column', () => {
    const text = '{\n  "log": {\n    "entries": [}\n}';
    expect(() => importHar(text)).toThrow('Not a HAR file: the input is not JSON (unexpected "}" at line 3, column 17 (offset 29)).');
    expect(() => importHar('{"log": {"entries": []}')).toThrow(/unexpected end of input at line 1, column 24/);
    expect(() => importHar('{"log": "a\u0001b"}')).toThrow(/a control character inside a string at line 1, column 11/);
    expect(() => importHar('{"log": {}} trailing')).toThrow(/unexpected "t" after the end of the document at line 1, column 13/);
  });
});

describe('HAR import from other tools', () => {
  it('Firefox: HTTP/2 version string, -1 sizes, cookies, a response without text; Playwright: a body kept in a side file', () => {
    const firefox = {
      log: {
        version: '1.2',
        creator: { name: 'Firefox', version: '131.0' },
        pages: [{ startedDateTime: '2026-11-20T10:00:00.000+01:00', id: 'page_1', title: 'x', pageTimings: {} }],
        entries: [
          {
            pageref: 'page_1',
            startedDateTime: '2026-11-20T10:00:00.000+01:00',
            time: 12,
            request: {
              bodySize: -1,
              method: 'GET',
              url: 'https://shop.test/api?q=1',
              httpVersion: 'HTTP/2',
              headers: [{ name: 'Host', value: 'shop.test' }, { name: 'Cookie', value: 'sid=abc' }],
              cookies: [{ name: 'sid', value: 'abc' }],
              queryString: [{ name: 'q', value: '1' }],
              headersSize: 312,
            },
            response: {
              status: 304,
              statusText: 'Not Modified',
              httpVersion: 'HTTP/2',
              headers: [],
              cookies: [],
              content: { mimeType: 'application/json', size: 0 },
              redirectURL: '',
              headersSize: 90,
              bodySize: -1,
            },
            cache: {},
            timings: { blocked: -1, dns: 0, connect: 0, ssl: 0, send: 0, wait: 11, receive: 1 },
            serverIPAddress: '127.0.0.1',
            connection: '443',
          },
          {
            startedDateTime: '2026-11-20T09:00:01.000Z',
            time: -1,
            request: { method: 'GET', url: 'https://shop.test/big.bin', httpVersion: 'HTTP/1.1', headers: [], cookies: [], queryString: [], headersSize: -1, bodySize: 0 },
            response: {
              status: 200,
              statusText: 'OK',
              httpVersion: 'HTTP/1.1',
              headers: [{ name: 'Content-Type', value: 'application/octet-stream' }],
              cookies: [],
              content: { size: 5000, mimeType: 'application/octet-stream', _file: '6f2c.bin' },
              redirectURL: '',
              headersSize: -1,
              bodySize: 5000,
              _transferSize: 5100,
            },
            cache: {},
            timings: { send: 0, wait: 3, receive: 2 },
          },
        ],
      },
    };
    const [ff, pw] = importHar(firefox).exchanges;
    expect(ff).toMatchObject({ method: 'GET', scheme: 'https', host: 'shop.test', url: '/api?q=1', httpVersion: '2.0', status: 304, startedAt: Date.parse('2026-11-20T09:00:00.000Z') });
    expect(ff.requestHeaders).toEqual(['Host', 'shop.test', 'Cookie', 'sid=[masked]']);
    expect(ff.requestBody).toEqual({ bytes: null, size: 0, truncated: false, contentType: null });
    expect(ff.timings).toEqual({ queue: 0, connect: 0, ttfb: 11, total: 12 });
    // The body is in a file the HAR points at: known size, no bytes, so it cannot pass for a complete body.
    expect(pw.responseBody).toEqual({ bytes: null, size: 5000, truncated: true, contentType: 'application/octet-stream' });
    expect(pw.timings.total).toBe(5);
  });
});

describe('HAR import of a damaged Switchyard export', () => {
  it('ignores a _switchyard start time no Date can hold, so the record can be exported again', async () => {
    const { exportHar } = await import('../../src-proxy/har/har-export.js');
    const { makeExchange } = await import('../history/fixtures.js');
    const har = JSON.parse(JSON.stringify(exportHar([makeExchange(1)]))) as { log: { entries: { startedDateTime: string; _switchyard: { startedAt: number } }[] } };
    har.log.entries[0]._switchyard.startedAt = 1e20;
    const x = importHar(har).exchanges[0];
    expect(x.startedAt).toBe(Date.parse(har.log.entries[0].startedDateTime));
    expect(() => exportHar([x])).not.toThrow();
  });
});
