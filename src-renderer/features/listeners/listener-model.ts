/**
 * The Listeners view's pure parts: reading the draft's listeners, switching a
 * listener's mode in the YAML text (comments and layout kept, through
 * editYaml), and the "point a client at it" snippets.
 */
import { isMap, isSeq, parseDocument } from 'yaml';
import type { ListenerInfo } from '../../client/contract';
import { editYaml, YamlEditError } from '../../shared/yaml/edit-text';

export { YamlEditError };

export type ListenerMode = 'reverse' | 'forward';

export interface DraftListener {
  name: string;
  address: string | null;
  /** The mode in the draft (reverse when the key is absent: the schema default). */
  mode: ListenerMode;
  /** The `mode:` key is written out. */
  explicitMode: boolean;
  /** Describes `tls:` when the draft configures it, else null. */
  tls: string | null;
}

/** The draft's listeners, or null when the draft does not parse. */
export function readDraftListeners(text: string): DraftListener[] | null {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return null;
  const seq = doc.get('listeners', true);
  if (!isSeq(seq)) return [];
  const out: DraftListener[] = [];
  for (const item of seq.items) {
    if (!isMap(item)) continue;
    const l = item.toJSON() as Record<string, unknown>;
    if (typeof l.name !== 'string') continue;
    const tls = l.tls as { certificates?: unknown } | undefined;
    out.push({
      name: l.name,
      address: typeof l.address === 'string' ? l.address : null,
      mode: l.mode === 'forward' ? 'forward' : 'reverse',
      explicitMode: l.mode !== undefined,
      tls: tls ? (tls.certificates === 'local-ca' ? 'local CA' : Array.isArray(tls.certificates) ? `${tls.certificates.length} certificate file(s)` : 'configured') : null,
    });
  }
  return out;
}

/**
 * Set listener `name`'s mode in the YAML text. Only the `mode` value changes
 * (added after `address` in the listener's own style when missing); every
 * comment and untouched line stays as it was.
 */
export function setListenerMode(text: string, name: string, mode: ListenerMode): string {
  return editYaml(text, (doc) => {
    const seq = doc.get('listeners', true);
    if (!isSeq(seq)) throw new YamlEditError('The workspace has no `listeners:` list.');
    const index = seq.items.findIndex((it) => isMap(it) && it.get('name') === name);
    if (index < 0) throw new YamlEditError(`Listener "${name}" is not in the YAML any more (it changed in the editor?).`);
    const current = doc.getIn(['listeners', index, 'mode']);
    // Already so, or absent while asking for the default: nothing to write.
    if (current === mode || (current === undefined && mode === 'reverse')) return;
    doc.setIn(['listeners', index, 'mode'], mode);
  });
}

/** The address a client on this machine uses: a wildcard bind is reached through loopback. */
export function clientProxyUrl(info: Pick<ListenerInfo, 'host' | 'port' | 'url'>): string {
  const wildcard = info.host === '0.0.0.0' || info.host === '::' || info.host === '[::]';
  const scheme = info.url.startsWith('https:') ? 'https' : 'http';
  // Port 0 = "any free port": the real one is known only once the listener is bound.
  const port = info.port === 0 ? '<port>' : String(info.port);
  if (!wildcard && info.port !== 0) return info.url.replace(/\/$/, '');
  const host = wildcard ? '127.0.0.1' : info.host.includes(':') && !info.host.startsWith('[') ? `[${info.host}]` : info.host;
  return `${scheme}://${host}:${port}`;
}

export interface ClientSnippet {
  label: string;
  command: string;
}

export function forwardProxySnippets(proxyUrl: string, caPath: string | null = null): ClientSnippet[] {
  const out = [
    { label: 'curl, one request', command: `curl -x ${proxyUrl} http://example.com/` },
    { label: 'a shell: every tool that honours the proxy variables', command: `export HTTP_PROXY=${proxyUrl} HTTPS_PROXY=${proxyUrl}` },
    { label: 'one command', command: `HTTPS_PROXY=${proxyUrl} HTTP_PROXY=${proxyUrl} npm install` },
  ];
  if (caPath !== null) {
    out.push(
      { label: 'curl through an intercepted host: trust the local CA', command: `curl -x ${proxyUrl} --cacert ${caPath} https://example.test/` },
      { label: 'Node.js: trust the local CA', command: `NODE_EXTRA_CA_CERTS=${caPath} HTTPS_PROXY=${proxyUrl} node app.js` },
    );
  }
  return out;
}

/** What `listeners.list` reports for one listener. */
export type ListenerReport = ListenerInfo;

/** "TLS (local CA) · HTTP/2", "TLS (certificate files)", "plain": the running listener's transport; the draft's when it differs (not applied yet). */
export function tlsState(report: ListenerReport, draft: Pick<DraftListener, 'tls'> | undefined): { label: string; source: 'engine' | 'draft' | 'none' } {
  if (report.tls !== null) {
    const parts = [`TLS (${report.tls === 'local-ca' ? 'local CA' : 'certificate files'})`];
    if (report.http2) parts.push('HTTP/2');
    return { label: parts.join(' · '), source: 'engine' };
  }
  if (draft?.tls) return { label: `TLS (${draft.tls}, in the draft)`, source: 'draft' };
  return { label: 'plain', source: 'none' };
}
