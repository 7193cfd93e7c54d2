// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreProvider } from '../../store';
import { groupNotes } from '../../store/export/selectors';
import { fakeControl, testStore } from '../../store/test-helpers';
import type { ExportResult } from './render-export';
import { ExportView } from './ExportView';

// Monaco does not run in jsdom: the viewer shows the text it is given.
vi.mock('./ConfigViewer', () => ({
  ConfigViewer: ({ text, language }: { text: string; language: string }) => (
    <pre data-testid="export-text" data-language={language}>
      {text}
    </pre>
  ),
}));

afterEach(cleanup);

function result(target: ExportResult['target'], includeSecrets: boolean): ExportResult {
  return {
    target,
    text: `# ${target} secrets=${includeSecrets}\n`,
    fileName: target === 'nginx' ? 'nginx.conf' : `${target}.yaml`,
    notes: [
      { fidelity: 'exact', subject: 'route ping', detail: 'return 200' },
      { fidelity: 'unsupported', subject: 'route users: policy free-plan', detail: 'rate limit by consumer' },
      { fidelity: 'approximated', subject: 'upstream users: balancer p2c', detail: 'least_conn' },
      { fidelity: 'unsupported', subject: 'policy api-keys', detail: 'no API keys' },
    ],
  };
}

function setup() {
  const control = fakeControl();
  control.on('export.render', (args) => result(args.target as ExportResult['target'], args.includeSecrets as boolean));
  const store = testStore(control);
  render(
    <StoreProvider store={store}>
      <ExportView />
    </StoreProvider>,
  );
  return { control, store };
}

describe('ExportView', () => {
  it('renders the chosen target with its notes grouped by fidelity, worst first', async () => {
    const { control } = setup();
    expect((await screen.findByTestId('export-text')).textContent).toBe('# nginx secrets=false\n');
    expect(screen.getByTestId('export-text').dataset.language).toBe('plaintext');
    expect(control.calls[0]).toEqual({ method: 'export.render', args: { target: 'nginx', includeSecrets: false } });
    const headings = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(headings).toEqual(['Not translated 2', 'Approximated 1', 'Exact 1']);
    expect(screen.getByTestId('notes-unsupported').textContent).toContain('rate limit by consumer');

    fireEvent.click(screen.getByTestId('export-target-envoy'));
    await waitFor(() => expect(screen.getByTestId('export-text').textContent).toBe('# envoy secrets=false\n'));
    expect(screen.getByTestId('export-text').dataset.language).toBe('yaml');
    fireEvent.click(screen.getByTestId('export-secrets'));
    await waitFor(() => expect(screen.getByTestId('export-text').textContent).toBe('# envoy secrets=true\n'));
    expect(control.calls.at(-1)?.args).toEqual({ target: 'envoy', includeSecrets: true });
  });

  it('saves the text under the suggested file name', async () => {
    const createObjectURL = vi.fn((blob: Blob) => (void blob, 'blob:x'));
    Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
    let downloaded = '';
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloaded = this.download;
    });
    setup();
    await screen.findByTestId('export-text');
    fireEvent.click(screen.getByTestId('export-save'));
    expect(downloaded).toBe('nginx.conf');
    expect(await (createObjectURL.mock.calls[0][0] as Blob).text()).toBe('# nginx secrets=false\n');
    click.mockRestore();
  });

  it('shows why an export failed', async () => {
    const control = fakeControl();
    control.on('export.render', () => {
      throw new Error('workspace has no routes');
    });
    render(
      <StoreProvider store={testStore(control)}>
        <ExportView />
      </StoreProvider>,
    );
    expect((await screen.findByTestId('export-error')).textContent).toBe('workspace has no routes');
    expect((screen.getByTestId('export-save') as HTMLButtonElement).disabled).toBe(true);
  });

  it('groups notes and leaves out empty groups', () => {
    expect(groupNotes([{ fidelity: 'exact', subject: 'a', detail: '' }]).map((g) => g.fidelity)).toEqual(['exact']);
    expect(groupNotes([])).toEqual([]);
  });
});
