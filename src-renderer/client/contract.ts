/**
 * The control contract as the renderer sees it: every control method, its
 * arguments and its result, typed in ONE place — the engine's own
 * `ControlContract` (src-proxy/control/control-service.ts), derived there from
 * each method's zod schema and implementation. Views call
 * `control.call('config.apply', { text })` and get a typed result back; a
 * method added to the engine is callable here with no renderer change.
 *
 * Only *types* come from src-proxy (erased at build time; the build guard
 * fails on anything else).
 */
import type { ConfigIssue } from '../../src-proxy/config/issues';
import type { ControlContract, ControlMethod } from '../../src-proxy/control/control-service';
import type { ApplyOutcome } from '../../src-proxy/control/workspace-source';
import type { ListenerInfo } from '../../src-proxy/engine';
import type { TargetStatus } from '../../src-proxy/upstream/upstream';
import type { WorkbenchClient } from './types';

export type { ApplyOutcome, ConfigIssue, ControlContract, ControlMethod, ListenerInfo, TargetStatus };

export type ArgsOf<M extends ControlMethod> = ControlContract[M]['args'];
export type ResultOf<M extends ControlMethod> = ControlContract[M]['result'];

// Named results the workbench uses often.
export type AppInfo = ResultOf<'app.info'>;
export type RunningConfig = ResultOf<'config.get'>;
export type ValidateResult = ResultOf<'config.validate'>;
export type UpstreamStatusMap = ResultOf<'upstreams.status'>;

/** Methods whose arguments are all optional may be called without the second parameter. */
type ArgsParam<M extends ControlMethod> = Record<string, never> extends ArgsOf<M> ? [args?: ArgsOf<M>] : [args: ArgsOf<M>];

export interface ControlClient {
  call<M extends ControlMethod>(method: M, ...args: ArgsParam<M>): Promise<ResultOf<M>>;
}

/** The typed face of a transport. The transport itself stays untyped (it only moves JSON). */
export function controlClient(transport: WorkbenchClient): ControlClient {
  return {
    call(method, ...args) {
      return transport.call(method, args[0] ?? {}) as Promise<never>;
    },
  };
}
