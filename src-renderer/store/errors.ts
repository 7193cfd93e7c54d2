import { RpcError } from '../client/types';

/** A failed call as data for the store: stable code + a sentence for people. */
export function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof RpcError) return { code: err.code, message: err.message };
  return { code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err) };
}
