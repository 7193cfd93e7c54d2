/**
 * A request to a route's upstream that no client is waiting on, made through
 * the engine's own machinery (balancer, keep-alive pool, forwarding headers,
 * health bookkeeping). The cache uses it for background refreshes
 * (stale-while-revalidate); the body is buffered up to a cap, since it is
 * meant to be stored.
 */
import { SwitchyardError } from '../../errors.js';
import { rewritePath } from '../../router/rewrite.js';
import type { Exchange } from '../exchange.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import type { ResponseHeaders } from '../response-sink.js';
import { transferCodings } from './upstream-call.js';

export interface FetchOptions {
  /** Request headers (lower-case) left out of the client's, e.g. its own conditionals. */
  omit: ReadonlySet<string>;
  /** Added after the client's, e.g. If-None-Match. */
  add: readonly [string, string][];
  /** Bodies larger than this are not kept (`body: null`). */
  maxBody: number;
}

export interface FetchedResponse {
  status: number;
  statusMessage: string | undefined;
  headers: ResponseHeaders;
  /** Null when it was larger than `maxBody`. */
  body: Buffer | null;
}

/** A GET for the exchange's URL to its route's upstream; rejects with a SwitchyardError when no target answers. */
export async function fetchFromUpstream(ex: Exchange, upstreamName: string, opts: FetchOptions): Promise<FetchedResponse> {
  // The live upstream: the request's config may have been replaced (and its pools closed) meanwhile.
  const upstream = ex.state.upstreams.get(upstreamName)?.live();
  if (upstream === undefined) throw new SwitchyardError('INTERNAL', `Upstream "${upstreamName}" is missing from the running plan.`);
  ex.upstream ??= upstream;
  const target = upstream.choose(ex, null);
  if (target === undefined) throw new SwitchyardError('NO_HEALTHY_TARGET', upstream.noTargetDetail());
  const path = ex.route?.rewrite ? rewritePath(ex.route.rewrite, ex.path) : ex.path;
  const all = upstreamRequestHeaders(ex, target);
  const headers: string[] = [];
  for (let i = 0; i < all.length; i += 2) if (!opts.omit.has(all[i].toLowerCase())) headers.push(all[i], all[i + 1]);
  for (const [name, value] of opts.add) headers.push(name, value);

  target.inflight++;
  try {
    const res = await target.pool.request({
      origin: target.url,
      path: ex.search === '' ? path : `${path}?${ex.search}`,
      method: 'GET',
      headers,
    });
    const codings = transferCodings(res.headers['transfer-encoding']);
    if (codings !== null) {
      res.body.destroy();
      throw Object.assign(new Error(`unsupported Transfer-Encoding "${codings}"`), { code: 'HPE_INVALID_TRANSFER_ENCODING' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > opts.maxBody) {
        tooLarge = true;
        res.body.destroy();
        break;
      }
      chunks.push(chunk);
    }
    if (res.statusCode >= 502 && res.statusCode <= 504) target.recordFailure(`status ${res.statusCode}`);
    else target.recordSuccess();
    return {
      status: res.statusCode,
      statusMessage: undefined,
      headers: clientResponseHeaders(res.headers),
      body: tooLarge ? null : Buffer.concat(chunks, size),
    };
  } catch (err) {
    target.recordFailure(err instanceof Error ? err.message : String(err));
    throw new SwitchyardError('UPSTREAM_CONNECT_FAILED', `Background request to upstream "${upstreamName}" failed.`, { cause: err });
  } finally {
    target.inflight--;
  }
}
