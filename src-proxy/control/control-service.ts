/**
 * The control service: one contract for everything the workbench can do,
 * served over Electron IPC and over the headless HTTP API alike. Each method
 * is declared once with the schema of its arguments; arguments arrive as
 * untrusted JSON and are checked here, for both transports. The renderer
 * derives its typed client from `ControlContract` (a type-only import).
 */
import { z } from 'zod';
import { SwitchyardError } from '../errors.js';
import { cacheMethods } from './cache-methods.js';
import { configMethods } from './config-methods.js';
import type { ControlDeps } from './control-deps.js';
import { historyMethods } from './history-methods.js';
import { exportMethods } from './export-methods.js';
import { replayMethods } from './replay-methods.js';
import { tlsMethods } from './tls-methods.js';

export type { ControlDeps } from './control-deps.js';

const methods = {
  ...configMethods,
  ...historyMethods,
  ...replayMethods,
  ...exportMethods,
  ...tlsMethods,
  ...cacheMethods,
};

type Methods = typeof methods;
export type ControlMethod = keyof Methods;
export const CONTROL_METHODS = Object.keys(methods) as ControlMethod[];

/** Argument and result types per method, for typed clients. */
export type ControlContract = {
  [K in ControlMethod]: {
    args: z.input<Methods[K]['args']>;
    result: Awaited<ReturnType<Methods[K]['run']>>;
  };
};

export class ControlService {
  constructor(private readonly deps: ControlDeps) {}

  async call(method: string, rawArgs: unknown): Promise<unknown> {
    if (!Object.hasOwn(methods, method)) throw new SwitchyardError('NOT_FOUND', `Unknown control method "${method}".`);
    const def = methods[method as ControlMethod];
    const parsed = def.args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
      throw new SwitchyardError('BAD_REQUEST', `Invalid arguments for ${method}: ${why}`);
    }
    return (def.run as (deps: ControlDeps, args: unknown) => unknown)(this.deps, parsed.data);
  }
}
