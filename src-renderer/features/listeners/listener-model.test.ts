import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clientProxyUrl, forwardProxySnippets, readDraftListeners, setListenerMode, YamlEditError } from './listener-model';

const TEXT = `version: 1 # the format
# Where the gateway listens.
listeners:
  - { name: web,   address: 127.0.0.1:8080, mode: reverse }   # the main site
  - name: egress        # outbound proxy
    address: 0.0.0.0:3128
    # reverse for now
    mode: reverse
  - { name: plain, address: 127.0.0.1:8081 }
routes: []
`;

describe('setListenerMode', () => {
  it('switches a flow-style listener and keeps every comment and layout', () => {
    const out = setListenerMode(TEXT, 'web', 'forward');
    expect(parse(out).listeners[0]).toEqual({ name: 'web', address: '127.0.0.1:8080', mode: 'forward' });
    expect(out).toContain('version: 1 # the format');
    expect(out).toContain('# Where the gateway listens.');
    expect(out).toContain('# the main site');
    // Only that one line changed.
    const before = TEXT.split('\n');
    const after = out.split('\n');
    expect(after).toHaveLength(before.length);
    expect(after.filter((l, i) => l !== before[i])).toHaveLength(1);
  });

  it('switches a block-style listener, comments kept', () => {
    const out = setListenerMode(TEXT, 'egress', 'forward');
    expect(parse(out).listeners[1].mode).toBe('forward');
    expect(out).toContain('- name: egress        # outbound proxy');
    expect(out).toContain('    # reverse for now\n    mode: forward');
  });

  it('adds the mode key where it is missing, and leaves the default alone', () => {
    const out = setListenerMode(TEXT, 'plain', 'forward');
    expect(parse(out).listeners[2]).toEqual({ name: 'plain', address: '127.0.0.1:8081', mode: 'forward' });
    expect(out).toContain('# the main site');
    expect(setListenerMode(TEXT, 'plain', 'reverse')).toBe(TEXT);
    expect(setListenerMode(TEXT, 'web', 'reverse')).toBe(TEXT);
  });

  it('refuses unknown listeners and broken YAML', () => {
    expect(() => setListenerMode(TEXT, 'nope', 'forward')).toThrow(YamlEditError);
    expect(() => setListenerMode('listeners: [\n', 'web', 'forward')).toThrow(YamlEditError);
  });
});

describe('draft listeners and client snippets', () => {
  it('reads the modes from the draft', () => {
    expect(readDraftListeners(TEXT)?.map((l) => [l.name, l.mode, l.explicitMode])).toEqual([
      ['web', 'reverse', true],
      ['egress', 'reverse', true],
      ['plain', 'reverse', false],
    ]);
    expect(readDraftListeners('listeners: [')).toBeNull();
    expect(readDraftListeners('listeners:\n  - { name: s, address: a:1, tls: { certificates: local-ca } }')?.[0].tls).toBe('local CA');
  });

  it('points clients at loopback for a wildcard bind', () => {
    expect(clientProxyUrl({ host: '0.0.0.0', port: 3128, url: 'http://0.0.0.0:3128' })).toBe('http://127.0.0.1:3128');
    expect(clientProxyUrl({ host: '127.0.0.1', port: 3128, url: 'http://127.0.0.1:3128' })).toBe('http://127.0.0.1:3128');
    expect(clientProxyUrl({ host: '127.0.0.1', port: 0, url: 'http://127.0.0.1:0' })).toBe('http://127.0.0.1:<port>');
    const snippets = forwardProxySnippets('http://127.0.0.1:3128').map((s) => s.command);
    expect(snippets[0]).toBe('curl -x http://127.0.0.1:3128 http://example.com/');
    expect(snippets.some((c) => c.includes('HTTPS_PROXY=http://127.0.0.1:3128'))).toBe(true);
  });
});
