/**
 * HTTP Archive 1.2 (http://www.softwareishard.com/blog/har-12-spec/), as
 * written by Switchyard. Custom fields start with "_" as the spec asks;
 * `_switchyard` carries what HAR has no place for, so that a HAR exported by
 * Switchyard imports back into the same records.
 */
import type { PolicyDecision } from '../capture/captured-exchange.js';
import type { TimingPhases } from '../events.js';
import type { TlsConnectionInfo } from '../tls/connection-info.js';

export interface Har {
  log: HarLog;
}

export interface HarLog {
  version: string;
  creator: HarCreator;
  browser?: HarCreator;
  pages?: HarPage[];
  entries: HarEntry[];
  comment?: string;
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number; comment?: string };
  comment?: string;
}

export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: HarCache;
  timings: HarTimings;
  serverIPAddress?: string;
  connection?: string;
  comment?: string;
  _switchyard?: SwitchyardEntryFields;
}

export interface HarNameValue {
  name: string;
  value: string;
  comment?: string;
}

export interface HarCookie {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  comment?: string;
}

export interface HarPostData {
  mimeType: string;
  params?: { name: string; value?: string; fileName?: string; contentType?: string; comment?: string }[];
  text?: string;
  /** "base64" when `text` holds base64 (binary bodies); mirrors content.encoding. */
  encoding?: string;
  comment?: string;
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  headersSize: number;
  bodySize: number;
  comment?: string;
}

export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: string;
  comment?: string;
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  comment?: string;
}

export interface HarCache {
  beforeRequest?: HarCacheEntry | null;
  afterRequest?: HarCacheEntry | null;
  comment?: string;
}

export interface HarCacheEntry {
  expires?: string;
  lastAccess: string;
  eTag: string;
  hitCount: number;
  comment?: string;
}

export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect?: number;
  send: number;
  wait: number;
  receive: number;
  ssl?: number;
  comment?: string;
}

export interface HarBodyInfo {
  size: number;
  truncated: boolean;
  contentType: string | null;
  /**
   * Base64 of the body as it went over the wire, when the HAR's text holds it
   * decoded (HAR wants content-encoded responses decompressed): an import
   * restores these bytes.
   */
  encoded?: string;
  /** The capture kept only the start of the wire bytes (`encoded`): the HAR's text is what they decode to. */
  decodedPrefix?: boolean;
}

/** Everything of a CapturedExchange that HAR cannot hold (headers and body bytes are in the HAR proper). */
export interface SwitchyardEntryFields {
  id: string;
  requestId: string;
  startedAt: number;
  duration: number;
  timings: TimingPhases;
  clientAddress: string;
  clientPort: number;
  listener: string;
  scheme: string;
  httpVersion: string;
  host: string;
  /** Path and query as the client sent them. */
  url: string;
  route: string | null;
  upstream: string | null;
  target: string | null;
  attempts: number;
  requestBody: HarBodyInfo;
  responseBody: HarBodyInfo;
  policies: PolicyDecision[];
  error: { code: string; message: string } | null;
  aborted: boolean;
  websocket: SwitchyardWebSocketMessage[] | null;
  replayOf: string | null;
  source: 'live' | 'replay' | 'import';
  /** The client connection's TLS (version, SNI, ALPN), when it was TLS. */
  tls?: TlsConnectionInfo;
  /** Decrypted from a CONNECT tunnel by a forward listener. */
  intercepted?: boolean;
}

export interface SwitchyardWebSocketMessage {
  time: number;
  direction: 'client' | 'upstream';
  opcode: 'text' | 'binary' | 'close' | 'ping' | 'pong';
  /** Base64 of the kept payload. */
  data: string;
  size: number;
  truncated: boolean;
  compressed?: boolean;
  inflated?: boolean;
}
