/**
 * The pool a ProxyAgent sends its CONNECTs to the parent proxy through. The
 * parent's answer is part of connecting to the origin, so it gets the connect
 * timeout, and a late one is reported as a connect timeout (undici would call
 * it a headers timeout, which reads as a slow origin).
 */
import { Pool, type Dispatcher } from 'undici';
import { connectTimeout } from './parent-connect.js';

type ConnectOptions = Parameters<Pool['connect']>[0];
type ConnectCallback = (err: Error | null, data: Dispatcher.ConnectData) => void;

export class ParentConnectPool extends Pool {
  constructor(origin: URL, opts: Pool.Options, timeoutMs: number) {
    super(origin, { ...opts, headersTimeout: timeoutMs });
  }

  override connect(options: ConnectOptions): Promise<Dispatcher.ConnectData>;
  override connect(options: ConnectOptions, callback: ConnectCallback): void;
  override connect(options: ConnectOptions, callback?: ConnectCallback): Promise<Dispatcher.ConnectData> | void {
    if (callback === undefined) {
      return super.connect(options).catch((err: unknown) => {
        throw relabel(err);
      });
    }
    super.connect(options, (err, data) => callback(err === null ? null : relabel(err), data));
  }
}

/** undici's headers timeout on CONNECT means the parent did not answer in time. */
function relabel(err: Error): Error;
function relabel(err: unknown): unknown;
function relabel(err: unknown): unknown {
  return (err as NodeJS.ErrnoException | null)?.code === 'UND_ERR_HEADERS_TIMEOUT' ? connectTimeout('the parent proxy did not answer CONNECT in time') : err;
}
