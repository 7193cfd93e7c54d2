import { describe, expect, it } from 'vitest';
import { appendCacheStatus, cacheStatusMember } from './cache-status.js';

describe('Cache-Status (RFC 9211)', () => {
  it('writes members as structured fields', () => {
    expect(cacheStatusMember('edge', { hit: true, ttl: 12.6, key: 'GET h/"q"' })).toBe('edge; hit; ttl=13; key="GET h/\\"q\\""');
    expect(cacheStatusMember('my cache', { fwd: 'uri-miss', fwdStatus: 200, stored: true, detail: 'no store' })).toBe(
      '"my cache"; fwd=uri-miss; fwd-status=200; stored; detail="no store"',
    );
  });
  it('leaves out a key that is not printable ASCII', () => {
    expect(cacheStatusMember('c', { hit: true, key: 'GET h/é' })).toBe('c; hit');
  });
  it('appends after the upstream caches', () => {
    expect(appendCacheStatus(undefined, 'c; hit')).toBe('c; hit');
    expect(appendCacheStatus(['a; hit', 'b; fwd=miss'], 'c; hit')).toBe('a; hit, b; fwd=miss, c; hit');
  });
});
