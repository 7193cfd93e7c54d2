// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StoreProvider } from '../../store';
import { fakeControl, flush, testStore } from '../../store/test-helpers';
import { ListenersView } from './ListenersView';

const TEXT = `listeners:
  - { name: web, address: 127.0.0.1:8080 }   # main
  - { name: egress, address: 0.0.0.0:3128, mode: forward }
routes: []
`;

afterEach(cleanup);

async function setup() {
  const control = fakeControl({
    'listeners.list': () => [
      { name: 'web', mode: 'reverse', host: '127.0.0.1', port: 8080, url: 'http://127.0.0.1:8080', served: true, tls: null, http2: false },
      { name: 'egress', mode: 'forward', host: '0.0.0.0', port: 3128, url: 'http://0.0.0.0:3128', served: true, tls: null, http2: false },
    ],
    'config.validate': () => ({ valid: true, issues: [] }),
  });
  const store = testStore(control);
  store.setState({
    running: { text: TEXT, file: null, generation: 3 },
    draft: TEXT,
    workspaceStatus: 'ready',
    lastApply: {
      status: 'applied',
      issues: [],
      warnings: [],
      generation: 3,
      error: null,
      text: TEXT,
      at: 1,
    },
  });
  render(
    <StoreProvider store={store}>
      <ListenersView />
    </StoreProvider>,
  );
  await act(flush);
  return store;
}

describe('ListenersView', () => {
  it('lists listeners and a how-to for the forward one', async () => {
    await setup();
    expect(screen.getByTestId('listener-web').textContent).toContain('serving');
    expect(screen.getByTestId('listener-egress').textContent).toContain('serving');
    const howto = screen.getByTestId('howto-egress').textContent ?? '';
    expect(howto).toContain('curl -x http://127.0.0.1:3128');
    expect(howto).toContain('HTTPS_PROXY=http://127.0.0.1:3128');
    expect(screen.queryByTestId('howto-web')).toBeNull();
  });

  it('shows TLS state, a listener that is not bound, and where the CA certificate is', async () => {
    const control = fakeControl({
      'listeners.list': () => [
        { name: 'secure', mode: 'reverse', host: '127.0.0.1', port: 8443, url: 'https://127.0.0.1:8443', served: true, tls: 'local-ca', http2: true },
        { name: 'egress', mode: 'forward', host: '127.0.0.1', port: 3128, url: 'http://127.0.0.1:3128', served: false, tls: null, http2: false },
      ],
    });
    control.on('ca.info', () => ({ path: '/d/ca/ca.crt', exists: true, subject: null, notAfter: null, fingerprint256: null, installHelp: '' }));
    const store = testStore(control);
    store.setState({ running: { text: TEXT, file: null, generation: 1 }, draft: TEXT, workspaceStatus: 'ready' });
    render(
      <StoreProvider store={store}>
        <ListenersView />
      </StoreProvider>,
    );
    await act(flush);
    await act(flush);
    expect(screen.getByTestId('tls-secure').textContent).toBe('TLS (local CA) · HTTP/2');
    expect(screen.getByTestId('tls-egress').textContent).toBe('plain');
    expect(screen.getByTestId('listener-egress').textContent).toContain('not bound');
    const howto = screen.getByTestId('howto-egress').textContent ?? '';
    expect(howto).toContain('NODE_EXTRA_CA_CERTS=/d/ca/ca.crt');
    expect(screen.getByTestId('howto-ca-egress').textContent).toContain('/d/ca/ca.crt');
  });

  it('switching a mode edits the draft (comments kept) and asks to Apply', async () => {
    const store = await setup();
    expect(screen.queryByTestId('apply-hint')).toBeNull();
    fireEvent.click(screen.getByTestId('mode-web-forward'));
    const draft = store.getState().draft;
    expect(parse(draft).listeners[0].mode).toBe('forward');
    expect(draft).toContain('# main');
    expect(screen.getByTestId('apply-hint').textContent).toContain('"web" to forward');
    expect(store.getState().running?.text).toBe(TEXT);
  });
});
