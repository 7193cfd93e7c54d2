/**
 * fault: inject a delay, an abort (a status instead of the upstream's answer)
 * or a connection reset (a stream reset on HTTP/2), for a share of the
 * requests that meet `when` — so developers can see how their clients cope.
 * A delay is followed by the rest of the chain (unless the client left
 * meanwhile); abort and reset end it.
 */
import http2 from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { PolicyOf } from '../config/policy-schema.js';
import { parseDuration } from '../config/units.js';
import { sendFixed } from '../pipeline/respond.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';
import { checkWhen, compileWhen } from './when.js';

type Config = PolicyOf<'fault'>;

export const faultPolicy: PolicyFactory<'fault'> = {
  check(config, report) {
    const actions = [config.delay, config.abort, config.reset].filter((a) => a !== undefined && a !== false).length;
    if (actions === 0) report([], 'a fault policy needs delay, abort or reset');
    if (config.abort && config.reset) report(['reset'], 'give either abort or reset, not both');
    if (typeof config.delay === 'object' && parseDuration(config.delay.min) > parseDuration(config.delay.max)) {
      report(['delay', 'min'], 'delay min is larger than max');
    }
    checkWhen(config.when, report);
  },
  create(name, config): Policy {
    const random = Math.random;
    const share = (config.percentage ?? 100) / 100;
    const when = compileWhen(config.when);
    const delay = delayOf(config.delay, random);
    const abortBody = config.abort ? Buffer.from(config.abort.body ?? '') : null;
    return {
      name,
      type: 'fault',
      handle(ex, next) {
        if ((when !== null && !when(ex)) || random() >= share) return next();
        const act = () => {
          if (config.reset) {
            decide(ex, { policy: name, type: 'fault', outcome: 'reset' });
            ex.aborted = true;
            resetClient(ex.req);
            return;
          }
          if (config.abort) {
            decide(ex, { policy: name, type: 'fault', outcome: 'aborted', detail: String(config.abort.status) });
            sendFixed(ex, config.abort.status, { 'content-type': 'text/plain; charset=utf-8' }, abortBody!);
            return;
          }
          return next();
        };
        if (delay === null) return act();
        const ms = delay();
        decide(ex, { policy: name, type: 'fault', outcome: 'delayed', detail: `${ms}ms` });
        // A client that leaves during the delay is not proxied afterwards (the upstream would work for no one).
        return new Promise<boolean>((resolve) => {
          const left = () => {
            clearTimeout(timer);
            resolve(false);
          };
          const timer = setTimeout(() => {
            ex.res.off('close', left);
            resolve(true);
          }, ms);
          ex.res.once('close', left);
        }).then((present) => {
          if (present) return act();
          ex.aborted = true;
        });
      },
    };
  },
};

/**
 * HTTP/2: RST_STREAM for this request only (the connection's other streams
 * carry on). HTTP/1.x: a TCP RST. A TLS socket cannot send one itself
 * (resetAndDestroy throws for it), so the TCP socket under it does.
 */
function resetClient(req: IncomingMessage): void {
  const stream = (req as unknown as { stream?: http2.ServerHttp2Stream }).stream;
  if (req.httpVersionMajor === 2 && stream !== undefined) {
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  let socket: Socket | null | undefined = req.socket;
  while (socket) {
    try {
      socket.resetAndDestroy();
      return;
    } catch {
      socket = (socket as Socket & { _parent?: Socket | null })._parent;
    }
  }
  req.socket.destroy();
}

function delayOf(delay: Config['delay'], random: () => number): (() => number) | null {
  if (delay === undefined) return null;
  if (typeof delay === 'string') {
    const ms = parseDuration(delay);
    return () => ms;
  }
  const min = parseDuration(delay.min);
  const span = parseDuration(delay.max) - min;
  return () => min + Math.round(random() * span);
}
