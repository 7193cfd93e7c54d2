/**
 * Failover under steady load: one of three targets is killed mid-way. Retries
 * hide it from clients; active health checks mark it down within about
 * unhealthyAfter × interval, and up again once it is restarted on its port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, until } from '../balancing/harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(async () => {
  await h.close();
});

const INTERVAL = 200;
/** Generous, so a busy event loop cannot fail probes of the live targets (a dead port fails at once anyway). */
const TIMEOUT = 400;
const UNHEALTHY_AFTER = 2;
const HEALTHY_AFTER = 2;
/** Scheduling slack for a loaded 2-core machine. */
const SLACK = 600;

describe('failover with retries and active health checks', () => {
  it('clients see zero errors while a target dies; health marks it down and back up on restart', async () => {
    const backends = await h.backendsNamed('a', 'b', 'c');
    const [, victim] = backends;
    const engine = await h.gateway({
      balancer: 'round-robin',
      targets: backends.map((b) => ({ url: b.url })),
      // As in DESIGN.md §3: retries with the default budget, backed by outlier detection, which
      // takes the dead target out after a few failures — long before the active checks notice.
      retry: { attempts: 2, on: ['connect-failure', 'reset', 502, 503] },
      outlierDetection: { consecutiveFailures: 3, ejectFor: '500ms' },
      healthCheck: { path: '/health', interval: `${INTERVAL}ms`, timeout: `${TIMEOUT}ms`, unhealthyAfter: UNHEALTHY_AFTER, healthyAfter: HEALTHY_AFTER },
    });

    // The victim's hit count at the moment it was marked up.
    let hitsWhenUp = -1;
    engine.events.on((e) => {
      if (e.type === 'health.change' && e.target === victim.url && e.healthy) hitsWhenUp = victim.hits;
    });

    const errors: string[] = [];
    let killedAt = 0;
    const since = () => (killedAt === 0 ? 'before the kill' : `${Date.now() - killedAt}ms after the kill`);
    let ok = 0;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        try {
          const r = await h.get('/');
          if (r.status === 200) ok++;
          else errors.push(`${since()}: status ${r.status}: ${r.body.slice(0, 300)}`);
        } catch (err) {
          errors.push(`${since()}: ${String(err)}`);
        }
      }
    };
    const loops = Array.from({ length: 4 }, loop);
    // The active checks' verdicts (outlier detection usually ejects the target first).
    const activeEvents = () => h.healthEvents().filter((e) => e.target === victim.url && e.source === 'active');
    const victimDown = () => activeEvents().find((e) => !e.healthy);
    const victimUp = () => activeEvents().find((e) => e.healthy);

    try {
      // Steady load first (counted, not timed: the machine may be busy).
      await until(() => victim.hits >= 30 && ok >= 90, 10_000, 'steady load on all targets');
      killedAt = Date.now();
      await victim.kill();
      await until(() => victimDown() !== undefined, 5000, 'the killed target to be marked down');
      const down = victimDown()!;
      const downAfter = down.time - killedAt;
      expect(down).toMatchObject({ upstream: 'app', source: 'active', healthy: false });
      expect(down.reason).toMatch(/health check failed 2 times/);
      // Two failed probes, at least one interval apart, after the kill…
      expect(downAfter).toBeGreaterThanOrEqual((UNHEALTHY_AFTER - 1) * INTERVAL - 20);
      // …and no later than unhealthyAfter × interval (+ one interval of phase, a timeout, slack).
      expect(downAfter).toBeLessThanOrEqual(UNHEALTHY_AFTER * INTERVAL + INTERVAL + TIMEOUT + SLACK);

      // Steady load with the target down.
      const okAtDown = ok;
      await until(() => ok >= okAtDown + 100, 10_000, 'load while the target is down');

      const restartedAt = Date.now();
      const port = victim.port;
      const hitsAtRestart = victim.hits;
      await victim.start();
      expect(victim.port).toBe(port);
      await until(() => victimUp() !== undefined, 5000, 'the restarted target to be marked up');
      const up = victimUp()!;
      const upAfter = up.time - restartedAt;
      expect(up).toMatchObject({ source: 'active', healthy: true });
      expect(upAfter).toBeGreaterThanOrEqual((HEALTHY_AFTER - 1) * INTERVAL - 20);
      expect(upAfter).toBeLessThanOrEqual(HEALTHY_AFTER * INTERVAL + INTERVAL + TIMEOUT + SLACK);
      // Checked before it was marked up: no client traffic reached it until then.
      expect(hitsWhenUp).toBe(hitsAtRestart);

      // Back in rotation.
      await until(() => victim.hits >= hitsWhenUp + 30, 10_000, 'traffic on the restarted target');
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(errors).toEqual([]);
    expect(activeEvents().map((e) => e.healthy)).toEqual([false, true]);
  }, 30_000);
});
