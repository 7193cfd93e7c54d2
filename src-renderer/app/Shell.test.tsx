// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreProvider } from '../store';
import { testStore } from '../store/test-helpers';
import { Shell } from './Shell';

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

function renderShell() {
  const store = testStore(null);
  render(
    <StoreProvider store={store}>
      <Shell />
    </StoreProvider>,
  );
  return store;
}

describe('Shell', () => {
  it('shows every view in the navigation and switches on click', async () => {
    const store = renderShell();
    expect(screen.getAllByRole('link')).toHaveLength(9);
    fireEvent.click(screen.getByTestId('nav-history'));
    expect(store.getState().activeView).toBe('history');
    // The view is a lazy chunk; its first import is slow under a cold transform cache.
    expect((await screen.findByTestId('view-history', {}, { timeout: 15_000 })).textContent).toContain('Every stored exchange');
    expect(window.location.hash).toBe('#/history');
  });

  it('switches views with Ctrl+digit and Alt+digit', async () => {
    const store = renderShell();
    fireEvent.keyDown(window, { key: '5', code: 'Digit5', ctrlKey: true });
    expect(store.getState().activeView).toBe('history');
    fireEvent.keyDown(window, { key: '9', code: 'Digit9', altKey: true });
    expect(store.getState().activeView).toBe('settings');
    expect(await screen.findByTestId('view-settings')).toBeTruthy();
  });

  it('follows the URL hash', async () => {
    const store = renderShell();
    act(() => {
      window.location.hash = '#/export';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(store.getState().activeView).toBe('export');
  });

  it('opens the shortcut help on ? and closes it on Escape', () => {
    renderShell();
    fireEvent.keyDown(window, { key: '?', shiftKey: true });
    const help = screen.getByTestId('help-overlay');
    expect(help.textContent).toContain('Go to Designer');
    expect(help.textContent).toContain('Validate, then apply when valid');
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('help-overlay')).toBeNull();
  });

  it('shows the stream state and running generation in the status bar', () => {
    const store = renderShell();
    act(() => {
      store.setState({ stream: { state: 'open', attempt: 0, retryAt: null, reason: null }, running: { text: '', file: null, generation: 4 } });
    });
    expect(screen.getByTestId('stream-state').textContent).toContain('Live');
    expect(screen.getByTestId('running-generation').textContent).toContain('generation 4');
  });
});
