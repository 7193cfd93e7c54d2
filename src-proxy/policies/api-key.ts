/**
 * api-key: a key in a header (default x-api-key) or a query parameter names a
 * consumer and a plan. Missing → 401, unknown → 403. Keys are found by a
 * hash-map lookup, never by comparing the key with each configured key in
 * turn. The key is removed before proxying unless `keep: true`.
 */
import { SwitchyardError } from '../errors.js';
import { removeRequestHeader } from '../pipeline/request-headers.js';
import { decide } from './decide.js';
import type { Policy, PolicyFactory } from './policy.js';
import { removeQueryParam } from './query-param.js';

interface Consumer {
  readonly name: string;
  readonly plan: string | null;
}

export const apiKeyPolicy: PolicyFactory<'api-key'> = {
  check(config, report) {
    if (Object.keys(config.keys).length === 0) report(['keys'], 'no keys are listed: every request will be refused', 'warning');
    for (const key of Object.keys(config.keys)) {
      if (key.trim() === '') report(['keys', key], 'an API key cannot be empty');
    }
  },
  create(name, config): Policy {
    const header = (config.header ?? 'x-api-key').toLowerCase();
    const query = config.query ?? null;
    const keep = config.keep === true;
    const consumers = new Map<string, Consumer>();
    for (const [key, c] of Object.entries(config.keys)) consumers.set(key, { name: c.consumer, plan: c.plan ?? null });
    const challenge = `ApiKey realm="${name}", header="${header}"${query ? `, query="${query}"` : ''}`;
    const where = query ? `the ${header} header or the ${query} query parameter` : `the ${header} header`;

    return {
      name,
      type: 'api-key',
      handle(ex, next) {
        let key = ex.header(header);
        let inQuery = false;
        if ((key === undefined || key === '') && query !== null) {
          key = ex.query(query);
          inQuery = true;
        }
        if (key === undefined || key === '') {
          decide(ex, { policy: name, type: 'api-key', outcome: 'missing' });
          throw new SwitchyardError('UNAUTHORIZED', `An API key is required in ${where}.`, { headers: { 'www-authenticate': challenge } });
        }
        const consumer = consumers.get(key);
        if (consumer === undefined) {
          decide(ex, { policy: name, type: 'api-key', outcome: 'invalid' });
          throw new SwitchyardError('FORBIDDEN', 'The API key is not valid.');
        }
        ex.consumer = consumer;
        decide(ex, { policy: name, type: 'api-key', outcome: 'ok', detail: consumer.plan ? `${consumer.name} (${consumer.plan})` : consumer.name });
        if (!keep) {
          if (inQuery) ex.search = removeQueryParam(ex.search, query!);
          else removeRequestHeader(ex, header);
        }
        return next();
      },
    };
  },
};
