/**
 * Hostile-looking values (quotes, backslashes, "#", ";", braces, newlines,
 * nginx variables, Caddy placeholders, HAProxy sample fetches) served by
 * Switchyard and by real nginx, HAProxy and Caddy running the exported
 * configs (test/export/fixtures/adversarial-values.yaml): every engine must
 * load the config and answer with exactly the text the workspace wrote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAYS, observed, send, startFleet, type Fleet, type Req } from './fleet.js';

describe('adversarial values: same answers from Switchyard, nginx, HAProxy and Caddy', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet('fixture:adversarial-values');
  }, 30_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  async function everywhere(req: Req) {
    return Promise.all(GATEWAYS.map(async (g) => [g, await send(fleet.port[g], req)] as const));
  }

  it('a respond body and header with newlines, quotes, "#", "%", "$" and braces come back verbatim', async () => {
    const expected = "line1\nline2 # not a comment; } {\n\"dq\" 'sq' \\bs\n%[src] 100% %% $host ${uri} {http.request.host} {env.HOME}\n\ttab";
    for (const [g, a] of await everywhere({ path: '/body' })) {
      expect({ g, status: a.status, body: a.body }).toEqual({ g, status: 200, body: expected });
      expect({ g, note: a.headers['x-note'] }).toEqual({ g, note: "{env.HOME} $host %[src] 100% \\ \" ' # ; {}" });
    }
  });

  it.each([
    ['/hq with the exact hostile header value', { path: '/hq', headers: { 'x-token': "a'b \"c\" #d ;e {f} $host %[src]" } }],
    ['/hq with another value', { path: '/hq', headers: { 'x-token': 'a' } }],
    ['/hq without the header', { path: '/hq' }],
    ['/go (redirect with literal $host, {env.HOME} and %[src])', { path: '/go' }],
    ['/rw/7 (replacePrefix to a path with "$", and a Host with placeholders)', { path: '/rw/7' }],
    ['/rr/abc (regex replacement with a literal "$")', { path: '/rr/abc' }],
    ['/u/Ab (\\u0041 and [^] in a JavaScript regex)', { path: '/u/Ab' }],
    ['/u/ab', { path: '/u/ab' }],
    ['/slash (a respond body starting with "/")', { path: '/slash' }],
    ['/rel (a relative redirect with "%")', { path: '/rel' }],
    ['/json (a JSON body: braces everywhere)', { path: '/json' }],
  ] as [string, Req][])('%s: same answer everywhere', async (_, req) => {
    const answers = await everywhere(req);
    const reference = observed(answers[0][1]);
    for (const [g, a] of answers.slice(1)) expect({ gateway: g, ...observed(a) }).toEqual({ gateway: g, ...reference });
  });

  it('header policy values with placeholders, variables and quotes are sent verbatim both ways', async () => {
    const want = "{env.HOME} $host %[src] 100% \\ \" ' # ;";
    for (const [g, a] of await everywhere({ path: '/rw/7' })) {
      expect({ g, up: a.echo?.headers['x-lit'], down: a.headers['x-lit-out'] }).toEqual({ g, up: want, down: want });
    }
  });

  it('a repeated header: nginx 1.22 reads only its first line, and the report says so (Switchyard joins the lines)', async () => {
    const headers = { 'x-token': ["a'b \"c\" #d ;e {f} $host %[src]", 'other'] as unknown as string };
    expect((await send(fleet.port.switchyard, { path: '/hq', headers })).status).toBe(404);
    const nginx = await send(fleet.port.nginx, { path: '/hq', headers });
    if (nginx.status !== 404) {
      expect(fleet.notes.nginx).toContainEqual(expect.objectContaining({ fidelity: 'approximated', subject: 'route header-quotes: header x-token' }));
    }
  });

  it('the requests reach the routes they aim at in Switchyard (agreement is not agreement on 404s)', async () => {
    const sy = (req: Req) => send(fleet.port.switchyard, req);
    expect((await sy({ path: '/hq', headers: { 'x-token': "a'b \"c\" #d ;e {f} $host %[src]" } })).echo?.url).toBe('/hq');
    expect((await sy({ path: '/go' })).headers.location).toBe('/to/$host/{env.HOME}/%[src]//go');
    expect((await sy({ path: '/rw/7' })).echo?.url).toBe('/x$host/7');
    expect((await sy({ path: '/rw/7' })).echo?.headers.host).toBe('h-{env.HOME}-$host-%[src]-100%');
    expect((await sy({ path: '/rr/abc' })).echo?.url).toBe('/y$uri/abc');
    expect((await sy({ path: '/u/Ab' })).echo?.url).toBe('/u/Ab');
    expect((await sy({ path: '/slash' })).body).toBe('/login is elsewhere');
    expect((await sy({ path: '/json' })).body).toBe('{"ok":true,"n":{"a":"{http.request.uri}"}}');
    expect((await sy({ path: '/rel' })).headers.location).toBe('/login?next=100%25');
  });
});
