/**
 * Backup targets take traffic only when every primary is down, and hand it
 * back as soon as a primary returns.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, load, tally, until } from '../balancing/harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

const healthCheck = { path: '/health', interval: '100ms', timeout: '1s', unhealthyAfter: 1, healthyAfter: 1 };

describe('backup targets', () => {
  it('are used only when every primary fails its health checks, and primaries take over again', async () => {
    const [a, b, spare] = await h.backendsNamed('a', 'b', 'spare');
    await h.gateway({
      balancer: 'round-robin',
      targets: [{ url: a.url }, { url: b.url }, { url: spare.url, backup: true }],
      healthCheck,
    });
    const isDown = (url: string) => h.engine!.upstreamStatus().app.find((t) => t.url === url)!.available === false;
    const isUp = (url: string) => !isDown(url);
    const answers = async (n: number) => tally((await load(n, 4, () => h.get('/'))).map((r) => r.body));

    expect(await answers(40)).toEqual({ a: 20, b: 20 });

    // One primary down: the other one takes everything, the backup stays idle.
    a.healthStatus = 500;
    await until(() => isDown(a.url), 3000, 'a down');
    expect(await answers(20)).toEqual({ b: 20 });
    expect(spare.hits).toBe(0);

    // Every primary down: the backup serves.
    b.healthStatus = 500;
    await until(() => isDown(b.url), 3000, 'b down');
    expect(await answers(20)).toEqual({ spare: 20 });

    // A primary comes back: the backup is idle again.
    a.healthStatus = 200;
    await until(() => isUp(a.url), 3000, 'a up');
    const spareHits = spare.hits;
    expect(await answers(20)).toEqual({ a: 20 });
    expect(spare.hits).toBe(spareHits);

    b.healthStatus = 200;
    await until(() => isUp(b.url), 3000, 'b up');
    expect(await answers(40)).toEqual({ a: 20, b: 20 });
  }, 20_000);

  it('take over when the primaries are stopped, and give traffic back when they are restarted', async () => {
    const [a, b, spare] = await h.backendsNamed('a', 'b', 'spare');
    await h.gateway({
      balancer: 'weighted-round-robin',
      targets: [{ url: a.url }, { url: b.url }, { url: spare.url, backup: true }],
      healthCheck,
      retry: { attempts: 2, on: ['connect-failure', 'reset'], budget: 1 },
    });
    const down = (url: string) => h.healthEvents().some((e) => e.target === url && !e.healthy);
    const up = (url: string) => h.healthEvents().some((e) => e.target === url && e.healthy);

    await Promise.all([a.kill(), b.kill()]);
    // Even before health notices, a retry lands on the backup once the primaries are exhausted.
    // (Each request may need two retries: keep within the budget's floor of 10.)
    const meanwhile = await load(4, 1, () => h.get('/'));
    expect(meanwhile.map((r) => `${r.status} ${r.body}`)).toEqual(Array(4).fill('200 spare'));
    await until(() => down(a.url) && down(b.url), 3000, 'primaries down');
    const during = await load(20, 4, () => h.get('/'));
    expect(during.every((r) => r.status === 200 && r.body === 'spare')).toBe(true);

    await Promise.all([a.start(), b.start()]);
    await until(() => up(a.url) && up(b.url), 3000, 'primaries up');
    const spareHits = spare.hits;
    const after = tally((await load(40, 4, () => h.get('/'))).map((r) => r.body));
    expect(after).toEqual({ a: 20, b: 20 });
    expect(spare.hits).toBe(spareHits);
  }, 20_000);
});
