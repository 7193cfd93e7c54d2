import { describe, expect, it } from 'vitest';
import { hostMatcher } from './host-patterns.js';

describe('intercept host patterns', () => {
  it('matches exact hosts, subdomains of wildcards (not the apex), and * for all', () => {
    const m = hostMatcher(['api.example.com', '*.example.test', '127.0.0.1', '::1']);
    expect(m('api.example.com')).toBe(true);
    expect(m('API.Example.COM.')).toBe(true);
    expect(m('www.api.example.com')).toBe(false);
    expect(m('a.example.test')).toBe(true);
    expect(m('a.b.example.test')).toBe(true);
    expect(m('example.test')).toBe(false);
    expect(m('badexample.test')).toBe(false);
    expect(m('127.0.0.1')).toBe(true);
    expect(m('[::1]')).toBe(true);
    expect(hostMatcher(['*'])('anything.at.all')).toBe(true);
    expect(hostMatcher([])('example.test')).toBe(false);
  });

  it('compiles each pattern list once', () => {
    const list = Object.freeze(['*.x.test']);
    expect(hostMatcher(list)).toBe(hostMatcher(list));
  });
});
