/**
 * The client's address for ip rules. The socket peer, unless that peer is a
 * trusted proxy: then X-Forwarded-For is walked from the right, skipping
 * trusted hops, and the first untrusted entry is the client (entries further
 * left were written by the client itself and prove nothing).
 */
import type { CidrList } from './cidr.js';
import { parseIp } from './cidr.js';

export interface ClientAddress {
  readonly text: string;
  /** null when the address cannot be read (a garbled X-Forwarded-For entry). */
  readonly bytes: Uint8Array | null;
}

export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: CidrList | null): ClientAddress {
  const peerBytes = parseIp(peer);
  if (trusted === null || peerBytes === null || !trusted.has(peerBytes) || forwardedFor === undefined) return { text: peer, bytes: peerBytes };
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let last: ClientAddress = { text: peer, bytes: peerBytes };
  for (let i = hops.length - 1; i >= 0; i--) {
    const text = stripPort(hops[i].trim());
    if (text === '') continue;
    const bytes = parseIp(text);
    if (bytes === null || !trusted.has(bytes)) return { text, bytes };
    last = { text, bytes };
  }
  // Every hop is a trusted proxy: the leftmost one is the closest thing to a client.
  return last;
}

/** "1.2.3.4:5678" → "1.2.3.4"; "[2001:db8::1]:443" → "2001:db8::1"; bare IPv6 unchanged. */
function stripPort(hop: string): string {
  if (hop.startsWith('[')) {
    const end = hop.indexOf(']');
    return end === -1 ? hop : hop.slice(1, end);
  }
  const colon = hop.indexOf(':');
  return colon !== -1 && colon === hop.lastIndexOf(':') ? hop.slice(0, colon) : hop;
}
