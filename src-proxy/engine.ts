/**
 * The engine: binds listeners, owns upstream runtimes and swaps plans
 * atomically. A request reads `state` once when it starts and keeps that
 * generation to the end; apply builds the next generation completely
 * (binding new listeners first) before swapping, so a failed apply leaves the
 * running config untouched.
 */
import type { Plan } from './config/plan.js';
import type { EngineState } from './engine-state.js';
import { CaptureHub } from './capture/capture-hub.js';
import { EventBus } from './events.js';
import { createListener, listenerKey, type Listener } from './listeners/create-listener.js';
import type { AvailabilityListener } from './upstream/target.js';
import { Upstream, type TargetStatus } from './upstream/upstream.js';
import type { Policy, PolicyFactory } from './policies/policy.js';
import { POLICY_FACTORIES } from './policies/registry.js';
import type { PolicyConfig } from './config/schema.js';
import { CertificateService } from './tls/certificate-service.js';

export interface ListenerInfo {
  name: string;
  mode: 'reverse' | 'forward';
  host: string;
  port: number;
  url: string;
  /** Bound to its address (false only while an apply that replaces it is under way). */
  served: boolean;
  /** TLS termination: local CA or certificate files; null for plain HTTP. */
  tls: 'local-ca' | 'files' | null;
  http2: boolean;
}

export interface ApplyResult {
  generation: number;
  warnings: string[];
}

export class Engine {
  readonly events: EventBus;
  /** Finished exchanges, for history and the inspector; bodies are only collected while a sink is attached. */
  readonly capture: CaptureHub;
  readonly certificates: CertificateService;
  private state: EngineState | null = null;
  private readonly running = new Map<string, { listener: Listener; key: string }>();
  /** Listeners replaced by an apply, still draining their in-flight requests. */
  private readonly retiring = new Set<Listener>();
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  /** Policy runtimes by name with the config they were built from: kept across applies while it is unchanged. */
  private policies = new Map<string, { fingerprint: string; policy: Policy }>();
  private readonly dataDir: string | null;

  constructor(opts: { events?: EventBus; capture?: CaptureHub; dataDir?: string } = {}) {
    this.events = opts.events ?? new EventBus();
    this.capture = opts.capture ?? new CaptureHub();
    this.dataDir = opts.dataDir ?? null;
    this.certificates = new CertificateService(this.dataDir);
  }

  /** The running generation (throws before the first apply). */
  current(): EngineState {
    if (this.state === null) throw new Error('engine has no plan yet');
    return this.state;
  }

