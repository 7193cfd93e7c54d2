/**
 * Connections from a forward listener to origins: one keep-alive undici
 * Agent (any origin), or — with `parentProxy` — a ProxyAgent that sends plain
 * HTTP in absolute form to the parent and HTTPS through a CONNECT tunnel.
 * Origin certificates are always verified (see origin-trust.ts). The
 * listener's `originTimeouts` are built into the agent, so a new value makes a
 * new agent; the one it replaces closes once its requests are done. A request
 * that arrived before that re-apply and is sent after it takes the newer agent
 * rather than bringing the old settings back (which would retire the new agent
 * and make yet another one for each such request).
 */
import { Agent, Pool, ProxyAgent, type Dispatcher } from 'undici';
import type { SecureContext } from 'node:tls';
import type { OriginTimeoutsPlan } from '../config/plan.js';
import { originSecureContext } from './origin-trust.js';
import { ParentConnectPool } from './parent-connect-pool.js';

export interface ParentProxy {
  host: string;
  port: number;
  /** "Basic …" for the parent, from user:pass in its URL. */
  authorization: string | null;
}

/** http://[user:pass@]host:port, as the config validated it. */
export function parseParentProxy(url: string): ParentProxy {
  const u = new URL(url);
  const authorization =
    u.username === '' ? null : 'Basic ' + Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port: Number(u.port || 80), authorization };
}

export class OriginAgents {
  /** The agent for the listener's current parent proxy and timeouts. */
  private current: { key: string; agent: Dispatcher; generation: number } | null = null;
  /** Replaced agents still finishing their requests. */
  private readonly retiring = new Set<Dispatcher>();
  /** Trust for origin TLS, built once when the listener starts. */
  readonly secureContext: SecureContext = originSecureContext();

  /**
   * The dispatcher for the listener's parent proxy (null: straight to origins)
   * and timeouts, as the plan of config `generation` has them.
   */
  get(parentProxy: string | null, timeouts: OriginTimeoutsPlan, generation: number): Dispatcher {
    const key = `${parentProxy ?? ''} ${timeouts.connectMs} ${timeouts.responseMs} ${timeouts.idleMs}`;
    const current = this.current;
    if (current !== null && (current.key === key || generation < current.generation)) return current.agent;
    if (current !== null) this.retire(current.agent);
    const agent = parentProxy === null ? this.direct(timeouts) : this.viaParent(parentProxy, timeouts);
    this.current = { key, agent, generation };
    return agent;
  }

  /** Graceful: requests already dispatched on it keep their connection (and the timeouts they started with). */
  private retire(agent: Dispatcher): void {
    this.retiring.add(agent);
    void agent
      .close()
      .catch(() => undefined)
      .finally(() => this.retiring.delete(agent));
  }

  private direct(t: OriginTimeoutsPlan): Dispatcher {
    return new Agent({
      connect: { secureContext: this.secureContext, timeout: t.connectMs },
      headersTimeout: t.responseMs,
      bodyTimeout: t.idleMs,
      keepAliveTimeout: 4_000,
    });
  }

  private viaParent(url: string, t: OriginTimeoutsPlan): Dispatcher {
    const parent = parseParentProxy(url);
    const uri = `http://${parent.host.includes(':') ? `[${parent.host}]` : parent.host}:${parent.port}`;
    return new ProxyAgent({
      uri,
      ...(parent.authorization ? { token: parent.authorization } : {}),
      // Plain HTTP goes to the parent in absolute form, so the parent sees (and may capture) it.
      proxyTunnel: false,
      // ProxyAgent ignores `connect`: the parent's TCP connect and the origin's TLS (inside the tunnel) each take their own timeout.
      proxyTls: { timeout: t.connectMs },
      requestTls: { secureContext: this.secureContext, timeout: t.connectMs },
      headersTimeout: t.responseMs,
      bodyTimeout: t.idleMs,
      // The pool for absolute-form requests to the parent is made with `connect` only: give it the timeouts too.
      factory: (origin: string | URL, opts: object) => new Pool(origin, { ...opts, headersTimeout: t.responseMs, bodyTimeout: t.idleMs }),
      clientFactory: (origin: URL, opts: object) => new ParentConnectPool(origin, opts, t.connectMs),
    });
  }

  async close(): Promise<void> {
    const all = [...this.retiring, ...(this.current === null ? [] : [this.current.agent])];
    this.current = null;
    await Promise.all(all.map((a) => a.close().catch(() => undefined)));
  }

  destroy(): void {
    for (const a of [...this.retiring, ...(this.current === null ? [] : [this.current.agent])]) void a.destroy().catch(() => undefined);
    this.current = null;
  }
}
