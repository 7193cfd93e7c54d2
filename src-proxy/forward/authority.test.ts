import { describe, expect, it } from 'vitest';
import { formatAuthority, parseAuthority } from './authority.js';

describe('CONNECT authority', () => {
  it('accepts host names, IPv4 and bracketed IPv6 with a port', () => {
    expect(parseAuthority('Example.COM:443')).toEqual({ host: 'example.com', port: 443 });
    expect(parseAuthority('10.1.2.3:8443')).toEqual({ host: '10.1.2.3', port: 8443 });
    expect(parseAuthority('[::1]:443')).toEqual({ host: '::1', port: 443 });
    expect(formatAuthority({ host: '::1', port: 443 })).toBe('[::1]:443');
  });

  it.each(['example.com', 'example.com:0', 'example.com:65536', 'a b:443', 'user@h:443', '[zz]:443', '::1:443', 'http://h:443', '-bad-.com:443', ''])(
    'refuses %j',
    (t) => expect(parseAuthority(t)).toBeNull(),
  );
});
