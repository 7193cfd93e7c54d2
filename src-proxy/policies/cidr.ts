/**
 * IP addresses and CIDR blocks, IPv4 and IPv6. Addresses are bytes (4 or 16);
 * an IPv4-mapped IPv6 address (::ffff:10.1.2.3) is its IPv4 address, so a
 * dual-stack socket and an IPv4 rule agree.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  readonly bytes: Uint8Array;
  /** Prefix length in bits. */
  readonly bits: number;
}

/** 4 bytes for IPv4 (and IPv4-mapped IPv6), 16 for IPv6; null when `text` is not an address. */
export function parseIp(text: string): Uint8Array | null {
  const zone = text.indexOf('%');
  const ip = zone === -1 ? text : text.slice(0, zone);
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.'), Number);
  if (!isIPv6(ip)) return null;
  const bytes = parseIPv6(ip);
  return isMapped(bytes) ? bytes.slice(12) : bytes;
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const raw = slash === -1 ? text : text.slice(0, slash);
  const full = parseIp(raw);
  if (full === null) return null;
  const mappedV6 = full.length === 4 && raw.includes(':');
  let bits = slash === -1 ? (mappedV6 ? 128 : full.length * 8) : Number(text.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0) return null;
  if (mappedV6) {
    // ::ffff:10.0.0.0/104 is the IPv4 block 10.0.0.0/8.
    if (bits < 96) return null;
    bits -= 96;
  }
  if (bits > full.length * 8) return null;
  return { bytes: full, bits };
}

export function cidrContains(cidr: Cidr, ip: Uint8Array): boolean {
  if (cidr.bytes.length !== ip.length) return false;
  const whole = cidr.bits >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== ip[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (cidr.bytes[whole] & mask) === (ip[whole] & mask);
}

/** A list of blocks; `has` is true when any contains the address. */
export class CidrList {
  private readonly blocks: Cidr[];

  constructor(texts: readonly string[]) {
    this.blocks = texts.map((t) => {
      const c = parseCidr(t);
      if (c === null) throw new Error(`"${t}" is not an IP address or CIDR block`);
      return c;
    });
  }

  get empty(): boolean {
    return this.blocks.length === 0;
  }

  has(ip: Uint8Array): boolean {
    for (const b of this.blocks) if (cidrContains(b, ip)) return true;
    return false;
  }
}

function parseIPv6(ip: string): Uint8Array {
  const out = new Uint8Array(16);
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const groups = (s: string): number[] => {
    if (s === '') return [];
    const words: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const [a, b, c, d] = part.split('.').map(Number);
        words.push((a << 8) | b, (c << 8) | d);
      } else {
        words.push(parseInt(part, 16));
      }
    }
    return words;
  };
  const left = groups(head);
  const right = tail === null ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
