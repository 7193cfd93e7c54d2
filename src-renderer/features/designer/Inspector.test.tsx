// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StoreProvider } from '../../store';
import type { DesignerSelection } from '../../store/designer/state';
import { testStore } from '../../store/test-helpers';
import { Inspector } from './Inspector';
import { readWorkspace } from './model';

const TEXT = `version: 1 # the format
listeners:
  - { name: web, address: 127.0.0.1:8080 }
routes:
  - name: orders   # orders API
    match: { path: /orders }
    upstream: orders
upstreams:
  orders:
    balancer: round-robin
    targets:
      - { url: http://127.0.0.1:9001 }
policies:
  keys: { type: api-key, keys: {} }
`;

afterEach(cleanup);

function setup(selection: DesignerSelection) {
  const store = testStore(null);
  store.setState({ draft: TEXT, designerSelection: selection });
  const read = readWorkspace(TEXT);
  if (!read.ok) throw new Error(read.error);
  render(
    <StoreProvider store={store}>
      <Inspector model={read.model} selection={selection} />
    </StoreProvider>,
  );
  return store;
}

describe('Inspector forms write the draft YAML', () => {
  it('edits a route: path, methods and a policy reference', () => {
    const store = setup({ kind: 'route', index: 0 });
    fireEvent.change(screen.getByTestId('route-path'), { target: { value: '/v2/orders' } });
    fireEvent.click(screen.getByRole('button', { name: 'POST' }));
    fireEvent.change(screen.getByTestId('route-add-policy'), { target: { value: 'keys' } });
    fireEvent.click(screen.getByTestId('route-save'));
    const draft = store.getState().draft;
    expect(parse(draft).routes[0]).toEqual({ name: 'orders', match: { path: '/v2/orders', methods: ['POST'] }, policies: ['keys'], upstream: 'orders' });
    expect(draft).toContain('# orders API');
    expect(draft).toContain('version: 1 # the format');
    expect(store.getState().designerSelection).toEqual({ kind: 'route', index: 0 });
  });

  it('adds a route and selects it', () => {
    const store = setup({ kind: 'new-route' });
    fireEvent.change(screen.getByTestId('route-name'), { target: { value: 'health' } });
    fireEvent.change(screen.getByTestId('route-path'), { target: { value: '/health' } });
    fireEvent.click(screen.getByTestId('route-save'));
    expect(parse(store.getState().draft).routes[1]).toMatchObject({ name: 'health', match: { path: '/health' }, upstream: 'orders' });
    expect(store.getState().designerSelection).toEqual({ kind: 'route', index: 1 });
  });

  it('refuses a duplicate name without touching the draft', () => {
    const store = setup({ kind: 'new-route' });
    fireEvent.change(screen.getByTestId('route-name'), { target: { value: 'orders' } });
    fireEvent.click(screen.getByTestId('route-save'));
    expect(screen.getByRole('alert').textContent).toContain('already a route called "orders"');
    expect(store.getState().draft).toBe(TEXT);
  });

  it('edits a target weight and backup flag', () => {
    const store = setup({ kind: 'target', upstream: 'orders', index: 0 });
    fireEvent.change(screen.getByTestId('target-weight'), { target: { value: '4' } });
    fireEvent.click(screen.getByTestId('target-backup'));
    fireEvent.click(screen.getByTestId('target-save'));
    expect(parse(store.getState().draft).upstreams.orders.targets[0]).toEqual({ url: 'http://127.0.0.1:9001', weight: 4, backup: true });
  });

  it('renames an upstream and the routes that use it', () => {
    const store = setup({ kind: 'upstream', name: 'orders' });
    fireEvent.change(screen.getByTestId('upstream-name'), { target: { value: 'orders-v2' } });
    fireEvent.change(screen.getByTestId('upstream-balancer'), { target: { value: 'p2c' } });
    fireEvent.click(screen.getByTestId('upstream-save'));
    const data = parse(store.getState().draft);
    expect(data.upstreams['orders-v2'].balancer).toBe('p2c');
    expect(data.routes[0].upstream).toBe('orders-v2');
    expect(store.getState().designerSelection).toEqual({ kind: 'upstream', name: 'orders-v2' });
  });

  it('will not remove an upstream that routes still use', () => {
    setup({ kind: 'upstream', name: 'orders' });
    expect((screen.getByTestId('upstream-delete') as HTMLButtonElement).disabled).toBe(true);
  });
});
