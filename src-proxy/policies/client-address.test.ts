import { describe, expect, it } from 'vitest';
import { CidrList } from './cidr.js';
import { clientAddress } from './client-address.js';

const trusted = new CidrList(['10.0.0.0/8', 'fd00::/8']);
const text = (peer: string, xff?: string | string[]) => clientAddress(peer, xff, trusted).text;

describe('clientAddress', () => {
  it('is the socket peer unless the peer is a trusted proxy', () => {
    expect(text('198.51.100.1', '203.0.113.9')).toBe('198.51.100.1');
    expect(clientAddress('10.0.0.1', '203.0.113.9', null).text).toBe('10.0.0.1');
    expect(text('10.0.0.1')).toBe('10.0.0.1');
  });

  it('walks X-Forwarded-For from the right, skipping trusted hops', () => {
    expect(text('10.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(text('10.0.0.1', '1.1.1.1, 203.0.113.9, 10.2.3.4')).toBe('203.0.113.9');
    expect(text('10.0.0.1', ['1.1.1.1', '203.0.113.9, 10.2.3.4'])).toBe('203.0.113.9');
    expect(text('fd00::1', '2001:db8::9, fd12::1')).toBe('2001:db8::9');
    // All hops trusted: the leftmost is the best guess.
    expect(text('10.0.0.1', '10.9.9.9, 10.2.3.4')).toBe('10.9.9.9');
  });

  it('understands ports and brackets, and reports an unreadable hop as unreadable', () => {
    expect(text('10.0.0.1', '203.0.113.9:443')).toBe('203.0.113.9');
    expect(text('10.0.0.1', '[2001:db8::9]:443')).toBe('2001:db8::9');
    const garbled = clientAddress('10.0.0.1', 'unknown', trusted);
    expect(garbled).toEqual({ text: 'unknown', bytes: null });
  });
});
