// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentColorScheme, THEME_KEY } from '../../app/theme';
import { RpcError } from '../../client/types';
import { StoreProvider } from '../../store';
import { fakeControl, testStore, type FakeControl } from '../../store/test-helpers';
import { SettingsView } from './SettingsView';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const CA = {
  path: '/data/ca/ca.crt',
  exists: true,
  subject: 'CN=Switchyard Local CA',
  notAfter: '2036-11-23T00:00:00.000Z',
  fingerprint256: 'AB:CD',
  installHelp: 'sudo cp /data/ca/ca.crt /usr/local/share/ca-certificates/ && sudo update-ca-certificates',
};

function setup(control: FakeControl) {
  control.on('app.info', () => ({ name: 'Switchyard', version: '0.1.0', dataDir: '/data', node: '20.20.0' }));
  control.on('history.stats', () => ({
    writer: { droppedRecords: 0, failedRecords: 0, droppedBodies: 3, lastError: null },
    store: { rows: 12, bytes: 2048, fileSize: 4096 },
  }));
  render(
    <StoreProvider store={testStore(control)}>
      <SettingsView />
    </StoreProvider>,
  );
}

describe('SettingsView', () => {
  it('shows app info, history stats and the local CA', async () => {
    const control = fakeControl();
    control.on('ca.info', () => CA);
    setup(control);
    expect((await screen.findByTestId('app-data-dir')).textContent).toBe('/data');
    expect(screen.getByTestId('app-version').textContent).toBe('0.1.0');
    expect((await screen.findByTestId('settings-history-stats')).textContent).toBe('12 exchanges stored · 2.0 KB (file 4.0 KB) · 3 stored without bodies');
    expect((await screen.findByTestId('ca-path')).textContent).toContain('/data/ca/ca.crt');
    expect(screen.getByTestId('ca-help').textContent).toContain('update-ca-certificates');
    // The long install help starts collapsed, inside a details/summary.
    const trust = screen.getByTestId('ca-trust') as HTMLDetailsElement;
    expect(trust.tagName).toBe('DETAILS');
    expect(trust.open).toBe(false);
    expect(trust.contains(screen.getByTestId('ca-help'))).toBe(true);
  });

  it('says "not available" when the host has no ca.info', async () => {
    const control = fakeControl();
    control.on('ca.info', () => {
      throw new RpcError('Unknown control method "ca.info".', { code: 'NOT_FOUND', status: 404 });
    });
    setup(control);
    expect((await screen.findByTestId('ca-unavailable')).textContent).toMatch(/Not available/);
  });

  it('keeps the theme choice in localStorage and applies it to <html>', async () => {
    setup(fakeControl());
    await screen.findByTestId('app-version');
    fireEvent.click(screen.getByTestId('theme-dark'));
    expect(localStorage.getItem(THEME_KEY)).toBe('dark');
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(screen.getByTestId('theme-current').textContent).toMatch(/^Showing the dark theme\./);
    fireEvent.click(screen.getByTestId('theme-light'));
    expect(document.documentElement.dataset.theme).toBe('light');
    fireEvent.click(screen.getByTestId('theme-system'));
    expect(localStorage.getItem(THEME_KEY)).toBeNull();
    // jsdom has no matchMedia: following the system means light.
    expect(currentColorScheme()).toBe('light');
    expect((screen.getByTestId('theme-system') as HTMLInputElement).checked).toBe(true);
  });
});
