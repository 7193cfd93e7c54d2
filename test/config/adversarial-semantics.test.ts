/**
 * Semantic validation a demanding user probes: addresses that cannot bind
 * together in different spellings, IP literals that are not IPs, durations
 * Node's timers cannot hold, patterns that backtrack exponentially, and
 * target URLs with parts that would be dropped.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src-proxy/config/issues.js';
import { loadWorkspaceText } from '../../src-proxy/config/load.js';

const problems = (text: string) => loadWorkspaceText(text, 'w.yaml').issues.filter((i) => i.severity === 'error').map(formatIssue);
const listeners = (...addresses: string[]) =>
  `version: 1\nlisteners:\n${addresses.map((a, i) => `  - { name: l${i}, address: "${a}" }`).join('\n')}\n`;
const upstream = (extra: string, url = 'http://127.0.0.1:1') =>
  `version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\nupstreams:\n  u:\n    targets: [{ url: "${url}" }]\n${extra}routes: [{ name: r, upstream: u }]\n`;
const route = (match: string) => `version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\nroutes:\n  - name: r\n    match: ${match}\n    respond: { status: 200 }\n`;

describe('listener addresses', () => {
  it('the same port in two spellings of one address is refused at the second', () => {
    expect(problems(listeners('127.0.0.1:18080', 'localhost:18080'))).toEqual([
      'w.yaml:4:26 address localhost:18080 takes the same port as listener "l0" (127.0.0.1:18080)',
    ]);
    expect(problems(listeners('LOCALHOST:18080', 'localhost:18080'))).toHaveLength(1);
    expect(problems(listeners('[::1]:18080', '[0:0:0:0:0:0:0:1]:18080'))).toHaveLength(1);
    // Wildcards take the port on every address of their family (`::` on both).
    expect(problems(listeners('0.0.0.0:18080', '127.0.0.1:18080'))).toHaveLength(1);
    expect(problems(listeners('[::]:18080', '127.0.0.1:18080'))).toHaveLength(1);
    // Different ports, different loopback addresses and port 0 are fine.
    expect(problems(listeners('127.0.0.1:18080', 'localhost:18081', '127.0.0.2:18080', 'localhost:0', '127.0.0.1:0'))).toEqual([]);
  });

  it('IP literals must be IPs; IPv6 in brackets; ports in range', () => {
    expect(problems(listeners('999.1.1.1:0'))).toEqual(['w.yaml:3:26 "999.1.1.1" is not an IPv4 address']);
    expect(problems(listeners('[1::2::3]:0'))).toEqual(['w.yaml:3:26 "1::2::3" is not an IPv6 address']);
    expect(problems(listeners('127.0.0.1:65536'))).toEqual(['w.yaml:3:26 port 65536 is out of range (0-65535)']);
    expect(problems(listeners('127.0.0.1:-1'))).toHaveLength(1);
    const ok = loadWorkspaceText(listeners('[::1]:0', 'localhost:0'), 'w.yaml');
    expect(ok.issues).toEqual([]);
    expect(ok.plan!.listeners.map((l) => l.host)).toEqual(['::1', 'localhost']);
  });
});

describe('durations and sizes', () => {
  it('fractions and zero parse; negative values are refused', () => {
    const plan = loadWorkspaceText(upstream('    timeouts: { connect: 1.5m, response: 0.5s }\n'), 'w.yaml').plan!;
    expect(plan.upstreams.get('u')!.timeouts).toMatchObject({ connectMs: 90_000, responseMs: 500 });
    expect(loadWorkspaceText('version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\npolicies:\n  slow: { type: fault, delay: 0s }\n', 'w.yaml').issues).toEqual([]);
    expect(problems(upstream('    timeouts: { connect: -1s }\n'))).toEqual([
      'w.yaml:6:26 upstreams.u.timeouts.connect: expected a duration such as 500ms, 2s, 1m or 1h, got "-1s"',
    ]);
    const sizes = loadWorkspaceText('version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\ncapture: { maxBodySize: 1.5GB }\n', 'w.yaml').plan!;
    expect(sizes.capture.maxBodySize).toBe(1.5 * 1024 ** 3);
  });

  it('a keep-alive idle timeout of 0 (the connection pool refuses it; every request would be a 502) is refused', () => {
    expect(problems(upstream('    keepAlive: { idleTimeout: 0s }\n'))).toEqual(['w.yaml:6:31 keepAlive.idleTimeout must be longer than 0 (the connection pool refuses it: every request would fail)']);
    expect(problems(upstream('    keepAlive: { idleTimeout: 1ms }\n'))).toEqual([]);
  });

  it('a zero duration that would not mean what it says is refused', () => {
    expect(problems(upstream('    timeouts: { connect: 0s, response: 0ms, idle: 0m }\n'))).toEqual([
      'w.yaml:6:26 timeouts.connect must be longer than 0 (the connection pool would wait for ever; set a long duration instead)',
      'w.yaml:6:40 timeouts.response must be longer than 0 (the connection pool would wait for ever; set a long duration instead)',
      'w.yaml:6:51 timeouts.idle must be longer than 0 (the connection pool would wait for ever; set a long duration instead)',
    ]);
    expect(problems(upstream('    healthCheck: { timeout: 0ms }\n'))).toEqual([
      'w.yaml:6:29 healthCheck.timeout must be longer than 0 (every probe would time out and mark its target down)',
    ]);
    expect(problems(upstream('    outlierDetection: { ejectFor: 0s }\n'))).toEqual([
      'w.yaml:6:35 outlierDetection.ejectFor must be longer than 0 (an ejection would end at once)',
    ]);
    expect(problems('version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0, limits: { keepAliveTimeout: 0s } }]\n')).toEqual([
      'w.yaml:2:76 limits.keepAliveTimeout must be longer than 0 (node would read 0 as no limit at all)',
    ]);
    expect(problems('version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\npolicies:\n  rl: { type: rate-limit, limit: 5, per: 0s, plans: { gold: { limit: 9, per: 0ms } } }\n')).toEqual([
      'w.yaml:4:42 per must be longer than 0: a window of no time counts nothing',
      'w.yaml:4:78 per must be longer than 0: a window of no time counts nothing',
    ]);
  });

  it('a sticky cookie lives at least a second (Max-Age=0 would delete it), rounded up to whole seconds', async () => {
    expect(problems(upstream('    sticky: { cookie: pin, ttl: 400ms }\n'))).toEqual(['w.yaml:6:33 sticky.ttl must be at least 1s (got 400ms): cookies live whole seconds']);
    const plan = loadWorkspaceText(upstream('    sticky: { cookie: pin, ttl: 1.5s }\n'), 'w.yaml').plan!;
    const { Upstream } = await import('../../src-proxy/upstream/upstream.js');
    const u = new Upstream(plan.upstreams.get('u')!, undefined, () => {});
    try {
      expect(u.stickyCookie(u.targets[0], undefined, false)).toMatch(/; Max-Age=2$/);
    } finally {
      await u.destroy();
    }
  });

  it('a timer duration over 2^31-1 ms (Node would fire it at once) is refused', () => {
    expect(problems(upstream('    healthCheck: { interval: 30d, timeout: 1s }\n'))).toEqual(['w.yaml:6:30 30d is too long; at most 24d']);
    expect(problems(upstream('    timeouts: { response: 99999999999999999999d }\n'))).toEqual(['w.yaml:6:27 99999999999999999999d is too long; at most 24d']);
    expect(problems(upstream('    outlierDetection: { ejectFor: 3d }\n'))).toEqual([
      'w.yaml:6:35 3d is too long; at most 59h (it grows up to 10× on repeated ejections)',
    ]);
    expect(problems(upstream('    timeouts: { response: 24d }\n'))).toEqual([]);
    expect(problems('version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\npolicies:\n  slow: { type: fault, delay: { min: 1s, max: 25d } }\n')).toEqual([
      'w.yaml:4:47 25d is too long; at most 24d',
    ]);
    // History age is compared, not timed: long values stay allowed.
    expect(problems('version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\nhistory: { maxAge: 365d }\n')).toEqual([]);
  });
});

describe('regular expressions', () => {
  it('invalid patterns are located with V8\'s reason', () => {
    expect(problems(route('{ pathRegex: "(" }'))).toEqual(['w.yaml:5:25 invalid regular expression "(": Unterminated group']);
  });

  it('patterns with nested unbounded repetition (ReDoS) are refused wherever they are', () => {
    const msg = (p: string) =>
      `regular expression "${p}" is refused: a repeated group contains another unbounded repetition, which can take exponential time on some inputs (write it without the nested repetition, e.g. (a+)+ as a+)`;
    expect(problems(route('{ pathRegex: "^/(a+)+$" }'))).toEqual([`w.yaml:5:25 ${msg('^/(a+)+$')}`]);
    expect(problems(route('{ headers: { x-id: { regex: "^(\\\\w*)*$" } } }'))).toEqual([`w.yaml:5:40 ${msg('^(\\w*)*$')}`]);
    const policy = (body: string) => `version: 1\nlisteners: [{ name: web, address: 127.0.0.1:0 }]\npolicies:\n  p: ${body}\n`;
    expect(problems(policy('{ type: fault, when: { headers: { x-id: { regex: "(a+)+$" } } }, abort: { status: 500 } }'))).toEqual([
      'w.yaml:4:55 regular expression "(a+)+$" is refused: a repeated group contains another unbounded repetition, which can take exponential time on some inputs',
    ]);
    expect(problems(policy('{ type: transform, request: { path: { pattern: "^/(x*)*$", replacement: "/" } } }'))).toHaveLength(1);
    // Ordinary routing patterns, including repeated segments split by a literal, are fine.
    for (const ok of ['^/u/(\\\\d+)$', '^/files/(?:[^/]+/)*[^/]+$', '^/(?<v>v\\\\d+)/(.*)$', '(ab)+', '^/a{1,3}$']) {
      expect(problems(route(`{ pathRegex: "${ok}" }`))).toEqual([]);
    }
  });
});

describe('target URLs', () => {
  it('userinfo, paths, queries, fragments and port 0 are refused; an empty query or fragment is just the origin', () => {
    expect(problems(upstream('', 'http://user:pw@127.0.0.1:1'))).toEqual(['w.yaml:5:22 target URL must not contain credentials']);
    for (const url of ['http://127.0.0.1:1/x', 'http://127.0.0.1:1?q=1', 'http://127.0.0.1:1#frag']) {
      expect(problems(upstream('', url))).toEqual([`w.yaml:5:22 target URL "${url}" must not have a path or query; use rewrite instead`]);
    }
    expect(problems(upstream('', 'http://127.0.0.1:0'))).toEqual(['w.yaml:5:22 target URL "http://127.0.0.1:0" has port 0, which nothing can be reached on']);
    expect(loadWorkspaceText(upstream('', 'http://127.0.0.1:1/?#'), 'w.yaml').plan!.upstreams.get('u')!.targets[0]!.url).toBe('http://127.0.0.1:1');
  });
});
