/**
 * ip-filter: allow and deny lists of CIDR blocks (IPv4 and IPv6). Deny wins;
 * with an allow list, everything not on it is refused. The client address is
 * the socket peer, or comes from X-Forwarded-For behind `trustedProxies`
 * (client-address.ts). Refusals are 403 problems.
 */
import { SwitchyardError } from '../errors.js';
import { CidrList, parseCidr } from './cidr.js';
import { clientAddress } from './client-address.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';

export const ipFilterPolicy: PolicyFactory<'ip-filter'> = {
  check(config, report) {
    for (const field of ['allow', 'deny', 'trustedProxies'] as const) {
      config[field]?.forEach((text, i) => {
        if (parseCidr(text) === null) report([field, i], `"${text}" is not an IP address or CIDR block`);
      });
    }
    if (!config.allow?.length && !config.deny?.length) report([], 'neither allow nor deny is given: every client passes', 'warning');
  },
  create(name, config): Policy {
    const allow = new CidrList(config.allow ?? []);
    const deny = new CidrList(config.deny ?? []);
    const trusted = config.trustedProxies?.length ? new CidrList(config.trustedProxies) : null;

    return {
      name,
      type: 'ip-filter',
      handle(ex, next) {
        const client = clientAddress(ex.clientIp, trusted === null ? undefined : ex.req.headers['x-forwarded-for'], trusted);
        const bytes = client.bytes;
        let reason: string | null = null;
        if (bytes === null) reason = `the client address "${client.text}" cannot be read`;
        else if (deny.has(bytes)) reason = `the client address ${client.text} is denied`;
        else if (!allow.empty && !allow.has(bytes)) reason = `the client address ${client.text} is not allowed`;
        if (reason !== null) {
          decide(ex, { policy: name, type: 'ip-filter', outcome: 'denied', detail: client.text });
          throw new SwitchyardError('FORBIDDEN', `Access refused: ${reason}.`);
        }
        decide(ex, { policy: name, type: 'ip-filter', outcome: 'allowed', detail: client.text });
        return next();
      },
    };
  },
};
