/** Helpers over raw header pairs ([name, value, name, value, …]) as capture keeps them. */
import { REPLAY_HEADER } from '../capture/replay-marks.js';
import { HOP_BY_HOP, connectionTokens } from '../pipeline/proxy/forward-headers.js';

/** Every value of a header, in order (names compared case-insensitively). */
export function headerValues(raw: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === lower) out.push(raw[i + 1]);
  return out;
}

export function firstHeader(raw: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === lower) return raw[i + 1];
  return undefined;
}

/** HTTP/2 and HTTP/3 pseudo-headers (":authority", ":path", …) as browsers list them. */
export function isPseudoHeader(name: string): boolean {
  return name.startsWith(':');
}

/** Headers that describe one hop or one framing of the message, never resent as they were. */
const NOT_RESENT = new Set([...HOP_BY_HOP, 'content-length', 'expect', REPLAY_HEADER]);

/**
 * The end-to-end headers of a captured request, ready to be resent: hop-by-hop
 * headers (and those its Connection header names), Content-Length, Expect,
 * pseudo-headers and the replay mark are left out. Host is kept.
 */
export function resendableHeaders(raw: readonly string[]): string[] {
  const named = connectionTokens(headerValues(raw, 'connection'));
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (NOT_RESENT.has(lower) || isPseudoHeader(lower) || (named !== null && named.has(lower))) continue;
    out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** The Host of a captured request: its Host header, else an HTTP/2 `:authority`, else `fallback`. */
export function requestAuthority(raw: readonly string[], fallback: string): string {
  return firstHeader(raw, 'host') ?? firstHeader(raw, ':authority') ?? fallback;
}
