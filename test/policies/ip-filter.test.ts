/** ip-filter through the real engine: allow/deny, X-Forwarded-For only behind trusted proxies, IPv6 (and a ::1 listener). */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { hasIpv6Loopback } from '../helpers/upstreams.js';
import { startAccessRig, type AccessRig } from './access-rig.js';

let rig: AccessRig;

beforeAll(async () => {
  rig = await startAccessRig(
    `
  loopback-only: { type: ip-filter, allow: [127.0.0.0/8] }
  no-loopback: { type: ip-filter, deny: [127.0.0.1] }
  office-only: { type: ip-filter, allow: [10.0.0.0/8] }
  behind-lb: { type: ip-filter, allow: [203.0.113.0/24, "2001:db8::/32"], deny: [203.0.113.66], trustedProxies: [127.0.0.1, 192.0.2.0/24] }
  no-trust: { type: ip-filter, allow: [203.0.113.0/24] }
`,
    `
  - { name: a, match: { path: /a }, policies: [loopback-only], upstream: app }
  - { name: d, match: { path: /d }, policies: [no-loopback], upstream: app }
  - { name: o, match: { path: /o }, policies: [office-only], upstream: app }
  - { name: lb, match: { path: /lb }, policies: [behind-lb], upstream: app }
  - { name: nt, match: { path: /nt }, policies: [no-trust], upstream: app }
`,
  );
});
afterAll(() => rig?.stop());

describe('ip-filter', () => {
  it('allows a client inside an allow block and records it', async () => {
    const r = await rig.send('/a');
    expect(r.status).toBe(200);
    expect((await rig.record(r)).policies).toEqual([{ policy: 'loopback-only', type: 'ip-filter', outcome: 'allowed', detail: '127.0.0.1' }]);
  });

  it('refuses a denied client and one outside the allow list with a 403 problem', async () => {
    const hits = rig.hits();
    const denied = await rig.send('/d');
    expect(denied.status).toBe(403);
    expect(denied.json()).toMatchObject({ status: 403, code: 'FORBIDDEN', detail: 'Access refused: the client address 127.0.0.1 is denied.' });
    const outside = await rig.send('/o');
    expect(outside.status).toBe(403);
    expect(outside.json().detail).toBe('Access refused: the client address 127.0.0.1 is not allowed.');
    expect(rig.hits()).toBe(hits);
    expect((await rig.record(outside)).policies).toEqual([{ policy: 'office-only', type: 'ip-filter', outcome: 'denied', detail: '127.0.0.1' }]);
  });

  it('behind a trusted proxy, takes the client from X-Forwarded-For, walking from the right past trusted hops', async () => {
    expect((await rig.send('/lb', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
    expect((await rig.send('/lb', { 'x-forwarded-for': '198.51.100.1' })).status).toBe(403);
    // A client-written entry on the left proves nothing: the rightmost untrusted hop counts.
    expect((await rig.send('/lb', { 'x-forwarded-for': '198.51.100.9, 203.0.113.7' })).status).toBe(200);
    expect((await rig.send('/lb', { 'x-forwarded-for': '203.0.113.7, 198.51.100.1' })).status).toBe(403);
    // Trusted hops (192.0.2.0/24) are skipped; ports and brackets are understood.
    const viaTwo = await rig.send('/lb', { 'x-forwarded-for': '203.0.113.8:5123, 192.0.2.10' });
    expect(viaTwo.status).toBe(200);
    expect((await rig.record(viaTwo)).policies[0].detail).toBe('203.0.113.8');
    expect((await rig.send('/lb', { 'x-forwarded-for': '[2001:db8::5]:443' })).status).toBe(200);
    expect((await rig.send('/lb', { 'x-forwarded-for': '2001:db9::5' })).status).toBe(403);
    // deny still wins over allow for forwarded clients.
    expect((await rig.send('/lb', { 'x-forwarded-for': '203.0.113.66' })).status).toBe(403);
    // Without the header the socket peer (127.0.0.1) is the client: not in the allow list.
    expect((await rig.send('/lb')).status).toBe(403);
    const garbled = await rig.send('/lb', { 'x-forwarded-for': 'not-an-ip' });
    expect(garbled.status).toBe(403);
    expect(garbled.json().detail).toBe('Access refused: the client address "not-an-ip" cannot be read.');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    expect((await rig.send('/nt', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(403);
  });
});

const ipv6 = await hasIpv6Loopback();

describe.runIf(ipv6)('ip-filter on an IPv6 listener', () => {
  it('matches ::1 against IPv6 blocks', async () => {
    const gw = await startGateway(`
version: 1
listeners: [{ name: v6, address: "[::1]:0" }]
policies:
  v6-only: { type: ip-filter, allow: ["::1/128"] }
  no-v6-loopback: { type: ip-filter, allow: ["::/0"], deny: ["::1"] }
routes:
  - { name: ok, match: { path: /ok }, policies: [v6-only], respond: { status: 200, body: fine } }
  - { name: no, match: { path: /no }, policies: [no-v6-loopback], respond: { status: 200, body: fine } }
`);
    try {
      const ok = await request(`${gw.url}/ok`);
      expect(ok.statusCode).toBe(200);
      expect(await ok.body.text()).toBe('fine');
      const no = await request(`${gw.url}/no`);
      expect(no.statusCode).toBe(403);
      expect(((await no.body.json()) as { detail: string }).detail).toBe('Access refused: the client address ::1 is denied.');
    } finally {
      await gw.stop();
    }
  });
});
