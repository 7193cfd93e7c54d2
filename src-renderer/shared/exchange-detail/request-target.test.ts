import { describe, expect, it } from 'vitest';
import { editablePath, requestTarget } from './request-target';

describe('requestTarget', () => {
  it('puts the host before an origin-form path', () => {
    expect(requestTarget('api.test', '/orders?x=1')).toBe('api.test/orders?x=1');
  });

  it('shows a forward proxy absolute-form URL and a CONNECT authority as they are', () => {
    expect(requestTarget('127.0.0.1', 'http://127.0.0.1:1/refused')).toBe('http://127.0.0.1:1/refused');
    expect(requestTarget('example.test', 'example.test:443')).toBe('example.test:443');
  });
});

describe('editablePath', () => {
  it('keeps an origin-form path and reduces an absolute-form URL to its path and query', () => {
    expect(editablePath('/a?b=1')).toBe('/a?b=1');
    expect(editablePath('http://127.0.0.1:1/refused?x=1')).toBe('/refused?x=1');
    expect(editablePath('http://example.test')).toBe('/');
  });
});
