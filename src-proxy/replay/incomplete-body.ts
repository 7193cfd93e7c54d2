/**
 * Why a captured body is not the whole body, in words: cut at the capture cap
 * (more arrived than was kept), or cut short in transit (everything that
 * arrived was kept, but the transfer ended before the body did).
 */
import type { CapturedBody } from '../capture/captured-exchange.js';
import { headerValues } from './raw-headers.js';

/** A sentence fragment after "The original request body …" / "The body …". */
export function whyIncomplete(body: CapturedBody, headers: readonly string[]): string {
  const kept = body.bytes?.byteLength ?? 0;
  const declared = Number(headerValues(headers, 'content-length')[0]);
  // The Content-Length the sender announced says how much never arrived.
  if (Number.isSafeInteger(declared) && declared > body.size) {
    return `ended early: ${body.size} of the ${declared} bytes its Content-Length announced arrived`;
  }
  if (kept < body.size) return `was ${body.size} bytes but capture kept only the first ${kept}`;
  return `ended early, after ${body.size} bytes (the transfer was cut short)`;
}
