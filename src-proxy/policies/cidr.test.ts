import { describe, expect, it } from 'vitest';
import { CidrList, cidrContains, parseCidr, parseIp } from './cidr.js';

const inBlock = (block: string, ip: string) => cidrContains(parseCidr(block)!, parseIp(ip)!);

describe('parseIp', () => {
  it('reads IPv4, IPv6 (compressed, embedded IPv4, zone ids) and folds IPv4-mapped IPv6 into IPv4', () => {
    expect([...parseIp('10.1.2.3')!]).toEqual([10, 1, 2, 3]);
    expect([...parseIp('::ffff:10.1.2.3')!]).toEqual([10, 1, 2, 3]);
    expect([...parseIp('::ffff:a01:203')!]).toEqual([10, 1, 2, 3]);
    expect(parseIp('::1')!.length).toBe(16);
    expect(parseIp('::1')![15]).toBe(1);
    expect([...parseIp('2001:db8::8:800:200c:417a')!]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]);
    expect([...parseIp('64:ff9b::192.0.2.33')!].slice(12)).toEqual([192, 0, 2, 33]);
    expect(parseIp('fe80::1%eth0')![0]).toBe(0xfe);
    for (const bad of ['', '1.2.3', '256.1.1.1', '1::2::3', 'example.com', '12345::']) expect(parseIp(bad), bad).toBeNull();
  });
});

describe('CIDR matching', () => {
  it('IPv4 blocks on byte and bit boundaries', () => {
    expect(inBlock('10.0.0.0/8', '10.255.1.1')).toBe(true);
    expect(inBlock('10.0.0.0/8', '11.0.0.1')).toBe(false);
    expect(inBlock('192.168.4.0/22', '192.168.7.255')).toBe(true);
    expect(inBlock('192.168.4.0/22', '192.168.8.0')).toBe(false);
    expect(inBlock('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(inBlock('203.0.113.5', '203.0.113.5')).toBe(true);
    expect(inBlock('203.0.113.5', '203.0.113.6')).toBe(false);
  });

  it('IPv6 blocks, and never across families', () => {
    expect(inBlock('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(inBlock('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(inBlock('2001:db8:abcd:1230::/60', '2001:db8:abcd:123f::1')).toBe(true);
    expect(inBlock('2001:db8:abcd:1230::/60', '2001:db8:abcd:1240::1')).toBe(false);
    expect(inBlock('::1/128', '::1')).toBe(true);
    expect(inBlock('::/0', '2001:db8::1')).toBe(true);
    expect(inBlock('::/0', '127.0.0.1')).toBe(false);
    expect(inBlock('0.0.0.0/0', '::1')).toBe(false);
  });

  it('IPv4-mapped blocks and addresses meet their IPv4 forms', () => {
    expect(inBlock('::ffff:10.0.0.0/104', '10.9.9.9')).toBe(true);
    expect(inBlock('10.0.0.0/8', '::ffff:10.9.9.9')).toBe(true);
    expect(parseCidr('::ffff:10.0.0.0/95')).toBeNull();
  });

  it('refuses impossible prefixes', () => {
    expect(parseCidr('10.0.0.0/33')).toBeNull();
    expect(parseCidr('::/129')).toBeNull();
    expect(parseCidr('10.0.0.0/x')).toBeNull();
  });

  it('CidrList matches any of its blocks and rejects bad entries when built', () => {
    const list = new CidrList(['10.0.0.0/8', '2001:db8::/32']);
    expect(list.has(parseIp('10.1.1.1')!)).toBe(true);
    expect(list.has(parseIp('2001:db8::7')!)).toBe(true);
    expect(list.has(parseIp('192.0.2.1')!)).toBe(false);
    expect(() => new CidrList(['nope'])).toThrow('"nope" is not an IP address or CIDR block');
  });
});
