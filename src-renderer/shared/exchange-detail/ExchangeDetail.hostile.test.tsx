// @vitest-environment jsdom
/**
 * Captured traffic is attacker-controlled: the detail pane must show it as
 * text (never markup), reveal characters that disguise a URL, and reject
 * edits the wire would not carry.
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeControl } from '../../store/test-helpers';
import { parseHeaderText } from './EditForm';
import { ExchangeDetail, type WireExchange } from './ExchangeDetail';
import { JSON_OPEN_BUDGET } from './json-open';

afterEach(cleanup);

const utf8b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
const XSS = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script><svg onload="window.__pwned=1">`;

function exchange(over: Partial<WireExchange> = {}): WireExchange {
  return {
    id: 'ex1',
    requestId: 'rid-1',
    startedAt: Date.UTC(2026, 10, 23, 1, 0, 0),
    duration: 5,
    timings: { queue: 0, connect: 1, ttfb: 2, total: 5 },
    clientAddress: '127.0.0.1',
    clientPort: 50000,
    listener: 'web',
    scheme: 'http',
    httpVersion: '1.1',
    method: 'GET',
    host: 'api.localhost',
    url: '/x',
    route: 'r',
    upstream: 'u',
    target: 'http://127.0.0.1:9001',
    attempts: 1,
    status: 200,
    requestHeaders: ['host', 'api.localhost'],
    responseHeaders: ['content-type', 'text/html'],
    requestBody: { base64: null, size: 0, truncated: false, contentType: null },
    responseBody: { base64: utf8b64(XSS), size: XSS.length, truncated: false, contentType: 'text/html' },
    policies: [],
    error: null,
    aborted: false,
    websocket: null,
    replayOf: null,
    source: 'live',
    ...over,
  } as WireExchange;
}

function show(x: WireExchange, replay = vi.fn(() => ({ id: 'ex2', status: 200, statusText: 'OK' }))) {
  const control = fakeControl({ 'history.get': () => x, 'replay.send': replay });
  render(<ExchangeDetail id="ex1" control={control} />);
  return { control, replay };
}

describe('ExchangeDetail with hostile data', () => {
  it('shows HTML bodies and header markup as text, creating no elements from them', async () => {
    show(exchange({ responseHeaders: ['x-evil<img src=x onerror=alert(1)>', XSS, 'content-type', 'text/html'] }));
    const body = await screen.findByTestId('response-body');
    expect(body.dataset.kind).toBe('html');
    expect(body.querySelector('pre')!.textContent).toBe(XSS);
    const pane = screen.getByTestId('exchange-detail');
    expect(pane.querySelectorAll('script, svg, iframe, object, embed').length).toBe(0);
    expect(pane.querySelectorAll('img').length).toBe(0);
    expect(screen.getByTestId('response-headers').textContent).toContain('x-evil<img src=x onerror=alert(1)>');
  });

  it('reveals bidi overrides and zero-width characters in the URL, host and headers', async () => {
    show(exchange({ host: 'pay\u200Bpal.example', url: '/files/\u202Egpj.exe', requestHeaders: ['x-name', 'ad\u202Emin'] }));
    const title = await screen.findByTitle('/files/<U+202E>gpj.exe');
    expect(title.textContent).toBe('pay<U+200B>pal.example/files/<U+202E>gpj.exe');
    expect(screen.getByTestId('hidden-chars-warning')).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: 'Request' }));
    expect(screen.getByTestId('request-headers').textContent).toBe('x-namead<U+202E>min');
  });

  it('has no warning for an ordinary non-ASCII URL', async () => {
    show(exchange({ url: '/städte/日本?q=🙂' }));
    await screen.findByTestId('response-body');
    expect(screen.queryByTestId('hidden-chars-warning')).toBeNull();
  });

  it('renders only safe image types, as data: URLs; SVG never inline', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1"><script>window.__pwned=1</script></svg>`;
    show(exchange({ responseBody: { base64: utf8b64(svg), size: svg.length, truncated: false, contentType: 'image/svg+xml' } }));
    const body = await screen.findByTestId('response-body');
    const img = body.querySelector('img')!;
    expect(img.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(body.querySelector('svg, script')).toBeNull();
  });

  it('shows invalid UTF-8 and binary bodies as a hex dump', async () => {
    const bytes = String.fromCharCode(0xc3, 0x28, 0xff, 0xfe, 0x00, 0x41);
    show(exchange({ responseBody: { base64: btoa(bytes), size: 6, truncated: false, contentType: 'application/json' } }));
    const body = await screen.findByTestId('response-body');
    expect(body.dataset.kind).toBe('binary');
    expect(body.textContent).toContain('c3 28 ff fe 00 41');
  });

  it('opens 1000-level nested JSON collapsed, one level per click', async () => {
    const deep = `${'['.repeat(1000)}"core"${']'.repeat(1000)}`;
    show(exchange({ responseBody: { base64: btoa(deep), size: deep.length, truncated: false, contentType: 'application/json' } }));
    const body = await screen.findByTestId('response-body');
    expect(body.dataset.kind).toBe('json');
    expect(body.querySelectorAll('.json-node').length).toBe(3);
    fireEvent.click(screen.getByRole('button', { name: 'pretty' }));
    expect(body.querySelector('pre')!.textContent).toContain('"core"');
  });

  it('keeps a wide JSON body (60 keys of 500-item arrays) to a bounded number of open nodes', async () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, Array.from({ length: 500 }, (_, j) => j)])));
    show(exchange({ responseBody: { base64: btoa(wide), size: wide.length, truncated: false, contentType: 'application/json' } }));
    const body = await screen.findByTestId('response-body');
    const nodes = body.querySelectorAll('.json-node').length;
    // Opening every array at depth 1 would mount 60 × 500 leaves.
    expect(nodes).toBeLessThanOrEqual(JSON_OPEN_BUDGET);
    expect(body.textContent).toContain('k59: [ 500 items');
    const closed = [...body.querySelectorAll('button.json-toggle[aria-expanded=false]')];
    fireEvent.click(closed[closed.length - 1]);
    expect(body.textContent).toContain('499');
  }, 30_000);

  it('lists 500 headers, one row each', async () => {
    const raw = Array.from({ length: 500 }, (_, i) => [`x-h${i}`, `v${i}`]).flat();
    show(exchange({ responseHeaders: raw }));
    const table = await screen.findByTestId('response-headers');
    expect(table.querySelectorAll('tr').length).toBe(500);
  });
});

describe('edit & resend with invalid input', () => {
  it('refuses header names that are not tokens, naming the line and the name', () => {
    expect(parseHeaderText('Good: 1\nBad Name: x').error).toBe(
      `line 2: "Bad Name" is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~ only, no spaces)`,
    );
    expect(parseHeaderText('x-\u202Eevil: 1').error).toMatch(/^line 1: "x-<U\+202E>evil" is not a valid header name/);
    expect(parseHeaderText('(x): 1').error).toMatch(/not a valid header name/);
    expect(parseHeaderText('X-Ok_1.~: a "quoted" $value\tand tab').error).toBeNull();
  });

  it('refuses header values with control characters', () => {
    expect(parseHeaderText('X-A: one\u0000two').error).toBe('line 1: the value of X-A holds a control character (one<U+0000>two)');
  });

  it('shows the error in the form and sends nothing', async () => {
    const { replay } = show(exchange());
    fireEvent.click(await screen.findByRole('button', { name: 'Edit & resend' }));
    fireEvent.change(screen.getByLabelText('Headers'), { target: { value: 'Host: api.localhost\nX Bad: 1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert').textContent).toContain('line 2: "X Bad" is not a valid header name');
    fireEvent.change(screen.getByLabelText('Headers'), { target: { value: 'Host: api.localhost' } });
    fireEvent.change(screen.getByLabelText('Path'), { target: { value: '/a b' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert').textContent).toContain('Path must not hold spaces or control characters');
    expect(replay).not.toHaveBeenCalled();
  });
});
