/**
 * Active health checks: each target is probed every `interval`; `unhealthyAfter`
 * consecutive failures mark it down, `healthyAfter` consecutive successes bring
 * it back. Probes use their own small agent so that a pool saturated by client
 * traffic cannot make a healthy target look dead.
 */
import { Agent, Pool } from 'undici';
import type { HealthCheckPlan } from '../config/plan.js';
import type { Target } from './target.js';

/** A health answer's body is read (to time the whole answer) up to this much; a bigger one is not held against the target. */
const MAX_CHECK_BODY = 64 * 1024;

interface ProbeState {
  successes: number;
  failures: number;
  timer: NodeJS.Timeout | null;
}

export class HealthChecker {
  private readonly agent: Agent;
  private readonly states = new Map<Target, ProbeState>();
  private stopped = false;

  constructor(
    private readonly plan: HealthCheckPlan,
    private readonly targets: readonly Target[],
  ) {
    // https:// targets are probed with their own TLS settings (extra CAs, SNI, client certificate, insecure).
    const tlsByOrigin = new Map(targets.filter((t) => t.tlsConnector).map((t) => [new URL(t.url).origin, t.tlsConnector!]));
    this.agent = new Agent({
      connections: 2,
      keepAliveTimeout: plan.intervalMs * 2,
      connect: { timeout: plan.timeoutMs },
      factory: (origin, opts) => {
        const options = opts as Pool.Options;
        return new Pool(origin, { ...options, connect: tlsByOrigin.get(new URL(String(origin)).origin) ?? options.connect });
      },
    });
  }

  start(): void {
    for (const target of this.targets) {
      const state: ProbeState = { successes: 0, failures: 0, timer: null };
      this.states.set(target, state);
      // Spread the first probes a little so N targets are not hit in the same tick.
      this.schedule(target, state, Math.floor(Math.random() * Math.min(100, this.plan.intervalMs)));
    }
  }

  private schedule(target: Target, state: ProbeState, delay: number): void {
    if (this.stopped) return;
    state.timer = setTimeout(() => void this.probe(target, state), delay);
    state.timer.unref();
  }

  private async probe(target: Target, state: ProbeState): Promise<void> {
    const { ok, reason } = await this.check(target);
    if (this.stopped) return;
    if (ok) {
      state.successes++;
      state.failures = 0;
      if (!target.activeHealthy && state.successes >= this.plan.healthyAfter) {
        target.setActiveHealthy(true, `health check passed ${state.successes} times`);
      }
    } else {
      state.failures++;
      state.successes = 0;
      if (target.activeHealthy && state.failures >= this.plan.unhealthyAfter) {
        target.setActiveHealthy(false, `health check failed ${state.failures} times: ${reason}`);
      }
    }
    this.schedule(target, state, this.plan.intervalMs);
  }

  private async check(target: Target): Promise<{ ok: boolean; reason: string }> {
    const signal = AbortSignal.timeout(this.plan.timeoutMs);
    try {
      const res = await this.agent.request({
        origin: target.url,
        path: this.plan.path,
        method: 'GET',
        headers: { 'user-agent': 'switchyard-health-check', ...(this.plan.host ? { host: this.plan.host } : {}) },
        headersTimeout: this.plan.timeoutMs,
        bodyTimeout: this.plan.timeoutMs,
        signal,
      });
      // The whole answer within the timeout (body.dump() resolves even when the timeout cuts the body off).
      let read = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        read += chunk.length;
        if (read > MAX_CHECK_BODY) {
          res.body.destroy();
          break;
        }
      }
      const ok = this.plan.expectStatus.some(([lo, hi]) => res.statusCode >= lo && res.statusCode <= hi);
      return { ok, reason: ok ? '' : `status ${res.statusCode}` };
    } catch (err) {
      return { ok: false, reason: signal.aborted || (err as Error).name === 'TimeoutError' ? 'timed out' : ((err as Error).message ?? 'error') };
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const state of this.states.values()) if (state.timer) clearTimeout(state.timer);
    await this.agent.destroy();
  }
}
