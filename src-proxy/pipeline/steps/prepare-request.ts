/**
 * First step: give the exchange an id, check the listener's limits, and split
 * the request target into host, path and query. The path is put in normal
 * form (router/path-normal-form.ts) before routing so that `/public/../admin`,
 * `/%61dmin` or `//admin` cannot slip past a route meant for `/admin`.
 */
import { BodyCollector } from '../../capture/body-collector.js';
import { REPLAY_HEADER } from '../../capture/replay-marks.js';
import { SwitchyardError } from '../../errors.js';
import type { StepResult } from '../compose.js';
import type { Exchange } from '../exchange.js';
import { transferCodings } from '../proxy/upstream-call.js';
import { pathNormalForm } from '../../router/path-normal-form.js';

const VALID_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;
/** The Expect value node itself treats as 100-continue (its 'checkContinue'). */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;
/**
 * RFC 9110 §7.2 Host: uri-host [ ":" port ] — a reg-name, IPv4 or IP-literal (empty only without HTTP/1.1).
 * An empty host with a port (":80") is no host at all: RFC 9110 §4.2.1 has an http URI with an empty host rejected.
 */
const VALID_HOST = /^(?:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?)?$/;
/** More header fields than this is a 431 (as Envoy's default; node's HTTP/2 layer allows 128 pairs). */
const MAX_HEADER_FIELDS = 100;

export function prepareRequest(ex: Exchange, next: () => StepResult): StepResult {
  const { req, listener } = ex;
  const given = req.headers['x-request-id'];
  // A generated request id is the exchange id itself: unique, time-ordered, and one less id to make.
  ex.id = typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : ex.uid;

  const replayToken = req.headers[REPLAY_HEADER];
  if (typeof replayToken === 'string') ex.replayOf = ex.state.capture.replays.redeem(replayToken);

  announceExchange(ex);

  // node's HTTP/1 parser also takes "HTTP/2.0" and HTTP/0.9 request lines; on an HTTP/1 connection only
  // 1.0 and 1.1 are HTTP as the gateway speaks it (and forwards it): others get 505, as from nginx, then close.
  const http1 = !('stream' in req);
  if (http1 ? req.httpVersionMajor !== 1 || req.httpVersionMinor > 1 : req.httpVersionMajor !== 2) {
    ex.res.shouldKeepAlive = false;
    throw new SwitchyardError('HTTP_VERSION_NOT_SUPPORTED', `HTTP/${req.httpVersion} is not supported on this connection; use HTTP/1.1.`);
  }

  // node hands these over through 'checkExpectation' (it would answer a bare 417 itself): RFC 9110 §10.1.1
  // defines only 100-continue, so anything else is refused as a problem, and recorded like any answer.
  const expect = req.headers.expect;
  if (expect !== undefined && !CONTINUE.test(expect)) {
    throw new SwitchyardError('EXPECTATION_FAILED', `Expect: ${expect.slice(0, 100)} is not supported; only 100-continue is.`);
  }

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
  // A field count cap well below node's own (2000), past which node silently drops fields: a partial request is never forwarded.
  if (raw.length > 2 * MAX_HEADER_FIELDS) {
    throw new SwitchyardError('HEADERS_TOO_LARGE', `The request has ${raw.length / 2} header fields or more; at most ${MAX_HEADER_FIELDS} are accepted.`);
  }
  // RFC 9112 §3.2: more than one Host is a 400 (node keeps only the first, so routing could disagree with an upstream).
  if (hosts > 1) throw new SwitchyardError('BAD_REQUEST', 'The request has more than one Host header.');
  // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing (a smuggling vector); refused, and the connection closed.
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0 && req.headers['transfer-encoding'] !== undefined) {
    ex.res.shouldKeepAlive = false;
    throw new SwitchyardError('BAD_REQUEST', 'An HTTP/1.0 request cannot use Transfer-Encoding.');
  }
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && req.httpVersionMajor === 1 && transferCodings(te) !== null) {
    ex.res.shouldKeepAlive = false;
    // RFC 9112 §6.3: chunked not last leaves the body's length unknown: 400.
    if (!/(^|,)\s*chunked\s*$/i.test(te)) throw new SwitchyardError('BAD_REQUEST', `The request's Transfer-Encoding "${truncate(te)}" does not end with chunked.`);
    // RFC 9112 §6.1: another coding before it (gzip, chunked) cannot be undone here, and forwarding the
    // body re-chunked would silently drop it: 501, as nginx answers.
    throw new SwitchyardError('NOT_IMPLEMENTED', `The request's Transfer-Encoding "${truncate(te)}" is not supported; only chunked is.`);
  }
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
  } else if (req.httpVersionMajor === 2) {
    // RFC 9113 §8.3.1: a Host naming another authority than :authority is malformed.
    const authority = req.headers[':authority'];
    if (typeof authority === 'string' && authority.toLowerCase() !== hostHeader.toLowerCase()) {
      throw new SwitchyardError('BAD_REQUEST', 'The request\'s Host header differs from its :authority.');
    }
  }
  // RFC 9112 §3.2.1: no fragment in a request target. Passed on, "/admin#x" would miss the /admin
  // route (and its policies) yet reach an upstream that drops the fragment and serves /admin.
  if (target.includes('#')) throw new SwitchyardError('BAD_REQUEST', 'The request target has a fragment ("#").');
  // RFC 9112 §3.2: a Host that is not a host[:port] is a 400 (it would reach routing, logs and upstreams as is);
  // an http(s) target always has an authority, so HTTP/1.1 needs a non-empty one.
  if (!VALID_HOST.test(hostHeader) || (hostHeader === '' && req.httpVersion === '1.1')) {
    throw new SwitchyardError('BAD_REQUEST', `The request's host "${truncate(hostHeader)}" is not a valid host[:port].`);
  }
  ex.authority = hostHeader;
  ex.host = hostName(hostHeader);

  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  ex.search = q === -1 ? '' : target.slice(q + 1);
  ex.path = pathNormalForm(rawPath, listener.mergeSlashes);
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
    // `a.example.` is `a.example` fully qualified (as nginx and Envoy match it): a dot must not slip past host routes.
    if (h.length > 1 && h.endsWith('.')) h = h.slice(0, -1);
  }
  return h.toLowerCase();
}

function truncate(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}
