/**
 * The control service: one contract for everything the workbench can do,
 * served over Electron IPC and over the headless HTTP API alike. Arguments
 * arrive as untrusted JSON and are checked here, once, for both transports.
 */
import { z } from 'zod';
import type { Engine } from '../engine.js';
import { SwitchyardError } from '../errors.js';
import type { WorkspaceSource } from './workspace-source.js';

const schemas = {
  'app.info': z.strictObject({}),
  'config.get': z.strictObject({}),
  'config.validate': z.strictObject({ text: z.string() }),
  'config.apply': z.strictObject({ text: z.string() }),
  'listeners.list': z.strictObject({}),
  'upstreams.status': z.strictObject({}),
  'upstreams.setDrained': z.strictObject({ upstream: z.string(), target: z.string(), drained: z.boolean() }),
} as const;

export type ControlMethod = keyof typeof schemas;
export const CONTROL_METHODS = Object.keys(schemas) as ControlMethod[];

export class ControlService {
  constructor(
    private readonly engine: Engine,
    private readonly workspace: WorkspaceSource,
    private readonly info: { version: string; dataDir: string },
  ) {}

  async call(method: string, rawArgs: unknown): Promise<unknown> {
    if (!(method in schemas)) throw new SwitchyardError('NOT_FOUND', `Unknown control method "${method}".`);
    const parsed = schemas[method as ControlMethod].safeParse(rawArgs ?? {});
    if (!parsed.success) {
      throw new SwitchyardError('BAD_REQUEST', `Invalid arguments for ${method}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'} ${i.message}`).join('; ')}`);
    }
    const args = parsed.data as Record<string, unknown>;
    switch (method as ControlMethod) {
      case 'app.info':
        return { name: 'Switchyard', version: this.info.version, dataDir: this.info.dataDir, node: process.versions.node };
      case 'config.get':
        return { text: this.workspace.text, file: this.workspace.file, generation: this.engine.current().generation };
      case 'config.validate': {
        const issues = this.workspace.validate(args.text as string);
        return { valid: !issues.some((i) => i.severity === 'error'), issues };
      }
      case 'config.apply':
        return this.workspace.apply(args.text as string);
      case 'listeners.list':
        return this.engine.listeners();
      case 'upstreams.status':
        return this.engine.upstreamStatus();
      case 'upstreams.setDrained': {
        const ok = this.engine.setDrained(args.upstream as string, args.target as string, args.drained as boolean);
        if (!ok) throw new SwitchyardError('NOT_FOUND', `No target "${String(args.target)}" in upstream "${String(args.upstream)}".`);
        return { ok };
      }
    }
  }
}
