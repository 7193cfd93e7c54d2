import { useEffect } from 'react';
import type { Workbench } from './app/bootstrap';
import { Shell } from './app/Shell';
import { ControlProvider } from './shared/exchange-detail/control-context';
import { StoreProvider, useAppStore } from './store';
import { selectConnectError, selectMode } from './store/connection/selectors';

export function App({ workbench }: { workbench: Workbench }) {
  useEffect(() => workbench.start(), [workbench]);
  return (
    <StoreProvider store={workbench.store}>
      {/* Views that call the engine directly (the exchange detail pane) take the client from context. */}
      <ControlProvider value={workbench.connection?.control ?? null}>
        <ConnectionGate />
      </ControlProvider>
    </StoreProvider>
  );
}

function ConnectionGate() {
  const mode = useAppStore(selectMode);
  const error = useAppStore(selectConnectError);
  if (!mode && error) {
    return (
      <div className="connect-error" role="alert" data-testid="status-error">
        <h1>Switchyard</h1>
        <p>
          <code>{error.code}</code> {error.message}
        </p>
      </div>
    );
  }
  return <Shell />;
}
