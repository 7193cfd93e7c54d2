/**
 * First step: give the exchange an id, check the listener's limits, and split
 * the request target into host, path and query. The path is normalised
 * (dot segments resolved) before routing so that `/public/../admin` cannot
 * slip past a route meant for `/admin`.
 */
import { BodyCollector } from '../../capture/body-collector.js';
import { REPLAY_HEADER } from '../../capture/replay-marks.js';
import { SwitchyardError } from '../../errors.js';
import type { StepResult } from '../compose.js';
import type { Exchange } from '../exchange.js';

const VALID_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

export function prepareRequest(ex: Exchange, next: () => StepResult): StepResult {
  const { req, listener } = ex;
  const given = req.headers['x-request-id'];
  // A generated request id is the exchange id itself: unique, time-ordered, and one less id to make.
  ex.id = typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : ex.uid;

  const replayToken = req.headers[REPLAY_HEADER];
  if (typeof replayToken === 'string') ex.replayOf = ex.state.capture.replays.redeem(replayToken);

  announceExchange(ex);

  const limits = listener.limits;
  let target = req.url ?? '';
  if (target.length > limits.maxUrlLength) {
    throw new SwitchyardError('URI_TOO_LONG', `The request target is ${target.length} bytes; this listener accepts at most ${limits.maxUrlLength}.`);
  }
  let headerBytes = 0;
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i++) {
    headerBytes += raw[i].length + 2;
    if ((i & 1) === 0 && raw[i].length === 4 && raw[i].toLowerCase() === 'host') hosts++;
  }
  if (headerBytes > limits.maxHeaderSize) {
    throw new SwitchyardError('HEADERS_TOO_LARGE', `The request headers are ${headerBytes} bytes; this listener accepts at most ${limits.maxHeaderSize}.`);
  }
  // RFC 9112 §3.2: more than one Host is a 400 (node keeps only the first, so routing could disagree with an upstream).
  if (hosts > 1) throw new SwitchyardError('BAD_REQUEST', 'The request has more than one Host header.');
  if (limits.maxBodySize !== null) {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > limits.maxBodySize) {
      throw new SwitchyardError('PAYLOAD_TOO_LARGE', `The request body is ${length} bytes; this listener accepts at most ${limits.maxBodySize}.`);
    }
  }

  let hostHeader = req.headers.host ?? '';
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    // Absolute form (RFC 9112 §3.2.2): the target's authority wins over Host.
    const m = /^https?:\/\/([^/?#]+)([^#]*)$/i.exec(target);
    if (!m) throw new SwitchyardError('BAD_REQUEST', `Unsupported request target "${truncate(target)}".`);
    hostHeader = m[1];
    target = m[2] === '' ? '/' : m[2].startsWith('/') ? m[2] : '/' + m[2];
  }
  ex.host = hostName(hostHeader);

  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  ex.search = q === -1 ? '' : target.slice(q + 1);
  // Encoded dots ("%2e%2e") are dot segments too: upstreams decode them.
  const dotted = rawPath.includes('/.') || rawPath.includes('%2e') || rawPath.includes('%2E');
  ex.path = dotted ? normaliseDotSegments(rawPath) : rawPath;
  return next();
}

/** Turns capture on for the exchange while the engine captures, and announces it (exchange.start). */
export function announceExchange(ex: Exchange): void {
  const { req, listener } = ex;
  const capture = ex.state.plan.capture;
  if (ex.state.capture.active && capture.enabled) {
    ex.capturing = true;
    ex.requestBody = new BodyCollector(capture.maxBodySize);
    ex.responseBody = new BodyCollector(capture.maxBodySize);
  }
  const events = ex.state.events;
  if (events.active) {
    events.emit({
      type: 'exchange.start',
      id: ex.uid,
      requestId: ex.id,
      time: ex.time,
      listener: listener.name,
      clientAddress: ex.clientIp,
      clientPort: ex.clientPort,
      method: ex.method,
      url: req.url ?? '',
      host: req.headers.host ?? '',
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      ...(ex.intercepted ? { intercepted: true } : {}),
      // A CONNECT names an authority, not a scheme.
      ...(ex.method === 'CONNECT' ? {} : { scheme: ex.scheme }),
      ...(ex.tls ? { tls: ex.tls } : {}),
    });
  }
}

/** "API.localhost:8080" → "api.localhost"; "[::1]:80" → "[::1]". */
export function hostName(host: string): string {
  let h = host;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end === -1 ? h : h.slice(0, end + 1);
  } else {
    const colon = h.indexOf(':');
    if (colon !== -1) h = h.slice(0, colon);
  }
  return h.toLowerCase();
}

/** RFC 3986 §5.2.4 remove_dot_segments; a path that climbs above the root is refused. */
export function normaliseDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '.' || s === '%2e' || s === '%2E') {
      if (last) out.push('');
    } else if (s === '..' || /^(\.|%2e){2}$/i.test(s)) {
      if (out.length === 0) throw new SwitchyardError('BAD_REQUEST', 'The request path climbs above the root.');
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return '/' + out.join('/');
}

function truncate(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}
