/**
 * `switchyard serve`, `history search`, `history export-har` and `replay`
 * end to end: the real bin script run by node against the compiled CLI in
 * dist/ (`npm test` builds it first; run `npm run build:node` before
 * `vitest run` on its own). A real serve with a workspace file, real traffic,
 * and the one-shot commands beside it on the same data dir.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src-proxy/project-root.js';
import { requireFreshDist } from '../helpers/dist.js';
import type { SearchPage } from '../../src-proxy/history/types.js';
import { harErrors } from '../har/har-schema.js';
import { send, startApp, type AppUpstream } from '../capture/rig.js';
import { HistoryStore } from '../../src-proxy/history/history-store.js';

const root = projectRoot();
const bin = join(root, 'bin', 'switchyard.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function switchyard(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: dir, timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');
const headerValue = (raw: string[], name: string) => raw.find((_, i) => i % 2 === 1 && raw[i - 1].toLowerCase() === name);

let dir: string;
let dataDir: string;
let app: AppUpstream;
let serve: ChildProcess | null = null;
let serveOut = '';
let serveErr = '';
let serveExit: Promise<number | null>;
let gateway: { url: string; port: number };
let api: { api: string; token: string; pid: number };
/** Exchange ids by X-Request-Id. */
const ids: Record<string, string> = {};
/** The gateway replay of cli-1 (replayed as it was). */
let replayOfCli1 = '';

/** Resolves with the first match of `re` in serve's stdout (already printed or yet to come). */
function waitForOutput(re: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(serveOut);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`serve did not print ${re} within ${timeoutMs} ms\nstdout:\n${serveOut}\nstderr:\n${serveErr}`));
    }, timeoutMs);
    const onData = () => check();
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`serve exited (${code}) before printing ${re}\nstdout:\n${serveOut}\nstderr:\n${serveErr}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      serve?.stdout?.off('data', onData);
      serve?.off('exit', onExit);
    };
    serve!.stdout!.on('data', onData);
    serve!.once('exit', onExit);
    check();
  });
}

async function rpc<T>(method: string, args: unknown): Promise<T> {
  const res = await fetch(`${api.api}/api/rpc/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Polls until serve's history (committed rows) holds `n` exchanges matching `query`. */
