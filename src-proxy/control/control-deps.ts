/** What control methods work on, and how a method is declared. */
import type { z } from 'zod';
import type { RecentExchanges } from '../capture/recent-exchanges.js';
import type { Engine } from '../engine.js';
import type { History } from '../history/history.js';
import type { WorkspaceSource } from './workspace-source.js';

export interface ControlDeps {
  engine: Engine;
  workspace: WorkspaceSource;
  /** Null when the workspace switches history off. */
  history: History | null;
  recent: RecentExchanges;
  info: { version: string; dataDir: string };
}

export interface MethodDef<A extends z.ZodType, R> {
  args: A;
  run(deps: ControlDeps, args: z.output<A>): R;
}

/** Declares a method with its argument schema (keeps `run`'s argument type inferred). */
export function method<A extends z.ZodType, R>(args: A, run: (deps: ControlDeps, args: z.output<A>) => R): MethodDef<A, R> {
  return { args, run };
}
