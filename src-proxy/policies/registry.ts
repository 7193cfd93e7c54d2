/**
 * Policy type → factory. A type listed in the schema but not here validates
 * and is reported as "not enforced" (compile.ts), so a workspace never
 * silently relies on a policy the engine does not run.
 */
import type { PolicyType } from '../config/policy-schema.js';
import type { PolicyFactory } from './policy.js';

export const POLICY_FACTORIES: { readonly [T in PolicyType]?: PolicyFactory<T> } = {};
