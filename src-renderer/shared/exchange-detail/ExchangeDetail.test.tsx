// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeControl } from '../../store/test-helpers';
import { describeDiff, type ExchangeDiff } from './diff-lines';
import { parseHeaderText } from './EditForm';
import { ExchangeDetail, type WireExchange } from './ExchangeDetail';

afterEach(cleanup);

const b64 = (s: string) => btoa(s);

function exchange(over: Partial<WireExchange> = {}): WireExchange {
  return {
    id: 'ex1',
    requestId: 'rid-1',
    startedAt: Date.UTC(2026, 10, 23, 1, 0, 0),
    duration: 100,
    timings: { queue: 10, connect: 20, ttfb: 50, total: 100 },
    clientAddress: '127.0.0.1',
    clientPort: 50000,
    listener: 'web',
    scheme: 'http',
    httpVersion: '1.1',
    method: 'POST',
    host: 'api.localhost',
    url: '/orders?x=1',
    route: 'orders',
    upstream: 'orders',
    target: 'http://127.0.0.1:9001',
    attempts: 1,
    status: 201,
    requestHeaders: ['Content-Type', 'application/json', 'X-Trace', 'a', 'X-Trace', 'b'],
    responseHeaders: ['content-type', 'application/json', 'x-served-by', 'one'],
    requestBody: { base64: b64('{"qty":2}'), size: 9, truncated: false, contentType: 'application/json' },
    responseBody: { base64: b64('{"id":7,"items":[{"sku":"a"}]}'), size: 5000, truncated: true, contentType: 'application/json' },
    policies: [{ policy: 'cache', outcome: 'MISS' }],
    error: null,
    aborted: false,
    websocket: null,
    replayOf: null,
    source: 'live',
    ...over,
  } as WireExchange;
}

function setup(x: WireExchange = exchange()) {
  const control = fakeControl({
    'history.get': () => x,
    'replay.send': () => ({ id: 'ex2', status: 201, statusText: 'Created' }),
    'exchange.curl': () => ({ command: "curl -X POST 'http://api.localhost/orders?x=1'" }),
  });
  const onReplayed = vi.fn();
  render(<ExchangeDetail id="ex1" control={control} compareCandidates={[{ id: 'ex0', label: 'GET /orders' }]} onReplayed={onReplayed} />);
  return { control, onReplayed };
}

