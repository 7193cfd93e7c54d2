/**
 * Route order (priority, exact, longest prefix, regex, file order), case
 * sensitivity, segment-bounded prefixes, wildcard hosts and fall-through on
 * a failed condition: Switchyard and real nginx, HAProxy and Caddy running
 * the exported configs (test/export/fixtures/adversarial-order.yaml) must
 * send every request to the same upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAYS, observed, send, startFleet, type Fleet, type Req } from './fleet.js';

describe('adversarial order: same route chosen by Switchyard, nginx, HAProxy and Caddy', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet('fixture:adversarial-order');
  }, 30_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const matrix: [Req, string | number][] = [
    [{ path: '/a/b', headers: { 'x-v': '1' } }, '9501'],
    [{ path: '/a/b' }, '9502'],
    [{ path: '/a/b/c' }, '9504'],
    [{ path: '/a/c' }, '9504'],
    [{ path: '/a' }, '9504'],
    [{ path: '/ab' }, 404],
    [{ path: '/A/b' }, '9505'],
    [{ path: '/a/c', headers: { 'x-v': '2' } }, '9504'],
    [{ path: '/w', host: 'one.x.localhost' }, '9506'],
    [{ path: '/w', host: 'two.one.X.localhost' }, '9506'],
    [{ path: '/w', host: 'x.localhost' }, 404],
    [{ path: '/w', host: 'onex.localhost' }, 404],
    [{ path: '/api' }, '9507'],
    [{ path: '/api/v1' }, '9507'],
    [{ path: '/apix' }, 404],
    [{ path: '/API' }, 404],
    [{ method: 'POST', path: '/api' }, 404],
    [{ method: 'HEAD', path: '/api' }, 404],
    [{ path: '/dir/x' }, '9502'],
    [{ path: '/dir' }, 404],
  ];

  it.each(matrix.map(([r, want]) => [`${r.method ?? 'GET'} ${r.host ?? 'localhost'}${r.path}${r.headers ? ' ' + JSON.stringify(r.headers) : ''}`, r, want] as const))(
    '%s: same answer everywhere',
    async (_, req, want) => {
      const answers = await Promise.all(GATEWAYS.map(async (g) => [g, observed(await send(fleet.port[g], req))] as const));
      const reference = answers[0][1];
      expect(reference.upstream ?? reference.status).toBe(want);
      for (const [g, seen] of answers.slice(1)) expect({ gateway: g, ...seen }).toEqual({ gateway: g, ...reference });
    },
  );
});
