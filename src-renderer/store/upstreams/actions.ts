import { describeError } from '../errors';
import type { SliceCreator } from '../types';
import { initialUpstreamsState, type UpstreamsState } from './state';

export interface UpstreamsActions {
  refreshUpstreams(): Promise<void>;
  setDrained(upstream: string, target: string, drained: boolean): Promise<void>;
}

export type UpstreamsSlice = UpstreamsState & UpstreamsActions;

export const createUpstreamsSlice: SliceCreator<UpstreamsSlice> = (set, get, deps) => {
  let inflight: Promise<void> | null = null;
  return {
    ...initialUpstreamsState,
    refreshUpstreams() {
      if (!deps.control) return Promise.resolve();
      const control = deps.control;
      // Polls never overlap: a slow answer is awaited rather than duplicated.
      inflight ??= control
        .call('upstreams.status')
        .then(
          (upstreamStatus) => set({ upstreamStatus, upstreamsUpdatedAt: Date.now(), upstreamsError: null }),
          (err: unknown) => set({ upstreamsError: describeError(err).message }),
        )
        .finally(() => {
          inflight = null;
        });
      return inflight;
    },
    async setDrained(upstream, target, drained) {
      if (!deps.control) return;
      try {
        await deps.control.call('upstreams.setDrained', { upstream, target, drained });
      } catch (err) {
        set({ upstreamsError: describeError(err).message });
      }
      await get().refreshUpstreams();
    },
  };
};
