import { Component, lazy, Suspense, type ComponentType, type ErrorInfo, type LazyExoticComponent, type ReactNode } from 'react';
import { useAppStore } from '../store';
import { selectActiveView } from '../store/ui/selectors';
import { VIEWS, type ViewId } from './views';

const lazyViews = new Map<ViewId, LazyExoticComponent<ComponentType>>(VIEWS.map((v) => [v.id, lazy(v.load)]));

export function ViewOutlet() {
  const active = useAppStore(selectActiveView);
  const View = lazyViews.get(active)!;
  return (
    <ViewErrorBoundary key={active}>
      <Suspense fallback={<p className="view-loading muted">Loading…</p>}>
        <View />
      </Suspense>
    </ViewErrorBoundary>
  );
}

class ViewErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error('view crashed', error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="view-crash" role="alert">
          <h2>This view failed</h2>
          <pre>{this.state.error.message}</pre>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      );
    }
    return this.props.children;
  }
}
