/**
 * Capture settings used when there is no running plan to take them from (the
 * same defaults the workspace schema has).
 */
import { SECRET_HEADERS } from '../config/compile.js';
import type { CapturePlan } from '../config/plan.js';

export const DEFAULT_SECRET_HEADERS: ReadonlySet<string> = new Set(SECRET_HEADERS);

export const DEFAULT_CAPTURE: Pick<CapturePlan, 'enabled' | 'maxBodySize' | 'keepSecrets' | 'secretHeaders' | 'secretQueryParams'> = Object.freeze({
  enabled: true,
  maxBodySize: 1024 * 1024,
  keepSecrets: false,
  secretHeaders: DEFAULT_SECRET_HEADERS,
  secretQueryParams: new Set<string>(),
});
