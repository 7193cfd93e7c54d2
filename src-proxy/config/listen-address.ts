/**
 * When two listener addresses compete for one socket. Spellings differ
 * (`localhost` vs `127.0.0.1`, `LOCALHOST`, `[0:0:0:0:0:0:0:1]` vs `[::1]`)
 * and wildcards (`0.0.0.0`, `::`) take the port on every address, so
 * comparing the strings would let a workspace validate that can never bind.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Lower case; IPv6 in its compressed form. */
export function canonicalHost(host: string): string {
  const h = host.toLowerCase();
  if (!isIPv6(h)) return h;
  return new URL(`http://[${h}]/`).hostname.slice(1, -1);
}

/** The addresses a bind to `host` may take: `localhost` resolves to either loopback. */
function footprint(host: string): string[] {
  const h = canonicalHost(host);
  return h === 'localhost' ? ['127.0.0.1', '::1'] : [h];
}

function clash(a: string, b: string): boolean {
  if (a === b) return true;
  // `::` is dual-stack in Node: it takes the port on IPv4 addresses too.
  if (a === '::' || b === '::') return isIPv6(a) || isIPv6(b) || isIPv4(a) || isIPv4(b);
  if (a === '0.0.0.0') return isIPv4(b);
  if (b === '0.0.0.0') return isIPv4(a);
  return false;
}

/** Whether both listeners would try to bind the same port on a shared address (port 0 never clashes). */
export function addressesClash(a: { host: string; port: number }, b: { host: string; port: number }): boolean {
  if (a.port === 0 || a.port !== b.port) return false;
  return footprint(a.host).some((x) => footprint(b.host).some((y) => clash(x, y)));
}

/** A host that looks like a dotted IPv4 address but is not one (`999.1.1.1`, `1.2.3`). */
export function badIpv4(host: string): boolean {
  return /^[\d.]+$/.test(host) && !isIPv4(host);
}
