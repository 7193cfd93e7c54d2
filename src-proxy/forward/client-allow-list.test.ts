import { describe, expect, it } from 'vitest';
import { clientAllowed } from './client-allow-list.js';

describe('client allow-list', () => {
  const loopback = ['127.0.0.0/8', '::1/128'];
  it('allows loopback by default and nothing else', () => {
    expect(clientAllowed(loopback, '127.0.0.1')).toBe(true);
    expect(clientAllowed(loopback, '127.9.9.9')).toBe(true);
    expect(clientAllowed(loopback, '::ffff:127.0.0.1')).toBe(true);
    expect(clientAllowed(loopback, '::1')).toBe(true);
    expect(clientAllowed(loopback, '192.0.2.2')).toBe(false);
    expect(clientAllowed(loopback, 'fd00::2')).toBe(false);
    expect(clientAllowed(loopback, '')).toBe(false);
  });

  it('widens to configured CIDRs and single addresses', () => {
    const list = ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'];
    expect(clientAllowed(list, '10.200.1.1')).toBe(true);
    expect(clientAllowed(list, '192.0.2.7')).toBe(true);
    expect(clientAllowed(list, '192.0.2.8')).toBe(false);
    expect(clientAllowed(list, 'fd12::1')).toBe(true);
    expect(clientAllowed(list, '127.0.0.1')).toBe(false);
  });
});
