// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetStatus } from '../../client/contract';
import { StoreProvider } from '../../store';
import { fakeControl, flush, testStore } from '../../store/test-helpers';
import { targetStatus } from '../../store/upstreams/test-fixtures';
import { UpstreamsView } from './UpstreamsView';

const A: TargetStatus = targetStatus({ inflight: 1, requests: 40, failures: 2 });

afterEach(cleanup);

async function setup(targets: TargetStatus[]) {
  let current = targets;
  const control = fakeControl({
    'upstreams.status': () => ({ pool: current }),
    'upstreams.setDrained': (args) => {
      current = current.map((t) => (t.id === args.target ? { ...t, drained: Boolean(args.drained), available: !args.drained } : t));
      return { ok: true };
    },
  });
  const store = testStore(control);
  render(
    <StoreProvider store={store}>
      <UpstreamsView />
    </StoreProvider>,
  );
  await act(flush);
  return { control, store };
}

describe('UpstreamsView', () => {
  it('shows each target with its counts and error rate', async () => {
    await setup([A]);
    const row = screen.getByTestId('target-row');
    expect(row.textContent).toContain('http://127.0.0.1:9001');
    expect(row.textContent).toContain('5.0%');
    expect(screen.getByTestId('upstream-pool').textContent).toContain('1 of 1 target available');
  });

  it('confirms before draining the last available target, and drains on yes', async () => {
    const { control } = await setup([A]);
    fireEvent.click(screen.getByTestId('target-drain'));
    expect(screen.getByTestId('drain-confirm')).toBeTruthy();
    expect(control.calls.some((c) => c.method === 'upstreams.setDrained')).toBe(false);
    fireEvent.click(screen.getByTestId('drain-confirm-yes'));
    await act(flush);
    expect(control.calls.find((c) => c.method === 'upstreams.setDrained')?.args).toEqual({ upstream: 'pool', target: A.id, drained: true });
    expect(screen.getByTestId('target-enable')).toBeTruthy();
    fireEvent.click(screen.getByTestId('target-enable'));
    await act(flush);
    expect(control.calls.filter((c) => c.method === 'upstreams.setDrained').at(-1)?.args).toMatchObject({ drained: false });
  });

  it('cancelling the confirmation changes nothing', async () => {
    const { control } = await setup([A]);
    fireEvent.click(screen.getByTestId('target-drain'));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByTestId('drain-confirm')).toBeNull();
    expect(control.calls.some((c) => c.method === 'upstreams.setDrained')).toBe(false);
  });

  it('drains without asking while another target is available', async () => {
    const { control } = await setup([A, { ...A, id: 'pool/http://127.0.0.1:9002', url: 'http://127.0.0.1:9002' }]);
    fireEvent.click(screen.getAllByTestId('target-drain')[0]);
    await act(flush);
    expect(screen.queryByTestId('drain-confirm')).toBeNull();
    expect(control.calls.some((c) => c.method === 'upstreams.setDrained')).toBe(true);
  });
});
