/**
 * Adversarial RFC 9111 / RFC 5861 conformance probes against a real origin
 * that counts what reaches it. Staleness comes from the origin's own `Age`
 * (stale on arrival), so no test sleeps to make an entry expire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, startRig, type CacheRig } from './rig.js';

let rig: CacheRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('conformance: Vary (RFC 9111 §4.1)', () => {
  it('stores one response per Accept-Encoding variant and serves each its own', async () => {
    rig = await startRig();
    rig.origin.on('/v', (req, res) => {
      const gz = (req.headers['accept-encoding'] ?? '').includes('gzip');
      res.writeHead(200, { vary: 'Accept-Encoding', 'cache-control': 'max-age=60' }).end(gz ? 'gz' : 'plain');
    });
    expect((await rig.get('/v', { 'accept-encoding': 'gzip' })).body).toBe('gz');
    expect((await rig.get('/v')).body).toBe('plain');
    const again = await rig.get('/v', { 'accept-encoding': 'GZIP' });
    expect(again.body).toBe('gz');
    expect(again.headers['cache-status']).toContain('hit');
    expect((await rig.get('/v')).body).toBe('plain');
    expect(rig.origin.hits('/v')).toBe(2);
  });

  it('normalises the Vary’d request values: list spacing and Accept-* case match, other fields stay case-sensitive', async () => {
    rig = await startRig();
    rig.origin.on('/lang', reply('l', { vary: 'ACCEPT-LANGUAGE', 'cache-control': 'max-age=60' }));
    rig.origin.on('/tenant', (req, res) => {
      // Vary as two field lines.
      res.setHeader('vary', ['x-tenant', 'accept-encoding']);
      res.writeHead(200, { 'cache-control': 'max-age=60' });
      res.end(String(req.headers['x-tenant']));
    });
    await rig.get('/lang', { 'accept-language': 'en-US,en;q=0.9' });
    expect((await rig.get('/lang', { 'accept-language': 'en-US , en ; q=0.9' })).headers['cache-status']).toContain('hit');
    expect((await rig.get('/lang', { 'accept-language': 'EN-us,en;q=0.9' })).headers['cache-status']).toContain('hit');
    await rig.get('/lang', { 'accept-language': 'fr' });
    await rig.get('/lang');
    expect(rig.origin.hits('/lang')).toBe(3);
    await rig.get('/tenant', { 'x-tenant': 'a', 'accept-encoding': 'gzip' });
    expect((await rig.get('/tenant', { 'x-tenant': 'a', 'accept-encoding': 'gzip' })).headers['cache-status']).toContain('hit');
    expect((await rig.get('/tenant', { 'x-tenant': 'A', 'accept-encoding': 'gzip' })).body).toBe('A');
    expect((await rig.get('/tenant', { 'x-tenant': 'a', 'accept-encoding': 'br' })).headers['cache-status']).toContain('vary-miss');
    expect(rig.origin.hits('/tenant')).toBe(3);
  });

  it('serves the most recent of several matching stored responses', async () => {
    rig = await startRig();
    let version = 1;
    rig.origin.on('/recent', (_req, res) => {
      // v1 varies on Accept-Encoding; v2 (after a deploy) no longer varies at all.
      res.writeHead(200, { 'cache-control': 'max-age=60', ...(version === 1 ? { vary: 'accept-encoding' } : {}) }).end(`v${version}`);
    });
    await rig.get('/recent', { 'accept-encoding': 'gzip' });
    version = 2;
    expect((await rig.get('/recent')).body).toBe('v2');
    // Both stored responses match a gzip request: the newer one is used (§4.1).
    expect((await rig.get('/recent', { 'accept-encoding': 'gzip' })).body).toBe('v2');
  });

  it('never serves a Vary: * response, even to the identical request', async () => {
    rig = await startRig('defaultTtl: 1m');
    rig.origin.on('/star', reply('s', { vary: '*', 'cache-control': 'public, max-age=60' }));
    await rig.get('/star');
    await rig.get('/star');
    expect(rig.origin.hits('/star')).toBe(2);
  });
});

describe('conformance: request directives (RFC 9111 §5.2.1)', () => {
  it('forwards no-cache, max-age=0 and Pragma: no-cache; only-if-cached gets 504 when nothing is stored, even with Range', async () => {
    rig = await startRig();
    rig.origin.on('/d', reply('D', { 'cache-control': 'max-age=60' }));
    await rig.get('/d');
    await rig.get('/d', { 'cache-control': 'no-cache' });
    await sleep(5);
    await rig.get('/d', { 'cache-control': 'max-age=0' });
    await rig.get('/d', { pragma: 'no-cache' });
    expect(rig.origin.hits('/d')).toBe(4);
    // Pragma is ignored when Cache-Control is present.
    expect((await rig.get('/d', { pragma: 'no-cache', 'cache-control': 'max-stale' })).headers['cache-status']).toContain('hit');
    expect(rig.origin.hits('/d')).toBe(4);
    expect((await rig.get('/none', { 'cache-control': 'only-if-cached' })).status).toBe(504);
    expect((await rig.get('/none', { 'cache-control': 'only-if-cached', range: 'bytes=0-1' })).status).toBe(504);
    expect((await rig.get('/none', { 'cache-control': 'only-if-cached', 'if-match': '"x"' })).status).toBe(504);
    expect(rig.origin.hits('/none')).toBe(0);
  });

  it('max-stale serves a stale entry, min-fresh refuses a nearly stale one, no-store stores nothing', async () => {
    rig = await startRig();
    rig.origin.on('/old', reply('old', { 'cache-control': 'max-age=10', age: '30' }));
    rig.origin.on('/near', reply('near', { 'cache-control': 'max-age=60', age: '50' }));
    rig.origin.on('/ns', reply('ns', { 'cache-control': 'max-age=60' }));
    await rig.get('/old');
    expect((await rig.get('/old', { 'cache-control': 'max-stale=5' })).headers['cache-status']).toContain('fwd=stale');
    expect((await rig.get('/old', { 'cache-control': 'max-stale=60' })).headers['cache-status']).toContain('detail=max-stale');
    expect(rig.origin.hits('/old')).toBe(2);
    await rig.get('/near');
    await rig.get('/near', { 'cache-control': 'min-fresh=30' });
    expect(rig.origin.hits('/near')).toBe(2);
    await rig.get('/ns', { 'cache-control': 'no-store' });
    await rig.get('/ns');
    expect(rig.origin.hits('/ns')).toBe(2);
  });
});

describe('conformance: response directives (RFC 9111 §5.2.2)', () => {
  it('never serves a no-cache response stale, even with stale-if-error', async () => {
    rig = await startRig('staleIfError: 10m');
    let broken = false;
    rig.origin.on('/nc', (_req, res) => {
      if (broken) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      res.writeHead(200, { etag: '"n"', 'cache-control': 'no-cache, stale-if-error=600' }).end('nc');
    });
    await rig.get('/nc');
    broken = true;
    const r = await rig.get('/nc');
    expect(r.status).toBe(503);
    expect(r.body).toBe('down');
  });

  it('never serves a no-cache response stale when the upstream is unreachable', async () => {
    rig = await startRig('staleIfError: 10m');
    rig.origin.on('/nc', reply('nc', { 'last-modified': new Date(Date.now() - 3600_000).toUTCString(), 'cache-control': 'no-cache' }));
    await rig.get('/nc');
    await rig.origin.stop();
    expect((await rig.get('/nc')).status).toBe(502);
  });

  it('treats a qualified no-cache="field" as no-cache: revalidated before every use', async () => {
    rig = await startRig();
    rig.origin.on('/q', reply('q', { etag: '"q"', 'x-secret': 's3', 'cache-control': 'max-age=60, no-cache="x-secret"' }));
    await rig.get('/q');
    const second = await rig.get('/q');
    expect(second.headers['cache-status']).not.toMatch(/; hit/);
    expect(rig.origin.hits('/q')).toBe(2);
    expect(rig.origin.last('/q')['if-none-match']).toBe('"q"');
  });

  it('reads every directive of a sloppy Cache-Control: empty list elements, stray junk', async () => {
    rig = await startRig('defaultTtl: 1m');
    const values = ['max-age=60,,no-store', ', private, max-age=60', 'max-age=60, =x, no-store', 'max-age=60 no-store', 'max-age=60, x="unterminated, no-store'];
    values.forEach((cc, i) => rig!.origin.on(`/cc${i}`, reply('c', { 'cache-control': cc })));
    for (let i = 0; i < values.length; i++) {
      await rig.get(`/cc${i}`);
      await rig.get(`/cc${i}`);
      expect(rig.origin.hits(`/cc${i}`), values[i]).toBe(2);
    }
  });

  it('treats an invalid max-age or s-maxage as stale, not as absent', async () => {
    rig = await startRig('defaultTtl: 1m');
    rig.origin.on('/bad', reply('b', { etag: '"b"', 'cache-control': 'max-age=soon' }));
    rig.origin.on('/bads', reply('b', { etag: '"b"', 'cache-control': 's-maxage=-1, max-age=60' }));
    for (const p of ['/bad', '/bads']) {
      await rig.get(p);
      await rig.get(p);
      expect(rig.origin.hits(p), p).toBe(2);
    }
  });

  it('treats an Expires that is not an HTTP-date (a bare year, ISO, no GMT) as stale', async () => {
    rig = await startRig();
    const y = new Date().getUTCFullYear() + 5;
    const bad = [String(y), `${y}-01-01`, `Thu, 01 Jan ${y} 00:00:00`, `Thu, 01 Jan ${y} 00:00:00 +0000`];
    bad.forEach((expires, i) => rig!.origin.on(`/exp${i}`, reply('e', { expires })));
    rig.origin.on('/asctime', reply('a', { expires: new Date(Date.now() + 600_000).toUTCString().replace(/^(\w+), (\d\d) (\w+) (\d+) (\S+) GMT$/, '$1 $3 $2 $5 $4') }));
    for (let i = 0; i < bad.length; i++) {
      await rig.get(`/exp${i}`);
      await rig.get(`/exp${i}`);
      expect(rig.origin.hits(`/exp${i}`), bad[i]).toBe(2);
    }
    // The obsolete asctime form is still an HTTP-date.
    await rig.get('/asctime');
    await rig.get('/asctime');
    expect(rig.origin.hits('/asctime')).toBe(1);
  });

  it('s-maxage wins over max-age and forbids stale serving; proxy-revalidate forbids max-stale', async () => {
    rig = await startRig();
    rig.origin.on('/sm', reply('sm', { 'cache-control': 'max-age=600, s-maxage=10', age: '30' }));
    rig.origin.on('/pr', reply('pr', { 'cache-control': 'max-age=10, proxy-revalidate', age: '30' }));
    rig.origin.on('/mr', reply('mr', { 'cache-control': 'max-age=10, must-revalidate', age: '30' }));
    rig.origin.on('/ncs', reply('nc', { etag: '"n"', 'cache-control': 'max-age=60, no-cache' }));
    for (const p of ['/sm', '/pr', '/mr', '/ncs']) {
      await rig.get(p);
      await rig.get(p, { 'cache-control': 'max-stale' });
      expect(rig.origin.hits(p), p).toBe(2);
    }
  });

  it('uses heuristic freshness only for heuristically cacheable statuses with Last-Modified', async () => {
    rig = await startRig('heuristic: 0.1');
    const lm = new Date(Date.now() - 36_000_000).toUTCString();
    rig.origin.on('/h200', reply('ok', { 'last-modified': lm }));
    rig.origin.on('/h302', reply('moved', { 'last-modified': lm, location: '/x' }, 302));
    rig.origin.on('/h-none', reply('none', {}));
    for (const [p, n] of [['/h200', 1], ['/h302', 2], ['/h-none', 2]] as const) {
      await rig.get(p);
      await rig.get(p);
      expect(rig.origin.hits(p), p).toBe(n);
    }
  });

  it('never stores a 206, a 200 carrying Content-Range, or a Set-Cookie response', async () => {
    rig = await startRig();
    rig.origin.on('/part', reply('pa', { 'content-range': 'bytes 0-1/10', 'cache-control': 'max-age=60' }, 206));
    rig.origin.on('/part200', reply('pa', { 'content-range': 'bytes 0-1/10', 'cache-control': 'max-age=60' }));
    rig.origin.on('/cookie', reply('c', { 'set-cookie': 'sid=1', 'cache-control': 'public, max-age=60' }));
    for (const p of ['/part', '/part200', '/cookie']) {
      await rig.get(p);
      await rig.get(p);
      expect(rig.origin.hits(p), p).toBe(2);
    }
  });
});

describe('conformance: incomplete responses (RFC 9111 §3.3)', () => {
  it('does not store a body the upstream cut short', async () => {
    rig = await startRig();
    let n = 0;
    rig.origin.on('/cut', (_req, res) => {
      n++;
      res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': '100' });
      res.write('only ten..');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await rig.get('/cut').catch(() => undefined);
    await rig.get('/cut').catch(() => undefined);
    expect(n).toBe(2);
  });
});

describe('conformance: Age and Date on hits (RFC 9111 §4.2.3, §5.1)', () => {
  it('counts the upstream Age, keeps the stored Date, and the Age grows', async () => {
    rig = await startRig();
    const date = new Date(Date.now() - 2000).toUTCString();
    rig.origin.on('/age', reply('a', { 'cache-control': 'max-age=600', age: '100', date }));
    await rig.get('/age');
    const first = await rig.get('/age');
    expect(first.headers['cache-status']).toContain('hit');
    expect(Number(first.headers.age)).toBeGreaterThanOrEqual(100);
    expect(first.headers.date).toBe(date);
    await sleep(1100);
    const later = await rig.get('/age');
    expect(Number(later.headers.age)).toBeGreaterThanOrEqual(Number(first.headers.age) + 1);
  });
});

describe('conformance: Date on stored responses (RFC 9110 §6.6.1)', () => {
  it('gives a response stored without Date the time it arrived', async () => {
    rig = await startRig();
    rig.origin.on('/undated', (_req, res) => {
      res.sendDate = false;
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end('u');
    });
    const miss = await rig.get('/undated');
    await sleep(2100);
    const hit = await rig.get('/undated');
    expect(hit.headers['cache-status']).toContain('hit');
    // The arrival time, not the time of the hit (the listener would stamp that); one second of rounding allowed.
    expect(Date.parse(hit.headers.date ?? '')).toBeLessThan(Date.parse(miss.headers.date!) + 2000);
    expect(Number(hit.headers.age)).toBeGreaterThanOrEqual(2);
  });
});

describe('conformance: Authorization (RFC 9111 §3.5)', () => {
  it('does not answer an authorised request from a response stored without public, s-maxage or must-revalidate', async () => {
    rig = await startRig();
    rig.origin.on('/doc', (req, res) => {
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end(req.headers.authorization === undefined ? 'anonymous' : 'for-user');
    });
    rig.origin.on('/pub', reply('pub', { 'cache-control': 'public, max-age=60' }));
    await rig.get('/doc');
    const authed = await rig.get('/doc', { authorization: 'Bearer u1' });
    expect(authed.body).toBe('for-user');
    expect(rig.origin.hits('/doc')).toBe(2);
    // The anonymous entry stays for anonymous requests.
    expect((await rig.get('/doc')).headers['cache-status']).toContain('hit');
    expect((await rig.get('/doc', { authorization: 'Bearer u1', 'cache-control': 'only-if-cached' })).status).toBe(504);
    await rig.get('/pub');
    expect((await rig.get('/pub', { authorization: 'Bearer u1' })).headers['cache-status']).toContain('hit');
    expect(rig.origin.hits('/pub')).toBe(1);
  });
});

describe('conformance: invalidation (RFC 9111 §4.4)', () => {
  it('invalidates after a method of unknown safety, not after a safe one', async () => {
    rig = await startRig();
    rig.origin.on('/res', (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(201, { 'content-type': 'text/plain' }).end('ok');
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end('r');
    });
    await rig.get('/res');
    await rig.get('/res', {}, 'OPTIONS');
    await rig.get('/res');
    expect(rig.origin.hits('/res', 'GET')).toBe(1);
    await rig.get('/res', {}, 'MKCOL');
    expect(rig.origin.hits('/res', 'MKCOL')).toBe(1);
    await rig.get('/res');
    expect(rig.origin.hits('/res', 'GET')).toBe(2);
  });

  it('invalidates the URI, Location and Content-Location after PUT, DELETE and PATCH', async () => {
    rig = await startRig();
    for (const p of ['/a', '/b', '/c']) rig.origin.on(p, (req, res) => {
      if (req.method !== 'GET') return void res.writeHead(200, { location: '/b', 'content-location': `http://127.0.0.1/c` }).end();
      res.writeHead(200, { 'cache-control': 'max-age=60' }).end(p);
    });
    for (const m of ['PUT', 'DELETE', 'PATCH']) {
      for (const p of ['/a', '/b', '/c']) await rig.get(p);
      await rig.get('/a', {}, m);
    }
    for (const p of ['/a', '/b', '/c']) expect(rig.origin.hits(p, 'GET'), p).toBe(3);
  });
});

describe('conformance: validation (RFC 9111 §4.3)', () => {
  it('freshens the stored response from a 304 to the client’s own conditional instead of dropping it', async () => {
    rig = await startRig();
    rig.origin.on('/own', (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' }).end();
      res.writeHead(200, { etag: '"v1"', 'cache-control': 'max-age=0' }).end('body-v1');
    });
    await rig.get('/own');
    const cond = await rig.get('/own', { 'if-none-match': '"v1"' });
    expect(cond.status).toBe(304);
    const plain = await rig.get('/own');
    expect(plain.status).toBe(200);
    expect(plain.body).toBe('body-v1');
    expect(plain.headers['cache-status']).toContain('hit');
    expect(rig.origin.hits('/own')).toBe(2);
  });

  it('does not relabel the stored body when a 304 names another entity-tag', async () => {
    rig = await startRig();
    let version = 1;
    rig.origin.on('/tag', (req, res) => {
      // A broken origin: 304 to any conditional, with the current tag.
      if (req.headers['if-none-match'] !== undefined) return void res.writeHead(304, { etag: `"v${version}"`, 'cache-control': 'max-age=60' }).end();
      res.writeHead(200, { etag: `"v${version}"`, 'cache-control': 'max-age=0' }).end(`body-v${version}`);
    });
    await rig.get('/tag');
    version = 2;
    const r = await rig.get('/tag');
    // A body must never go out under an entity-tag that is not its own: the cache fetches the whole response anew.
    expect(`${r.status} ${r.headers.etag} ${r.body}`).toBe('200 "v2" body-v2');
    expect(r.headers['cache-status']).toContain('fwd=stale; fwd-status=200; stored');
    expect(rig.origin.last('/tag')['if-none-match']).toBeUndefined();
    const again = await rig.get('/tag', { 'cache-control': 'max-stale' });
    expect(`${again.headers.etag} ${again.body}`).toBe('"v2" body-v2');
    expect(rig.origin.hits('/tag')).toBe(3);
  });

  it('answers a gateway error when the refetch after a 304 for another representation fails', async () => {
    rig = await startRig();
    let version = 1;
    rig.origin.on('/tagfail', (req, res) => {
      if (req.headers['if-none-match'] !== undefined) return void res.writeHead(304, { etag: '"v2"' }).end();
      if (version === 2) return void req.socket.destroy();
      res.writeHead(200, { etag: '"v1"', 'cache-control': 'max-age=0' }).end('body-v1');
    });
    await rig.get('/tagfail');
    version = 2;
    const r = await rig.get('/tagfail');
    expect(r.status).toBe(502);
    expect(r.body).not.toContain('body-v1');
    expect(rig.policy().stats().entries).toBe(0);
  });

  it('answers a HEAD whose revalidation got a 304 for another representation without a body', async () => {
    rig = await startRig();
    let version = 1;
    rig.origin.on('/taghead', (req, res) => {
      if (req.headers['if-none-match'] !== undefined) return void res.writeHead(304, { etag: `"v${version}"` }).end();
      res.writeHead(200, { etag: `"v${version}"`, 'cache-control': 'max-age=0' }).end(`body-v${version}`);
    });
    await rig.get('/taghead');
    version = 2;
    const r = await rig.get('/taghead', {}, 'HEAD');
    expect(`${r.status} ${r.headers.etag} ${r.body}`).toBe('200 "v2" ');
    expect(rig.origin.hits('/taghead')).toBe(3);
  });

  it('does not keep a response a 304 made private, no-store or cookie-setting, but serves it to the client that revalidated', async () => {
    rig = await startRig();
    const cases: [string, Record<string, string>][] = [
      ['/priv', { 'cache-control': 'private, max-age=60' }],
      ['/nost', { 'cache-control': 'no-store' }],
      ['/cook', { 'cache-control': 'max-age=60', 'set-cookie': 'sid=alice' }],
    ];
    for (const [p, h304] of cases) {
      let first = true;
      rig.origin.on(p, (req, res) => {
        if (req.headers['if-none-match'] === '"r"' && !first) return void res.writeHead(304, { etag: '"r"', ...h304 }).end();
        first = false;
        res.writeHead(200, { etag: '"r"', 'cache-control': 'max-age=0' }).end('r');
      });
      await rig.get(p);
      const revalidated = await rig.get(p);
      expect(revalidated.body, p).toBe('r');
      expect(revalidated.headers['cache-status'], p).toContain('fwd-status=304');
      const next = await rig.get(p, { 'cache-control': 'max-stale' });
      expect(next.headers['set-cookie'], p).toBeUndefined();
      expect(next.headers['cache-status'], p).not.toContain('hit');
    }
  });

  it('revalidates weak and weakened entity-tags, and takes the new Date and Expires from the 304', async () => {
    rig = await startRig();
    const later = () => new Date(Date.now() + 60_000).toUTCString();
    let newDate = '';
    for (const [p, stored, in304] of [['/weak', 'W/"w"', 'W/"w"'], ['/weakened', '"s"', 'W/"s"']] as const) {
      rig.origin.on(p, (req, res) => {
        if (req.headers['if-none-match'] === stored) {
          newDate = new Date(Date.now() + 1000).toUTCString();
          return void res.writeHead(304, { etag: in304, date: newDate, expires: later() }).end();
        }
        res.writeHead(200, { etag: stored, expires: new Date(Date.now() - 1000).toUTCString() }).end('w');
      });
      await rig.get(p);
      expect((await rig.get(p)).headers['cache-status'], p).toContain('fwd=stale; fwd-status=304');
      const hit = await rig.get(p);
      expect(hit.headers['cache-status'], p).toMatch(/; hit; ttl=\d+/);
      expect(hit.headers.date, p).toBe(newDate);
      expect(Number(hit.headers.age), p).toBeLessThan(5);
      expect(hit.body).toBe('w');
      expect(rig.origin.hits(p)).toBe(2);
    }
  });

  it('keeps the freshness a 304 without Date gives, instead of ageing it by the stored Date', async () => {
    rig = await startRig();
    const old = new Date(Date.now() - 300_000).toUTCString();
    rig.origin.on('/nodate', (req, res) => {
      if (req.headers['if-none-match'] === '"d"') {
        res.sendDate = false;
        return void res.writeHead(304, { etag: '"d"', 'cache-control': 'max-age=60' }).end();
      }
      res.writeHead(200, { etag: '"d"', 'cache-control': 'max-age=10', date: old }).end('d');
    });
    await rig.get('/nodate');
    expect((await rig.get('/nodate')).headers['cache-status']).toContain('fwd-status=304');
    const hit = await rig.get('/nodate');
    expect(hit.headers['cache-status']).toContain('hit');
    expect(Number(hit.headers.age)).toBeLessThan(60);
    expect(rig.origin.hits('/nodate')).toBe(2);
  });

  it('answers a client If-None-Match with a weak tag and If-Modified-Since with 304 from a fresh entry', async () => {
    rig = await startRig();
    const lm = new Date(Date.now() - 600_000).toUTCString();
    rig.origin.on('/w', reply('w', { etag: '"w1"', 'last-modified': lm, 'cache-control': 'max-age=60' }));
    await rig.get('/w');
    expect((await rig.get('/w', { 'if-none-match': 'W/"w1"' })).status).toBe(304);
    expect((await rig.get('/w', { 'if-none-match': '"other"' })).status).toBe(200);
    expect((await rig.get('/w', { 'if-modified-since': lm })).status).toBe(304);
    expect(rig.origin.hits('/w')).toBe(1);
  });
});

describe('conformance: stale-while-revalidate and stale-if-error (RFC 5861)', () => {
  it('answers a burst of stale requests at once with exactly one background revalidation', async () => {
    rig = await startRig();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    rig.origin.on('/swr', (req, res) => {
      if (req.headers['if-none-match'] !== undefined) {
        // Hold the refresh until the burst is over.
        void gate.then(() => res.writeHead(304, { etag: '"s"', 'cache-control': 'max-age=60' }).end());
        return;
      }
      res.writeHead(200, { etag: '"s"', 'cache-control': 'max-age=1, stale-while-revalidate=60', age: '5' }).end('s');
    });
    await rig.get('/swr');
    const burst = await Promise.all(Array.from({ length: 5 }, () => rig!.get('/swr')));
    for (const r of burst) expect(r.headers['cache-status']).toContain('detail=stale-while-revalidate');
    release();
    for (let i = 0; i < 100 && rig.policy().stats().revalidated === 0; i++) await sleep(20);
    expect(rig.origin.hits('/swr')).toBe(2);
    expect((await rig.get('/swr')).headers['cache-status']).toMatch(/; hit; ttl=\d+/);
  });

  it('drops the stale response when the background refresh says it may no longer be kept', async () => {
    rig = await startRig();
    let gone = false;
    rig.origin.on('/swr-ns', (_req, res) => {
      if (gone) return void res.writeHead(200, { 'cache-control': 'no-store' }).end('new');
      res.writeHead(200, { 'cache-control': 'max-age=1, stale-while-revalidate=600', age: '5' }).end('old');
    });
    await rig.get('/swr-ns');
    gone = true;
    expect((await rig.get('/swr-ns')).body).toBe('old');
    for (let i = 0; i < 100 && rig.policy().stats().entries > 0; i++) await sleep(20);
    expect((await rig.get('/swr-ns')).body).toBe('new');
  });

  it('stale-if-error covers a 5xx and a refused connection within the window, not beyond', async () => {
    rig = await startRig();
    let broken = false;
    for (const [p, age] of [['/in', '20'], ['/out', '200']] as const) {
      rig.origin.on(p, (_req, res) => {
        if (broken) return void res.writeHead(500, { 'content-type': 'text/plain' }).end('err');
        res.writeHead(200, { 'cache-control': 'max-age=10, stale-if-error=60', age }).end('ok');
      });
      await rig.get(p);
    }
    broken = true;
    expect((await rig.get('/in')).body).toBe('ok');
    expect((await rig.get('/out')).status).toBe(500);
    await rig.origin.stop();
    expect((await rig.get('/in')).body).toBe('ok');
    expect((await rig.get('/out')).status).toBe(502);
    // The request's own stale-if-error widens the window.
    expect((await rig.get('/out', { 'cache-control': 'stale-if-error=600' })).body).toBe('ok');
  });
});
