/**
 * Policy type → factory. A type listed in the schema but not here validates
 * and is reported as "not enforced" (compile.ts), so a workspace never
 * silently relies on a policy the engine does not run.
 */
import type { PolicyType } from '../config/policy-schema.js';
import { apiKeyPolicy } from './api-key.js';
import { basicAuthPolicy } from './basic-auth.js';
import { bodyLimitPolicy } from './body-limit.js';
import { cachePolicy } from './cache.js';
import { compressPolicy } from './compress.js';
import { corsPolicy } from './cors.js';
import { faultPolicy } from './fault.js';
import { headersPolicy } from './headers.js';
import { ipFilterPolicy } from './ip-filter.js';
import { jwtPolicy } from './jwt.js';
import { mockPolicy } from './mock.js';
import type { PolicyFactory } from './policy.js';
import { rateLimitPolicy } from './rate-limit.js';
import { transformPolicy } from './transform.js';

export const POLICY_FACTORIES: { readonly [T in PolicyType]?: PolicyFactory<T> } = {
  headers: headersPolicy,
  'body-limit': bodyLimitPolicy,
  transform: transformPolicy,
  compress: compressPolicy,
  fault: faultPolicy,
  mock: mockPolicy,
  cache: cachePolicy,
  'api-key': apiKeyPolicy,
  jwt: jwtPolicy,
  'basic-auth': basicAuthPolicy,
  'rate-limit': rateLimitPolicy,
  cors: corsPolicy,
  'ip-filter': ipFilterPolicy,
};