describe('ExchangeDetail', () => {
  it('loads the exchange and shows headers (raw pairs), bodies and the truncation notice', async () => {
    const { control } = setup();
    await screen.findByTestId('response-headers');
    expect(control.calls[0]).toEqual({ method: 'history.get', args: { id: 'ex1' } });
    expect(screen.getByTestId('response-headers').textContent).toContain('x-served-by');
    const body = screen.getByTestId('response-body');
    expect(body.dataset.kind).toBe('json');
    expect(body.textContent).toContain('Truncated');
    expect(body.textContent).toContain('4.9 KB');
    // Collapsible tree: "items" is open at depth 1, its objects closed at depth 2.
    expect(body.textContent).toContain('1 key');
    expect(body.textContent).not.toContain('sku');
    const closed = [...body.querySelectorAll('button.json-toggle')].find((b) => b.getAttribute('aria-expanded') === 'false')!;
    fireEvent.click(closed);
    expect(body.textContent).toContain('sku: "a"');
    fireEvent.click(screen.getByRole('button', { name: 'pretty' }));
    expect(body.querySelector('pre')!.textContent).toContain('"id": 7');

    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    const rows = [...screen.getByTestId('request-headers').querySelectorAll('tr')].map((r) => r.textContent);
    expect(rows).toEqual(['Content-Typeapplication/json', 'X-Tracea', 'X-Traceb']);

    fireEvent.click(screen.getByRole('tab', { name: 'Timing' }));
    expect(screen.getByTestId('detail-timing').textContent).toContain('ttfb');
    expect(screen.getByTestId('detail-policies').textContent).toContain('MISS');
    expect(screen.queryByRole('tab', { name: 'Websocket' })).toBeNull();
  });

  it('shows a content-encoded body decoded, with the wire bytes one click away, and says why one does not decode', async () => {
    const wire = '\x1f\x8b\x08\x00\x00\x00\x00\x00';
    setup(
      exchange({
        responseHeaders: ['content-type', 'application/json', 'content-encoding', 'gzip'],
        responseBody: { base64: b64(wire), size: 8, truncated: false, contentType: 'application/json', decoded: { codings: ['gzip'], base64: b64('{"ok":true}'), size: 11, cut: false } },
        requestBody: { base64: b64('plain'), size: 5, truncated: false, contentType: 'text/plain', decoded: { codings: ['br'], error: 'the bytes are not valid br' } },
      }),
    );
    const body = await screen.findByTestId('response-body');
    expect(body.dataset.kind).toBe('json');
    expect(body.textContent).toContain('11 B decoded from gzip (8 B on the wire)');
    expect(body.textContent).toContain('ok: true');
    fireEvent.click(screen.getByTestId('body-wire-toggle'));
    expect(body.dataset.kind).toBe('binary');
    expect(body.querySelector('.body-hex')!.textContent).toContain('1f 8b 08');
    expect(screen.getByTestId('body-wire-toggle').textContent).toBe('Show decoded');

    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    expect(screen.getByTestId('body-coding-error').textContent).toBe('Content-Encoding br: not decoded, the bytes are not valid br. Shown as it came.');
    expect(screen.getByTestId('request-body').textContent).toContain('plain');
  });

  it('shows a stored body that decodes to nothing as empty, with its wire bytes one click away (not as "not stored")', async () => {
    const emptyGzip = '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00';
    setup(
      exchange({
        responseHeaders: ['content-type', 'application/json', 'content-encoding', 'gzip'],
        responseBody: { base64: b64(emptyGzip), size: 20, truncated: false, contentType: 'application/json', decoded: { codings: ['gzip'], base64: '', size: 0, cut: false } },
      }),
    );
    const body = await screen.findByTestId('response-body');
    expect(body.textContent).toContain('0 B decoded from gzip (20 B on the wire)');
    expect(body.textContent).toContain('Empty: it decodes to no bytes.');
    expect(body.textContent).not.toContain('not stored');
    fireEvent.click(screen.getByTestId('body-wire-toggle'));
    expect(body.dataset.kind).toBe('binary');
    expect(body.querySelector('.body-hex')!.textContent).toContain('1f 8b 08');
  });

  it('shows the client TLS connection and whether the forward proxy intercepted it', async () => {
    setup(exchange({ scheme: 'https', tls: { version: 'TLSv1.3', sni: 'api.example.test', alpn: 'h2' }, intercepted: true }));
    expect((await screen.findByTestId('detail-tls')).textContent).toBe('TLSv1.3 · h2 · SNI api.example.test');
    expect(screen.getByText('intercepted (decrypted by the forward proxy)')).toBeTruthy();
    cleanup();
    setup();
    await screen.findByTestId('response-headers');
    expect(screen.queryByTestId('detail-tls')).toBeNull();
  });

  it('replays, copies as curl, and resends an edited request', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { control, onReplayed } = setup();
    await screen.findByTestId('response-body');

    fireEvent.click(screen.getByRole('button', { name: 'Replay' }));
    await screen.findByText(/Replayed: 201 Created/);
    expect(control.calls.at(-1)).toEqual({ method: 'replay.send', args: { id: 'ex1' } });
    expect(onReplayed).toHaveBeenCalledWith('ex2');

    fireEvent.click(screen.getByRole('button', { name: 'Copy as curl' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("curl -X POST 'http://api.localhost/orders?x=1'"));

    fireEvent.click(screen.getByRole('button', { name: 'Edit & resend' }));
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'put' } });
    fireEvent.change(screen.getByLabelText('Path'), { target: { value: '/orders/7' } });
    fireEvent.change(screen.getByLabelText('Headers'), { target: { value: 'Content-Type: application/json\nX-New: 1' } });
    fireEvent.change(screen.getByLabelText('Body'), { target: { value: '{"qty":3}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await screen.findByText(/Resent: 201/);
    expect(control.calls.at(-1)).toEqual({
      method: 'replay.send',
      args: {
        id: 'ex1',
        edit: {
          method: 'PUT',
          url: '/orders/7',
          headers: { set: { 'Content-Type': ['application/json'], 'X-New': ['1'] }, remove: ['x-trace'] },
          body: { text: '{"qty":3}' },
        },
      },
    });
  });

  it('edits a compressed request body as its decoded text, and sends an edited one without Content-Encoding', async () => {
    const { control } = setup(
      exchange({
        requestHeaders: ['Content-Type', 'application/json', 'Content-Encoding', 'gzip'],
        requestBody: { base64: b64('\x1f\x8b\x08'), size: 29, truncated: false, contentType: 'application/json', decoded: { codings: ['gzip'], base64: b64('{"qty":2}'), size: 9, cut: false } },
      }),
    );
    await screen.findByTestId('response-body');
    fireEvent.click(screen.getByRole('button', { name: 'Edit & resend' }));
    const body = screen.getByLabelText(/^Body \(decoded from gzip; an edited body is sent as plain text, without Content-Encoding\)/) as HTMLTextAreaElement;
    expect(body.value).toBe('{"qty":2}');
    // Unchanged: the original (compressed) bytes go out with their header.
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await screen.findByText(/Resent: 201/);
    expect((control.calls.at(-1)!.args as { edit: object }).edit).toEqual({
      method: 'POST',
      url: '/orders?x=1',
      headers: { set: { 'Content-Type': ['application/json'], 'Content-Encoding': ['gzip'] } },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Edit & resend' }));
    fireEvent.change(screen.getByLabelText(/^Body/), { target: { value: '{"qty":5}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await waitFor(() => expect((control.calls.at(-1)!.args as { edit: { body?: object } }).edit.body).toEqual({ text: '{"qty":5}' }));
    expect((control.calls.at(-1)!.args as { edit: object }).edit).toMatchObject({
      headers: { set: { 'Content-Type': ['application/json'] }, remove: ['content-encoding'] },
    });
  });

  it('compares with another exchange and lists the changes', async () => {
    const { control } = setup();
    const diff = {
      a: 'ex1',
      b: 'ex0',
      same: false,
      status: { same: false, a: 201, b: 500 },
      request: {
        method: { same: true, a: 'POST', b: 'POST' },
        url: { same: true, a: '/orders', b: '/orders' },
        host: { same: true, a: 'h', b: 'h' },
        headers: { same: true, added: [], removed: [], changed: [], unchanged: 2 },
        body: { same: true, kind: 'none', a: { size: 0, kept: 0, contentType: null, truncated: false }, b: { size: 0, kept: 0, contentType: null, truncated: false }, partial: false },
      },
      response: {
        headers: { same: false, added: [{ name: 'retry-after', values: ['5'] }], removed: [], changed: [], unchanged: 1 },
        body: {
          same: false,
          kind: 'json',
          bytesEqual: false,
          changes: [{ path: '$.id', kind: 'changed', a: 7, b: 8 }],
          truncated: false,
          a: { size: 10, kept: 10, contentType: 'application/json', truncated: false },
          b: { size: 10, kept: 10, contentType: 'application/json', truncated: false },
          partial: false,
        },
      },
      routing: { route: { same: true, a: 'r', b: 'r' }, upstream: { same: true, a: 'u', b: 'u' }, target: { same: false, a: 't1', b: 't2' } },
      error: { same: true, a: null, b: null },
      websocket: null,
      timing: { queue: { a: 1, b: 1, delta: 0 }, connect: { a: 0, b: 0, delta: 0 }, ttfb: { a: 5, b: 9, delta: 4 }, total: { a: 10, b: 20, delta: 10 } },
      size: { request: { a: 0, b: 0, delta: 0 }, response: { a: 10, b: 10, delta: 0 } },
    } as ExchangeDiff;
    control.on('diff.exchanges', () => diff);
    await screen.findByTestId('response-body');
    fireEvent.change(screen.getByLabelText('Compare with'), { target: { value: 'ex0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Compare' }));
    const list = await screen.findByTestId('diff-list');
    expect(control.calls.at(-1)).toEqual({ method: 'diff.exchanges', args: { a: 'ex1', b: 'ex0' } });
    expect(list.textContent).toContain('201 → 500');
    expect(list.textContent).toContain('+ retry-after: 5');
    expect(list.textContent).toContain('$.id: 7 → 8');
    expect(list.textContent).toContain('target: t1 → t2');
    expect(describeDiff(diff).filter((l) => l.section === 'Timing')).toHaveLength(4);
    const sessions = describeDiff({ ...diff, websocket: { same: false, a: 3, b: 2, firstDifference: 2, difference: 'missing', partial: false } });
    expect(sessions).toContainEqual({ section: 'WebSocket', kind: 'changed', text: '3 → 2 messages, first difference at message 3: b has no such message' });
    const bytes = describeDiff({ ...diff, websocket: { same: false, a: 2, b: 2, firstDifference: 0, difference: 'bytes', partial: true } });
    expect(bytes).toContainEqual({ section: 'WebSocket', kind: 'changed', text: '2 → 2 messages, first difference at message 1: its bytes differ' });
    expect(bytes).toContainEqual({ section: 'WebSocket', kind: 'info', text: 'messages cut at the capture cap: only their kept bytes were compared' });
  });

  it('shows images, hex for binary, websocket messages and the error', async () => {
    setup(
      exchange({
        status: 502,
        error: { code: 'UPSTREAM_RESET', message: 'socket hang up' },
        responseBody: { base64: b64('\x89PNG'), size: 4, truncated: false, contentType: 'image/png' },
        requestBody: { base64: b64('\x00\x01\x02abc'), size: 6, truncated: false, contentType: 'application/octet-stream' },
        websocket: [
          { time: 0, direction: 'client', opcode: 'text', base64: b64('hi'), size: 2, truncated: false },
          { time: 1, direction: 'upstream', opcode: 'text', base64: b64('hello from deflate'), size: 9, truncated: false, inflated: true },
          { time: 2, direction: 'upstream', opcode: 'text', base64: '', size: 9, truncated: false, compressed: true },
        ],
      }),
    );
    await screen.findByTestId('response-body');
    expect(screen.getByTestId('detail-exchange-error').textContent).toContain('UPSTREAM_RESET');
    expect(screen.getByRole('img').getAttribute('src')).toBe(`data:image/png;base64,${b64('\x89PNG')}`);
    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    expect(screen.getByTestId('request-body').textContent).toContain('00000000  00 01 02 61 62 63');
    fireEvent.click(screen.getByRole('tab', { name: 'Websocket' }));
    const ws = screen.getByTestId('detail-websocket');
    expect(ws.textContent).toContain('hi');
    expect(ws.textContent).toContain('9 B (deflate, shown decoded)hello from deflate');
    expect(ws.textContent).toContain('(compressed, not decoded)');
  });

  it('reports a load failure', async () => {
    const control = fakeControl({
      'history.get': () => {
        throw new Error('No exchange ex1');
      },
    });
    render(<ExchangeDetail id="ex1" control={control} />);
    expect((await screen.findByRole('alert')).textContent).toContain('No exchange ex1');
  });

  it('retries while the exchange is not in history yet', async () => {
    let calls = 0;
    const control = fakeControl({
      'history.get': () => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('No exchange'), { code: 'NOT_FOUND' });
        return exchange();
      },
    });
    render(<ExchangeDetail id="ex1" control={control} retryMs={5} />);
    await screen.findByTestId('response-body');
    expect(calls).toBe(3);
  });

  it('parses header text', () => {
    expect(parseHeaderText('A: 1\n\nA: 2\nB:x')).toEqual({ headers: { A: ['1', '2'], B: ['x'] }, error: null });
    expect(parseHeaderText('nonsense').error).toMatch(/line 1/);
  });
});