async function waitForCount(query: string, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { count } = await rpc<{ count: number }>('history.count', { query });
    if (count === n) return;
    if (Date.now() > deadline) throw new Error(`history has ${count} exchanges for "${query}", expected ${n}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  requireFreshDist(['src-proxy', 'src-main/headless']);
  dir = mkdtempSync(join(tmpdir(), 'swy-history-cli-'));
  dataDir = join(dir, 'data');
  app = await startApp();
  writeFileSync(
    join(dir, 'workspace.yaml'),
    `version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: api, priority: 10, match: { host: api.localhost }, upstream: app }
  - { name: fallback, match: { path: / }, respond: { status: 503, body: closed } }
upstreams:
  app: { targets: [{ url: "${app.url}" }] }
capture: { maskHeaders: [X-App] }
`,
  );

  serve = spawn(process.execPath, [bin, 'serve', '--config', 'workspace.yaml', '--ui-port', '0', '--data-dir', dataDir], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serve.stdout!.setEncoding('utf8').on('data', (c: string) => (serveOut += c));
  serve.stderr!.setEncoding('utf8').on('data', (c: string) => (serveErr += c));
  serveExit = new Promise((resolve) => serve!.once('exit', (code) => resolve(code)));

  const listener = await waitForOutput(/^listener web \(reverse\): (http:\/\/127\.0\.0\.1:(\d+))$/m);
  gateway = { url: listener[1], port: Number(listener[2]) };
  await waitForOutput(/^workbench: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/m);
  const info = join(dataDir, 'serve.json');
  const deadline = Date.now() + 5000;
  while (!existsSync(info)) {
    if (Date.now() > deadline) throw new Error('serve.json was not written');
    await new Promise((r) => setTimeout(r, 20));
  }
  api = JSON.parse(readFileSync(info, 'utf8')) as typeof api;
}, 60_000);

afterAll(async () => {
  if (serve && serve.exitCode === null && serve.signalCode === null) {
    serve.kill('SIGKILL');
    await serveExit;
  }
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('switchyard serve + history + replay (built CLI)', () => {
  it('serve prints its listener, history file and workbench, and writes serve.json (mode 0600)', () => {
    expect(serveOut).toContain(`history: ${join(dataDir, 'history.db')}`);
    const info = join(dataDir, 'serve.json');
    expect(statSync(info).mode & 0o777).toBe(0o600);
    expect(api.pid).toBe(serve!.pid);
    expect(api.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api.token.length).toBeGreaterThan(20);
  });

  it('captures traffic that `history search` lists as rows with a count, or as JSON', async () => {
    const traffic = [
      { rid: 'cli-1', path: '/json?n=1' },
      { rid: 'cli-2', path: '/json?n=2' },
      { rid: 'cli-3', path: '/slow?ms=20' },
      { rid: 'cli-4', path: '/nothing', host: 'other.localhost' },
    ];
    for (const t of traffic) {
      const res = await send(gateway.port, { path: t.path, headers: ['Host', t.host ?? 'api.localhost', 'X-Request-Id', t.rid] });
      expect(res.status).toBe(t.host ? 503 : 200);
    }
    await waitForCount('', 4);

    const json = await switchyard(['history', 'search', 'route:api', '--json', '--data-dir', dataDir]);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const page = JSON.parse(json.stdout) as SearchPage;
    expect(page.total).toBe(3);
    expect(page.items.map((i) => i.requestId)).toEqual(['cli-3', 'cli-2', 'cli-1']);
    for (const i of page.items) ids[i.requestId] = i.id;
    expect(page.items[0]).toMatchObject({ status: 200, method: 'GET', host: 'api.localhost', url: '/slow?ms=20', route: 'api', upstream: 'app', target: app.url });

    const text = await switchyard(['history', 'search', 'route:api', '--data-dir', dataDir]);
    expect(text.code).toBe(0);
    const out = lines(text.stdout);
    expect(out).toHaveLength(4);
    expect(out[0]).toContain(ids['cli-3']);
    expect(out[0]).toMatch(/ 200 GET +api\.localhost\/slow\?ms=20 +[\d.]+ms +api → http:\/\/127\.0\.0\.1:\d+$/);
    expect(out[1]).toContain(ids['cli-2']);
    expect(out[2]).toContain(ids['cli-1']);
    expect(out[3]).toBe('3 of 3 matching exchanges');

    const limited = await switchyard(['history', 'search', '', '--limit', '2', '--data-dir', dataDir]);
    expect(lines(limited.stdout).at(-1)).toBe('2 of 4 matching exchanges');
    const fallback = await switchyard(['history', 'search', 'status:503 route:fallback', '--data-dir', dataDir]);
    expect(lines(fallback.stdout).at(-1)).toBe('1 of 1 matching exchanges');
  });

  it('a bad query exits 1 with the error and a caret line under its position', async () => {
    const run = await switchyard(['history', 'search', 'route:api status:abc', '--data-dir', dataDir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const err = run.stderr.split('\n');
    const i = err.findIndex((l) => l.startsWith('query error:'));
    expect(i, run.stderr).toBeGreaterThanOrEqual(0);
    expect(err[i]).toContain('status');
    const queryLine = err[i + 1];
    const caretLine = err[i + 2];
    expect(queryLine.trim()).toBe('route:api status:abc');
    expect(caretLine.trim()).toBe('^^^');
    expect(caretLine.indexOf('^')).toBe(queryLine.indexOf('abc'));

    const quote = await switchyard(['history', 'search', 'a "open', '--data-dir', dataDir]);
    expect(quote.code).toBe(1);
    const qerr = quote.stderr.split('\n');
    const qi = qerr.findIndex((l) => l.startsWith('query error:'));
    expect(qerr[qi]).toMatch(/unterminated quote/i);
    expect(qerr[qi + 2].indexOf('^')).toBe(qerr[qi + 1].indexOf('"'));
  });

  it('history export-har writes a valid HAR 1.2 file', async () => {
    const file = join(dir, 'api.har');
    const run = await switchyard(['history', 'export-har', 'route:api', '-o', file, '--data-dir', dataDir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([`3 exchanges written to ${file}`]);
    const har = JSON.parse(readFileSync(file, 'utf8')) as { log: { entries: { request: { url: string }; response: { status: number } }[] } };
    expect(harErrors(har)).toBe('');
    expect(har.log.entries.map((e) => e.request.url).sort()).toEqual(
      ['http://api.localhost/json?n=1', 'http://api.localhost/json?n=2', 'http://api.localhost/slow?ms=20'].sort(),
    );
    expect(har.log.entries.every((e) => e.response.status === 200)).toBe(true);
    const nowhere = await switchyard(['history', 'export-har', 'route:api', '-o', join(dir, 'no-dir', 'x.har'), '--data-dir', dataDir]);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr.trim()).toBe(`-o ${join(dir, 'no-dir', 'x.har')}: directory not found`);
  });

  it('replay ID goes through the running serve; replay ID --target URL goes direct; both are in history as source:replay', async () => {
    const seenBefore = app.seen.length;
    const through = await switchyard(['replay', ids['cli-1'], '--data-dir', dataDir]);
    expect(through.stderr).toBe('');
    expect(through.code).toBe(0);
    const tOut = lines(through.stdout);
    expect(tOut[0]).toBe(`gateway replay of ${ids['cli-1']} → ${gateway.url}/json?n=1: 200 OK`);
    const viaGateway = /^new exchange: (\S+)$/.exec(tOut[1])![1];
    replayOfCli1 = viaGateway;

    const direct = await switchyard(['replay', ids['cli-2'], '--target', app.url, '--data-dir', dataDir]);
    expect(direct.stderr).toBe('');
    expect(direct.code).toBe(0);
    const dOut = lines(direct.stdout);
    expect(dOut[0]).toBe(`direct replay of ${ids['cli-2']} → ${app.url}/json?n=2: 200 OK`);
    const viaTarget = /^new exchange: (\S+)$/.exec(dOut[1])![1];

    expect(app.seen.slice(seenBefore).map((s) => s.url)).toEqual(['/json?n=1', '/json?n=2']);
    expect(new Set([viaGateway, viaTarget, ...Object.values(ids)]).size).toBe(Object.values(ids).length + 2);

    await waitForCount('source:replay', 2);
    const run = await switchyard(['history', 'search', 'source:replay', '--json', '--data-dir', dataDir]);
    const page = JSON.parse(run.stdout) as SearchPage;
    const byId = new Map(page.items.map((i) => [i.id, i]));
    expect(byId.get(viaGateway)).toMatchObject({ replayOf: ids['cli-1'], source: 'replay', route: 'api', url: '/json?n=1', status: 200 });
    expect(byId.get(viaTarget)).toMatchObject({ replayOf: ids['cli-2'], source: 'replay', url: '/json?n=2', status: 200, target: app.url });
    // Both recorded by serve, masked as the workspace says (capture.maskHeaders: [X-App]).
    for (const id of [viaGateway, viaTarget]) {
      const record = await rpc<{ responseHeaders: string[] }>('history.get', { id });
      expect(headerValue(record.responseHeaders, 'x-app')).toBe('[masked]');
    }

    // An unknown id is a clear error, not a crash.
    const unknown = await switchyard(['replay', 'no-such-id', '--target', app.url, '--data-dir', dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no exchange "no-such-id"/i);
  });

  it('replay edits the request as curl options say: -X, --url, -H (set, "Name:" removes), -d, --data-file, --no-body', async () => {
    const res = await send(gateway.port, { path: '/json?n=auth', headers: ['Host', 'api.localhost', 'X-Request-Id', 'cli-auth', 'Authorization', 'Bearer s3cret', 'Accept', 'application/json'] });
    expect(res.status).toBe(200);
    await waitForCount('source:live', 5);
    const page = JSON.parse((await switchyard(['history', 'search', 'source:live', '--json', '--data-dir', dataDir])).stdout) as SearchPage;
    const id = page.items.find((i) => i.requestId === 'cli-auth')!.id;

    // The captured Authorization is masked: the command says how to supply it.
    const refused = await switchyard(['replay', id, '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('headers Authorization');
    expect(refused.stderr).toContain('--drop-masked');

    const seenBefore = app.seen.length;
    const edited = await switchyard([
      'replay', id, '--data-dir', dataDir,
      '-X', 'POST', '--url', '/json?n=edited', '-H', 'Authorization: Bearer fresh', '-H', 'X-Extra: one', '-H', 'x-extra: two', '-H', 'Accept:', '-H', 'X-Empty;', '-d', '{"a":1}',
    ]);
    expect(edited.stderr).toBe('');
    expect(edited.code).toBe(0);
    expect(lines(edited.stdout)[0]).toBe(`gateway replay of ${id} → ${gateway.url}/json?n=edited: 200 OK`);
    const got = app.seen[seenBefore];
    expect(got).toMatchObject({ method: 'POST', url: '/json?n=edited' });
    expect(got.body.toString()).toBe('{"a":1}');
    const header = (name: string) => got.rawHeaders.filter((_, i) => i % 2 === 1 && got.rawHeaders[i - 1].toLowerCase() === name);
    expect(header('authorization')).toEqual(['Bearer fresh']);
    expect(header('x-extra')).toEqual(['one', 'two']);
    expect(header('accept')).toEqual([]);
    expect(header('x-empty')).toEqual(['']);

    // Direct, with a binary body from a file and the masked header left out.
    const bytes = Buffer.from([0, 1, 2, 250, 255, 13, 10]);
    writeFileSync(join(dir, 'body.bin'), bytes);
    const direct = await switchyard(['replay', id, '--target', app.url, '--drop-masked', '--data-file', join(dir, 'body.bin'), '--data-dir', dataDir]);
    expect(direct.stderr).toBe('');
    expect(direct.code).toBe(0);
    expect(app.seen[seenBefore + 1].body.equals(bytes)).toBe(true);
    expect(app.seen[seenBefore + 1].rawHeaders.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization')).toBe(false);
    expect(app.seen).toHaveLength(seenBefore + 2);

    // Bad options: usage errors (2) before anything is sent; a bad method is the replayer's error (1).
    const noColon = await switchyard(['replay', id, '-H', 'X-Broken', '--data-dir', dataDir]);
    expect(noColon.code).toBe(2);
    expect(noColon.stderr).toContain('-H "X-Broken": write a header as "Name: value"');
    const twoBodies = await switchyard(['replay', id, '-d', 'x', '--no-body', '--data-dir', dataDir]);
    expect(twoBodies.code).toBe(2);
    expect(twoBodies.stderr).toContain('at most one of --data, --data-file and --no-body');
    const noFile = await switchyard(['replay', id, '--data-file', join(dir, 'missing.bin'), '--data-dir', dataDir]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('missing.bin: file not found');
    const badMethod = await switchyard(['replay', id, '-X', 'BAD METHOD', '--drop-masked', '--data-dir', dataDir]);
    expect(badMethod.code).toBe(1);
    expect(badMethod.stderr).toContain('"BAD METHOD" is not a valid HTTP method');
    const badUrl = await switchyard(['replay', id, '--url', 'http://elsewhere/x', '--drop-masked', '--data-dir', dataDir]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('The URL "http://elsewhere/x" is not a valid request target: it must start with "/"');
    expect(app.seen).toHaveLength(seenBefore + 2);
  });

  it('history show prints one exchange as messages (or JSON); diff compares two and exits 0 same, 1 different, 2 on trouble', async () => {
    const shown = await switchyard(['history', 'show', ids['cli-1'], '--data-dir', dataDir]);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    const out = lines(shown.stdout);
    expect(out[0]).toMatch(new RegExp(`^exchange ${ids['cli-1']} \\(live\\) at \\d{4}-\\d\\d-\\d\\d [\\d:.]+ from 127\\.0\\.0\\.1:\\d+ on web$`));
    expect(out[1]).toBe(`route api → upstream app → ${app.url} (1 attempt)`);
    expect(out).toContain('GET /json?n=1 HTTP/1.1');
    expect(out).toContain('Host: api.localhost');
    expect(out).toContain('HTTP/1.1 200 OK');
    expect(out).toContain('x-app: [masked]'); // as stored: the workspace masks it
    expect(JSON.parse(out.at(-1)!)).toMatchObject({ method: 'GET', query: '?n=1', word: 'zebracorn' });
    const json = await switchyard(['history', 'show', ids['cli-1'], '--json', '--data-dir', dataDir]);
    const wire = JSON.parse(json.stdout) as { id: string; responseBody: { base64: string } };
    expect(wire.id).toBe(ids['cli-1']);
    expect(JSON.parse(Buffer.from(wire.responseBody.base64, 'base64').toString())).toMatchObject({ query: '?n=1' });
    expect(await switchyard(['history', 'show', ids['cli-1'], '-o', join(dir, 'x'), '--data-dir', dataDir])).toMatchObject({ code: 2 });
    // `show ID | head`: the reader leaving early is no error.
    expect((await send(gateway.port, { path: '/big?n=400000', headers: ['Host', 'api.localhost', 'X-Request-Id', 'cli-big'] })).status).toBe(200);
    await waitForCount('rid:cli-big', 1);
    const big = JSON.parse((await switchyard(['history', 'search', 'rid:cli-big', '--json', '--data-dir', dataDir])).stdout) as SearchPage;
    const reader = spawn(process.execPath, [bin, 'history', 'show', big.items[0].id, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let readerErr = '';
    reader.stderr!.setEncoding('utf8').on('data', (c: string) => (readerErr += c));
    reader.stdout!.once('data', () => reader.stdout!.destroy());
    const readerCode = await new Promise((resolve) => reader.once('exit', resolve));
    expect(readerErr).toBe('');
    expect(readerCode).toBe(0);
    const unknown = await switchyard(['history', 'show', 'no-such-id', '--data-dir', dataDir]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no exchange "no-such-id" in history');

    const differ = await switchyard(['diff', ids['cli-1'], ids['cli-2'], '--data-dir', dataDir]);
    expect(differ.stderr).toBe('');
    expect(differ.code).toBe(1);
    const d = lines(differ.stdout);
    expect(d.slice(0, 4)).toEqual([
      `a: ${ids['cli-1']}`,
      `b: ${ids['cli-2']}`,
      'headers not compared: date, x-request-id, connection, keep-alive',
      'url: /json?n=1 → /json?n=2',
    ]);
    expect(d).toContain('  ~ $.query: "?n=1" → "?n=2"');
    expect(d.at(-1)).toBe('the exchanges differ');
    const all = await switchyard(['diff', ids['cli-1'], ids['cli-2'], '--all-headers', '--data-dir', dataDir]);
    expect(lines(all.stdout)).toContain('  ~ X-Request-Id: cli-1 → cli-2');
    // A replay as it was is the same as its original: the check a script wants.
    const replayed = await switchyard(['diff', ids['cli-1'], replayOfCli1, '--data-dir', dataDir]);
    expect(replayed.stdout).toContain('same: status, request and response are equal');
    expect(replayed.code).toBe(0);
    const ignoring = await switchyard(['diff', ids['cli-1'], ids['cli-2'], '--ignore-header', 'x-request-id', '--json', '--data-dir', dataDir]);
    expect(ignoring.code).toBe(1);
    const parsed = JSON.parse(ignoring.stdout) as { same: boolean; request: { headers: { changed: { name: string }[] } } };
    expect(parsed.same).toBe(false);
    expect(parsed.request.headers.changed.map((c) => c.name.toLowerCase())).not.toContain('x-request-id');
    const same = await switchyard(['diff', ids['cli-1'], ids['cli-1'], '--data-dir', dataDir]);
    expect(same.code).toBe(0);
    expect(lines(same.stdout).at(-1)).toBe('same: status, request and response are equal (timings and routing aside)');
    const missing = await switchyard(['diff', ids['cli-1'], 'nope', '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no exchange "nope" in history');
  });

  it('history import-har puts a HAR into history through the running serve, with a clear error for a bad file', async () => {
    const file = join(dir, 'api.har'); // written by the export-har test
    const run = await switchyard(['history', 'import-har', file, '--data-dir', dataDir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([`3 exchanges imported from ${file}`]);
    await waitForCount('source:import', 3);
    const page = JSON.parse((await switchyard(['history', 'search', 'source:import', '--json', '--data-dir', dataDir])).stdout) as SearchPage;
    expect(page.items.map((i) => i.url).sort()).toEqual(['/json?n=1', '/json?n=2', '/slow?ms=20']);

    // Deleting through serve: a typo deletes nothing (caret under it); a query is needed, `clear` wants --yes.
    const typo = await switchyard(['history', 'delete', 'source:import stauts:200', '--data-dir', dataDir]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('query error:');
    expect(await switchyard(['history', 'delete', ' ', '--data-dir', dataDir])).toMatchObject({ code: 2 });
    expect(await switchyard(['history', 'clear', '--data-dir', dataDir])).toMatchObject({ code: 2 });
    const deleted = await switchyard(['history', 'delete', 'source:import url:"/slow?ms=20"', '--data-dir', dataDir]);
    expect(deleted.stderr).toBe('');
    expect(lines(deleted.stdout)).toEqual(['1 exchange deleted']);
    expect(await rpc<{ total: number }>('history.search', { query: 'source:import', withTotal: true })).toMatchObject({ total: 2 });

    writeFileSync(join(dir, 'bad.har'), '{"log": {"entries": [{"request": {}}]}}');
    const bad = await switchyard(['history', 'import-har', join(dir, 'bad.har'), '--data-dir', dataDir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('HAR entry 1 (log.entries[0]) is invalid');
    const none = await switchyard(['history', 'import-har', join(dir, 'none.har'), '--data-dir', dataDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('none.har: file not found');
  });

  it('SIGINT stops serve: exit 0, serve.json removed; history stays readable and replay then needs --target', async () => {
    serve!.kill('SIGINT');
    const code = await serveExit;
    expect(code, `stdout:\n${serveOut}\nstderr:\n${serveErr}`).toBe(0);
    expect(serveOut).toContain('SIGINT: shutting down');
    expect(existsSync(join(dataDir, 'serve.json'))).toBe(false);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('serve.json'))).toEqual([]);

    const run = await switchyard(['history', 'search', '', '--data-dir', dataDir]);
    expect(run.code).toBe(0);
    expect(lines(run.stdout).at(-1)).toBe('12 of 12 matching exchanges');

    const noServe = await switchyard(['replay', ids['cli-1'], '--data-dir', dataDir]);
    expect(noServe.code).toBe(1);
    expect(noServe.stderr).toContain('no running `switchyard serve`');

    // Direct, without serve: masked as the workspace given with --config says, else with the default masking.
    const newId = (run: Run) => /^new exchange: (\S+)$/m.exec(run.stdout)![1];
    const withConfig = await switchyard(['replay', ids['cli-1'], '--target', app.url, '--config', 'workspace.yaml', '--data-dir', dataDir]);
    expect(withConfig.stderr).toBe('');
    const withoutConfig = await switchyard(['replay', ids['cli-1'], '--target', app.url, '--data-dir', dataDir]);
    expect(withoutConfig.code).toBe(0);
    const store = HistoryStore.open(join(dataDir, 'history.db'));
    try {
      expect(headerValue(store.get(newId(withConfig))!.responseHeaders, 'x-app')).toBe('[masked]');
      expect(headerValue(store.get(newId(withoutConfig))!.responseHeaders, 'x-app')).toBe('json');
    } finally {
      store.close();
    }
    // A failed send is the command's failure (1), as through serve; 2 is for usage errors.
    const refused = await switchyard(['replay', ids['cli-1'], '--target', 'http://127.0.0.1:1', '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^switchyard replay: .*127\.0\.0\.1:1/m);
    const badConfig = await switchyard(['replay', ids['cli-1'], '--target', app.url, '--config', 'missing.yaml', '--data-dir', dataDir]);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain('missing.yaml:1:1 cannot read workspace: file not found');

    // Without serve, an import is written from the command, masked as --config says (else by default: X-App kept).
    const visible = join(dir, 'visible.har');
    writeFileSync(visible, readFileSync(join(dir, 'api.har'), 'utf8').replaceAll('"[masked]"', '"visible"'));
    const masked = await switchyard(['history', 'import-har', visible, '--config', 'workspace.yaml', '--data-dir', dataDir]);
    expect(masked.stderr).toBe('');
    expect(lines(masked.stdout)).toEqual([`3 exchanges imported from ${visible}`]);
    const kept = await switchyard(['history', 'import-har', visible, '--data-dir', dataDir]);
    expect(kept.code).toBe(0);
    const imports = (JSON.parse((await switchyard(['history', 'search', 'source:import url:"/json?n=1"', '--json', '--data-dir', dataDir])).stdout) as SearchPage).items;
    expect(imports).toHaveLength(3); // one through serve, two from here
    const store2 = HistoryStore.open(join(dataDir, 'history.db'));
    try {
      const xApp = imports.map((i) => headerValue(store2.get(i.id)!.responseHeaders, 'x-app')).sort();
      expect(xApp).toEqual(['[masked]', '[masked]', 'visible']);
    } finally {
      store2.close();
    }

    // Without serve, delete and clear change the database from the command.
    const gone = await switchyard(['history', 'delete', 'source:import', '--data-dir', dataDir]);
    expect(lines(gone.stdout)).toEqual(['8 exchanges deleted']); // 2 imported through serve, 6 from here
    const left = lines((await switchyard(['history', 'search', '', '--data-dir', dataDir])).stdout).at(-1);
    expect(left).toBe('13 of 13 matching exchanges'); // the refused replay is recorded too, with its error
    const cleared = await switchyard(['history', 'clear', '--yes', '--data-dir', dataDir]);
    expect(lines(cleared.stdout)).toEqual(['13 exchanges deleted']);
    expect(lines((await switchyard(['history', 'search', '', '--data-dir', dataDir])).stdout).at(-1)).toBe('0 of 0 matching exchanges');
  });
});
