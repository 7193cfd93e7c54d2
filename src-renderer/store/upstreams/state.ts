import type { UpstreamStatusMap } from '../../client/contract';

export interface UpstreamsState {
  /** Live status per upstream name, as `upstreams.status` returns it. */
  upstreamStatus: UpstreamStatusMap;
  upstreamsUpdatedAt: number | null;
  upstreamsError: string | null;
}

export const initialUpstreamsState: UpstreamsState = {
  upstreamStatus: {},
  upstreamsUpdatedAt: null,
  upstreamsError: null,
};
