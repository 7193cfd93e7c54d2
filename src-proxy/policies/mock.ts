/**
 * mock: answer from the gateway — a fixed status, headers and a body inline or
 * from a file (read when the config is applied, so a missing file is an
 * apply-time error, not a runtime 500) — optionally only when conditions hold.
 */
import { readFileSync } from 'node:fs';
import { sendFixed } from '../pipeline/respond.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';
import { checkWhen, compileWhen } from './when.js';

export const mockPolicy: PolicyFactory<'mock'> = {
  check(config, report) {
    if (config.body !== undefined && config.bodyFile !== undefined) report(['bodyFile'], 'give either body or bodyFile, not both');
    if (config.bodyFile !== undefined) {
      try {
        readFileSync(config.bodyFile);
      } catch (e) {
        report(['bodyFile'], `cannot read "${config.bodyFile}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    checkWhen(config.when, report);
  },
  create(name, config): Policy {
    const body = config.bodyFile !== undefined ? readFileSync(config.bodyFile) : Buffer.from(config.body ?? '');
    const headers = Object.fromEntries(Object.entries(config.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const when = compileWhen(config.when);
    return {
      name,
      type: 'mock',
      handle(ex, next) {
        if (when !== null && !when(ex)) return next();
        decide(ex, { policy: name, type: 'mock', outcome: 'mocked', detail: String(config.status) });
        sendFixed(ex, config.status, headers, body);
      },
    };
  },
};
