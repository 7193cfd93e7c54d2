/**
 * Failover under steady load: one of three targets is killed mid-way. Retries
 * hide it from clients; active health checks mark it down within about
 * unhealthyAfter × interval, and up again once it is restarted on its port.
 */
import { performance } from 'node:perf_hooks';
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
/**
 * Generous, so a busy event loop cannot fail probes of the live targets: after a stall the
 * probe's timeout timer runs before the answer waiting in the socket is read, so a stall longer
 * than this fails a probe of a healthy target. The dead target's probes never wait for it: the
 * kill resets its sockets and its closed port refuses connections at once.
 */
const TIMEOUT = 1500;
const UNHEALTHY_AFTER = 2;
const HEALTHY_AFTER = 2;
/** Scheduling slack on top of what the lag meter sees. */
const SLACK = 600;

/**
 * How late this thread's timers ran, summed (a 20 ms ticker): the health checker's timers run
 * on the same thread, so a stall (a busy event loop, or the process not getting a CPU) delays
 * its probes by no more than this. Bounds on how long the checks took add it.
 */
function lagMeter(tickMs = 20): { total: () => number; stop: () => void } {
  let last = performance.now();
  let total = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    total += Math.max(0, now - last - tickMs);
    last = now;
  }, tickMs);
  return { total: () => total, stop: () => clearInterval(timer) };
}

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

    const lag = lagMeter();
    try {
      // Steady load first (counted, not timed: the machine may be busy).
      await until(() => victim.hits >= 30 && ok >= 90, 10_000, 'steady load on all targets');
      killedAt = Date.now();
      const lagAtKill = lag.total();
      await victim.kill();
      await until(() => victimDown() !== undefined, 10_000, 'the killed target to be marked down');
      const lagToDown = lag.total() - lagAtKill;
      const down = victimDown()!;
      const downAfter = down.time - killedAt;
      expect(down).toMatchObject({ upstream: 'app', source: 'active', healthy: false });
      expect(down.reason).toMatch(/health check failed 2 times/);
      // Two failed probes, at least one interval apart, after the kill…
      expect(downAfter).toBeGreaterThanOrEqual((UNHEALTHY_AFTER - 1) * INTERVAL - 20);
      // …and no later than unhealthyAfter × interval (+ one interval of phase, slack, and however
      // late the timers ran meanwhile). No timeout: probes of a dead port fail at once.
      expect(downAfter, `lag ${Math.round(lagToDown)} ms`).toBeLessThanOrEqual(UNHEALTHY_AFTER * INTERVAL + INTERVAL + SLACK + lagToDown);

      // Steady load with the target down.
      const okAtDown = ok;
      await until(() => ok >= okAtDown + 100, 10_000, 'load while the target is down');

      const restartedAt = Date.now();
      const port = victim.port;
      const hitsAtRestart = victim.hits;
      const lagAtRestart = lag.total();
      await victim.start();
      expect(victim.port).toBe(port);
      await until(() => victimUp() !== undefined, 10_000, 'the restarted target to be marked up');
      const lagToUp = lag.total() - lagAtRestart;
      const up = victimUp()!;
      const upAfter = up.time - restartedAt;
      expect(up).toMatchObject({ source: 'active', healthy: true });
      expect(upAfter).toBeGreaterThanOrEqual((HEALTHY_AFTER - 1) * INTERVAL - 20);
      expect(upAfter, `lag ${Math.round(lagToUp)} ms`).toBeLessThanOrEqual(HEALTHY_AFTER * INTERVAL + INTERVAL + SLACK + lagToUp);
      // Checked before it was marked up: no client traffic reached it until then.
      expect(hitsWhenUp).toBe(hitsAtRestart);

      // Back in rotation.
      await until(() => victim.hits >= hitsWhenUp + 30, 10_000, 'traffic on the restarted target');
    } finally {
      lag.stop();
      stop = true;
      await Promise.all(loops);
    }
    expect(errors).toEqual([]);
    expect(activeEvents().map((e) => e.healthy)).toEqual([false, true]);
  }, 60_000);
});
