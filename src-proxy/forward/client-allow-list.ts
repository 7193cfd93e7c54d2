/**
 * Which clients may use a forward listener: the listener's `allowClients`
 * CIDRs (default loopback only), so the proxy is never open by accident.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

const compiled = new WeakMap<readonly string[], BlockList>();

function blockList(cidrs: readonly string[]): BlockList {
  let list = compiled.get(cidrs);
  if (list !== undefined) return list;
  list = new BlockList();
  for (const entry of cidrs) {
    const [address, prefix] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (!isIPv4(address) && !isIPv6(address)) continue; // the schema accepted the shape; an impossible address allows nobody
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  compiled.set(cidrs, list);
  return list;
}

/** `ip` as the socket reports it ("::ffff:10.0.0.1" counts as IPv4). */
export function clientAllowed(cidrs: readonly string[], ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(v4)) return blockList(cidrs).check(v4, 'ipv4');
  if (isIPv6(v4)) return blockList(cidrs).check(v4, 'ipv6');
  return false;
}
