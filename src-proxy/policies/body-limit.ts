/**
 * body-limit: a request body cap for a route, tighter than the listener's. A
 * declared Content-Length over the cap is refused at once; a chunked body is
 * counted while it streams upstream and cut with 413 when it passes the cap
 * (proxy-request.ts), so nothing is buffered.
 */
import { parseSize } from '../config/units.js';
import { SwitchyardError } from '../errors.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';

export const bodyLimitPolicy: PolicyFactory<'body-limit'> = {
  create(name, config): Policy {
    const max = parseSize(config.maxSize);
    return {
      name,
      type: 'body-limit',
      handle(ex, next) {
        const declared = ex.req.headers['content-length'];
        if (declared !== undefined && Number(declared) > max) {
          decide(ex, { policy: name, type: 'body-limit', outcome: 'refused', detail: `${declared} > ${max} bytes` });
          throw new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body is ${declared} bytes; this route accepts at most ${max}.`);
        }
        ex.bodyLimit = ex.bodyLimit === null ? max : Math.min(ex.bodyLimit, max);
        return next();
      },
    };
  },
};
