import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { OriginAgents } from './origin-agents.js';

const timeouts = (responseMs: number) => ({ connectMs: 10_000, responseMs, idleMs: 300_000 });
const isClosed = (d: Dispatcher) => (d as Dispatcher & { closed: boolean }).closed;

let agents: OriginAgents;
afterEach(() => agents.destroy());

describe('OriginAgents', () => {
  it('keeps one agent while the settings stay, and replaces it (retiring the old one) when a re-apply changes them', () => {
    agents = new OriginAgents();
    const first = agents.get(null, timeouts(1000), 1);
    expect(agents.get(null, timeouts(1000), 2)).toBe(first);
    const second = agents.get(null, timeouts(2000), 3);
    expect(second).not.toBe(first);
    expect(isClosed(first)).toBe(true);
    expect(isClosed(second)).toBe(false);
  });

  it('gives a request from before a re-apply the newer agent instead of bringing the old settings back', () => {
    agents = new OriginAgents();
    const old = agents.get(null, timeouts(1000), 1);
    const fresh = agents.get(null, timeouts(2000), 2);
    // Straddling requests of generation 1, interleaved with new ones: no agent is made or retired.
    for (let i = 0; i < 5; i++) {
      expect(agents.get(null, timeouts(1000), 1)).toBe(fresh);
      expect(agents.get(null, timeouts(2000), 2)).toBe(fresh);
    }
    expect(isClosed(fresh)).toBe(false);
    expect(isClosed(old)).toBe(true);
    // A later apply back to the first settings does make a new agent.
    const third = agents.get(null, timeouts(1000), 3);
    expect(third).not.toBe(fresh);
    expect(third).not.toBe(old);
  });

  it('makes a new agent when the parent proxy changes', () => {
    agents = new OriginAgents();
    const direct = agents.get(null, timeouts(1000), 1);
    const viaParent = agents.get('http://127.0.0.1:3128', timeouts(1000), 2);
    expect(viaParent).not.toBe(direct);
    expect(viaParent.constructor.name).toBe('ProxyAgent');
  });
});
