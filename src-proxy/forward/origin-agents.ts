/**
 * Connections from a forward listener to origins: one keep-alive undici
 * Agent (any origin), or — with `parentProxy` — a ProxyAgent that sends plain
 * HTTP in absolute form to the parent and HTTPS through a CONNECT tunnel.
 * Origin certificates are always verified (see origin-trust.ts).
 */
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { SecureContext } from 'node:tls';
import { originSecureContext } from './origin-trust.js';

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
  private readonly agents = new Map<string, Dispatcher>();
  /** Trust for origin TLS, built once when the listener starts. */
  readonly secureContext: SecureContext = originSecureContext();

  /** The dispatcher for the listener's current parent proxy (null: straight to origins). */
  get(parentProxy: string | null): Dispatcher {
    const key = parentProxy ?? '';
    let agent = this.agents.get(key);
    if (agent === undefined) {
      agent = parentProxy === null ? this.direct() : this.viaParent(parentProxy);
      this.agents.set(key, agent);
    }
    return agent;
  }

  private direct(): Dispatcher {
    return new Agent({ connect: { secureContext: this.secureContext, timeout: 10_000 }, keepAliveTimeout: 4_000 });
  }

  private viaParent(url: string): Dispatcher {
    const parent = parseParentProxy(url);
    const uri = `http://${parent.host.includes(':') ? `[${parent.host}]` : parent.host}:${parent.port}`;
    return new ProxyAgent({
      uri,
      ...(parent.authorization ? { token: parent.authorization } : {}),
      // Plain HTTP goes to the parent in absolute form, so the parent sees (and may capture) it.
      proxyTunnel: false,
      requestTls: { secureContext: this.secureContext },
      connect: { timeout: 10_000 },
    });
  }

  async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((a) => a.close().catch(() => undefined)));
  }

  destroy(): void {
    for (const a of this.agents.values()) void a.destroy().catch(() => undefined);
    this.agents.clear();
  }
}
