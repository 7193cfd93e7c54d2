/**
 * The control client for the exchange detail pane. The pane takes `control`
 * as a prop; views get it from here. Provide it once near the root:
 * `<ControlProvider control={workbench.connection?.control ?? null}>`.
 */
import { createContext, useContext } from 'react';
import type { ControlClient } from '../../client/contract';

export const ControlContext = createContext<ControlClient | null>(null);
export const ControlProvider = ControlContext.Provider;

export function useControl(): ControlClient | null {
  return useContext(ControlContext);
}