  /** Applies plans one at a time, in call order. */
  apply(plan: Plan): Promise<ApplyResult> {
    const run = this.queue.then(() => this.applyNow(plan));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(plan: Plan): Promise<ApplyResult> {
    if (this.stopped) throw new Error('engine is stopped');
    const previous = this.state;

    const onAvailability: AvailabilityListener = (target, available, source, reason, wasAvailable) => {
      if (this.events.active) {
        const upstream = target.id.slice(0, target.id.indexOf('/'));
        this.events.emit({ type: 'health.change', time: Date.now(), upstream, target: target.url, healthy: available, wasHealthy: wasAvailable, source, reason });
      }
    };
    const upstreams = new Map<string, Upstream>();
    const created: Upstream[] = [];
    for (const [name, up] of plan.upstreams) {
      const old = previous?.upstreams.get(name);
      if (old && old.plan.fingerprint === up.fingerprint) {
        upstreams.set(name, old);
      } else {
        const fresh = new Upstream(up, old, onAvailability);
        upstreams.set(name, fresh);
        created.push(fresh);
      }
    }

    const kept = new Set<string>();
    const bound: { name: string; listener: Listener; key: string }[] = [];
    /** Running listeners that gave up their fixed address to a changed listener (restored if the apply fails). */
    const handedOver: [string, { listener: Listener; key: string }, port: number][] = [];
    let policies = new Map<string, { fingerprint: string; policy: Policy }>();
    try {
      policies = this.buildPolicies(plan.policies);
      for (const lp of plan.listeners) {
        const key = listenerKey(lp);
        const existing = this.running.get(lp.name);
        if (existing && existing.key === key) {
          kept.add(lp.name);
          continue;
        }
        // A port-0 listener rebound under a new key (limits, TLS, mode) keeps the port it was given: its
        // clients and the URL printed at start stay valid. It takes it over like a fixed address.
        const keptPort = lp.port === 0 && existing?.listener.plan.host === lp.host ? existing.listener.boundAddress?.port : undefined;
        const bindAs = keptPort === undefined ? lp : { ...lp, port: keptPort };
        // A fixed address under a new key (mode, limits, name): the old socket stops accepting first; in-flight requests drain.
        const holder =
          keptPort !== undefined
            ? ([lp.name, existing!] as const)
            : lp.port === 0
              ? undefined
              : [...this.running].find(([, e]) => e.listener.plan.host === lp.host && e.listener.plan.port === lp.port);
        if (holder) {
          this.running.delete(holder[0]);
          handedOver.push([holder[0], holder[1], holder[1].listener.boundAddress?.port ?? holder[1].listener.plan.port]);
          this.retire(holder[1].listener);
        }
        let listener = createListener(bindAs, () => this.current(), this.certificates);
        try {
          await listener.listen();
        } catch (err) {
          // Another process took the freed port meanwhile: port 0 was asked for, so any free port will do.
          if (keptPort === undefined || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
          listener = createListener(lp, () => this.current(), this.certificates);
          await listener.listen();
        }
        bound.push({ name: lp.name, listener, key });
      }
    } catch (err) {
      await Promise.all(bound.map((b) => b.listener.close(0)));
      for (const [name, entry, port] of handedOver) {
        const again = createListener({ ...entry.listener.plan, port }, () => this.current(), this.certificates);
        await again.listen().then(
          () => this.running.set(name, { listener: again, key: entry.key }),
          () => undefined, // the address was taken meanwhile: reported as not bound
        );
      }
      await Promise.all(created.map((u) => u.destroy()));
      for (const [name, p] of policies) if (this.policies.get(name)?.policy !== p.policy) void p.policy.close?.();
      throw err;
    }

    const generation = (previous?.generation ?? 0) + 1;
    this.state = Object.freeze({
      generation,
      plan,
      listeners: new Map(plan.listeners.map((l) => [l.name, l])),
      upstreams,
      policies: new Map([...policies].map(([name, p]) => [name, p.policy])),
      events: this.events,
      capture: this.capture,
      certificates: this.certificates,
    });

    const retired: Listener[] = [];
    for (const [name, entry] of this.running) {
      if (!kept.has(name)) {
        retired.push(entry.listener);
        this.running.delete(name);
      }
    }
    for (const b of bound) this.running.set(b.name, { listener: b.listener, key: b.key });
    for (const u of created) u.start();
    // Old generations drain in the background: in-flight requests finish on them.
    for (const l of retired) this.retire(l);
    if (previous) {
      for (const [name, old] of previous.upstreams) {
        if (upstreams.get(name) !== old) void old.close();
      }
    }
    for (const [name, old] of this.policies) {
      if (policies.get(name)?.policy !== old.policy) void old.policy.close?.();
    }
    this.policies = policies;
    if (this.events.active) {
      this.events.emit({ type: 'config.applied', time: Date.now(), generation, routes: plan.routes.length, upstreams: plan.upstreams.size });
    }
    return { generation, warnings: [...plan.warnings] };
  }

  private retire(l: Listener): void {
    this.retiring.add(l);
    void l.close(30_000).finally(() => this.retiring.delete(l));
  }

  /** Policy runtimes for the next generation: unchanged configs keep their runtime (and its state). */
  private buildPolicies(configs: ReadonlyMap<string, PolicyConfig>): Map<string, { fingerprint: string; policy: Policy }> {
    const out = new Map<string, { fingerprint: string; policy: Policy }>();
    for (const [name, config] of configs) {
      const fingerprint = JSON.stringify(config);
      const old = this.policies.get(name);
      if (old && old.fingerprint === fingerprint) {
        out.set(name, old);
        continue;
      }
      const factory = POLICY_FACTORIES[config.type] as PolicyFactory<typeof config.type> | undefined;
      if (factory) out.set(name, { fingerprint, policy: factory.create(name, config, { dataDir: this.dataDir }) });
    }
    return out;
  }

  listeners(): ListenerInfo[] {
    if (this.state === null) return [];
    return this.state.plan.listeners.map((lp) => {
      const bound = this.running.get(lp.name)?.listener.boundAddress;
      const port = bound?.port ?? lp.port;
      const host = lp.host.includes(':') ? `[${lp.host}]` : lp.host;
      return {
        name: lp.name,
        mode: lp.mode,
        host: lp.host,
        port,
        url: `${lp.tls ? 'https' : 'http'}://${host}:${port}`,
        served: bound !== undefined,
        tls: lp.tls === null ? null : lp.tls.certificates === 'local-ca' ? 'local-ca' : 'files',
        http2: lp.http2,
      };
    });
  }

  upstreamStatus(): Record<string, TargetStatus[]> {
    const out: Record<string, TargetStatus[]> = {};
    for (const [name, u] of this.state?.upstreams ?? []) out[name] = u.status();
    return out;
  }

  /** Takes a target out of rotation by hand (in-flight requests finish), or puts it back. */
  setDrained(upstream: string, target: string, drained: boolean): boolean {
    const t = this.state?.upstreams.get(upstream)?.findTarget(target);
    if (!t) return false;
    t.setDrained(drained);
    return true;
  }

  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes everything. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.queue;
    this.stopped = true;
    const listeners = [...[...this.running.values()].map((r) => r.listener), ...this.retiring];
    await Promise.all(listeners.map((l) => l.close(graceMs)));
    this.running.clear();
    await Promise.all([...(this.state?.upstreams.values() ?? [])].map((u) => u.destroy()));
    await Promise.all([...this.policies.values()].map((p) => p.policy.close?.()));
  }
}
